package policies_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// typical is the typical state: one project with CMK and private
// networking, 5 clusters and 6 endpoints.
func typical(b *testing.B) *sim.State {
	s := sim.NewWorld(1)
	g := sim.DefaultProjectID
	p := s.Project(g)
	p.Encryption = sim.Presets["example"].Config(s)
	p.Encryption.RequirePrivateNetworking = true
	rc := func(provider, region string) sim.RegionConfig {
		return sim.RegionConfig{ProviderName: provider, RegionName: region, ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M30", NodeCount: 3}}
	}
	clusters := []sim.Cluster{
		{Name: "orders", EncryptionAtRestProvider: "AZURE", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{rc("AZURE", "US_CENTRAL")}}}},
		{Name: "billing", EncryptionAtRestProvider: "AZURE", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{rc("AZURE", "US_EAST_2")}}}},
		{Name: "global", EncryptionAtRestProvider: "AZURE", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{rc("AZURE", "US_CENTRAL"), rc("AZURE", "EUROPE_WEST"), rc("AZURE", "UK_SOUTH")}}}},
		{Name: "analytics", EncryptionAtRestProvider: "AZURE", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{rc("AZURE", "EUROPE_WEST")}}}},
		{Name: "scratch", EncryptionAtRestProvider: "NONE", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{rc("AZURE", "US_CENTRAL")}}}},
	}
	for _, c := range clusters {
		if err := s.PlaceCluster(g, c); err != nil {
			b.Fatal(err)
		}
	}
	for _, e := range []struct{ region, status string }{
		{"US_CENTRAL", sim.StatusActive}, {"US_EAST_2", sim.StatusActive}, {"EUROPE_WEST", sim.StatusActive},
		{"UK_SOUTH", sim.StatusActive}, {"JAPAN_EAST", sim.StatusPendingAcceptance}, {"BRAZIL_SOUTH", sim.StatusFailed},
	} {
		if _, err := s.PlaceEndpoint(g, e.region, e.status); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

type hook struct {
	name    string
	checker sim.Checker
}

// checkers are the hooks a step is measured with, in one run: the Engine
// evaluating every rule, policies.Service as earsim serve asks (its memos
// ready), and allow-all.
func checkers(b *testing.B) []hook {
	engine := policies.MustDefault()
	service := policies.NewService(engine)
	if err := service.Wait(); err != nil {
		b.Fatal(err)
	}
	return []hook{{"rego", engine}, {"rego-service", service}, {"allow-all", sim.AllowAll{}}}
}

// typicalMachine is a Machine on the typical state.
func typicalMachine(b *testing.B, c sim.Checker) *sim.Machine {
	m, err := sim.NewMachine(typical(b), c)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// commands is a typical mix of requests on the typical state. Repeating it
// leaves the world the same size under either hook, so every iteration
// measures the same work.
func commands() []sim.Command {
	g := sim.DefaultProjectID
	owner := &sim.Actor{GroupRoles: map[string][]string{g: {"GROUP_OWNER"}}}
	enabled := true
	other := "other"
	wide := &sim.ClusterSpec{Name: "wide", EncryptionAtRestProvider: "AZURE", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{
		{ProviderName: "AZURE", RegionName: "US_CENTRAL", ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M30"}},
		{ProviderName: "AZURE", RegionName: "AUSTRALIA_EAST", ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M30"}},
	}}}}
	return []sim.Command{
		{Op: sim.GetEncryptionConfig, GroupID: g, Actor: owner},
		{Op: sim.UpdateEncryptionConfig, GroupID: g, Actor: owner, AzureKeyVault: &sim.AzureKeyVaultPatch{Enabled: &enabled}},
		{Op: sim.ListPrivateEndpoints, GroupID: g, Actor: owner},
		{Op: sim.UpdateCluster, GroupID: g, Actor: owner, ClusterName: "scratch", Cluster: &sim.ClusterSpec{EncryptionAtRestProvider: "AZURE"}},
		{Op: sim.CreateCluster, GroupID: g, Actor: owner, Cluster: wide},
		{Op: sim.UpdateEncryptionConfig, GroupID: g, Actor: owner, AzureKeyVault: &sim.AzureKeyVaultPatch{KeyVaultName: &other}},
	}
}

// BenchmarkStep measures one Machine.Step of the typical mix with the Rego
// policies (the Engine evaluating every rule; and policies.Service, as
// earsim serve asks them, its memo ready) and, in the same run, with the
// allow-all hook; it reports the median and p99 latency of a step.
func BenchmarkStep(b *testing.B) {
	for _, hook := range checkers(b) {
		b.Run(hook.name, func(b *testing.B) {
			m := typicalMachine(b, hook.checker)
			cmds := commands()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				m.Step(cmds[i%len(cmds)])
				lat = append(lat, time.Since(t0))
			}
			report(b, lat)
		})
	}
}

// BenchmarkWrites measures policy-checked writes as earsim serve's load
// test sends them, in process and without HTTP (serve steps its one world
// under a lock, one write at a time): on the typical state, 16 clients each
// own a region; each round every client creates its endpoint, the clock
// moves 60 s (provisioning), and every client deletes its endpoint. With
// the Engine evaluating every rule, with policies.Service as earsim serve
// asks (its memos ready), and with the allow-all hook, in the same run; it
// reports writes per second and the median and p99 latency of a write.
func BenchmarkWrites(b *testing.B) {
	g := sim.DefaultProjectID
	owner := &sim.Actor{GroupRoles: map[string][]string{g: {"GROUP_OWNER"}}}
	regions := []string{"US_EAST", "US_NORTH_CENTRAL", "US_WEST", "US_SOUTH_CENTRAL", "EUROPE_NORTH", "US_WEST_2", "CANADA_EAST", "CANADA_CENTRAL",
		"AUSTRALIA_EAST", "GERMANY_WEST_CENTRAL", "SWEDEN_CENTRAL", "SWITZERLAND_NORTH", "NORWAY_EAST", "INDIA_CENTRAL", "KOREA_CENTRAL", "FRANCE_CENTRAL"}
	for _, hook := range checkers(b) {
		b.Run(hook.name, func(b *testing.B) {
			m := typicalMachine(b, hook.checker)
			ids := make([]string, len(regions))
			step := func(i int) sim.Command {
				round := i % (2*len(regions) + 1)
				switch {
				case round < len(regions):
					return sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, Actor: owner, RegionName: regions[round]}
				case round == len(regions):
					return sim.Command{Op: sim.Advance, Seconds: 60}
				default:
					return sim.Command{Op: sim.DeletePrivateEndpoint, GroupID: g, Actor: owner, EndpointID: ids[round-len(regions)-1]}
				}
			}
			lat := make([]time.Duration, 0, b.N)
			t0 := time.Now()
			for i := 0; b.Loop(); i++ {
				c := step(i)
				t := time.Now()
				r := m.Step(c)
				lat = append(lat, time.Since(t))
				if c.Op == sim.CreatePrivateEndpoint {
					if v, ok := r.Body.(sim.EndpointView); ok {
						ids[i%(2*len(regions)+1)] = v.ID
					}
				}
				if r.Status >= 300 {
					b.Fatalf("%s: %d %v", c.Op, r.Status, r.Err) // every write is accepted
				}
			}
			b.ReportMetric(float64(len(lat))/time.Since(t0).Seconds(), "writes/s")
			report(b, lat)
		})
	}
}

// BenchmarkDecision measures the policy decision alone on the typical
// state: evaluated every time (Engine.Decide), remembered (Engine.Admit, the
// inputs repeat), and the allow-all hook's; it reports median and p99.
func BenchmarkDecision(b *testing.B) {
	engine := policies.MustDefault()
	inputs := decisionInputs(b)
	for _, hook := range []struct {
		name   string
		decide func(sim.Input) (sim.Decision, error)
	}{
		{"rego", engine.Decide},     // every decision evaluated
		{"rego-memo", engine.Admit}, // repeated decisions remembered
		{"allow-all", sim.AllowAll{}.Admit},
	} {
		b.Run(hook.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := hook.decide(inputs[i%len(inputs)]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			report(b, lat)
		})
	}
}

// decisionInputs captures the policy inputs that the typical mix produces.
func decisionInputs(b *testing.B) []sim.Input {
	rec := &recorder{next: sim.AllowAll{}}
	m, err := sim.NewMachine(typical(b), rec)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range commands() {
		m.Step(c)
	}
	if len(rec.inputs) < len(commands()) {
		b.Fatalf("captured %d inputs", len(rec.inputs))
	}
	return rec.inputs
}

type recorder struct {
	next   sim.Checker
	inputs []sim.Input
}

func (r *recorder) Admit(in sim.Input) (sim.Decision, error) {
	r.inputs = append(r.inputs, in)
	return r.next.Admit(in)
}

func (r *recorder) Inspect(in sim.Input) (sim.Report, error) { return r.next.Inspect(in) }

func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// rbac is OPA's own RBAC example policy (the one behind its published
// median decision latency), measured in the same run as a reference for
// this machine's speed.
const rbac = `package app.rbac

default allow := false

allow if user_is_admin

allow if {
	some grant in user_is_granted
	input.action == grant.action
	input.type == grant.type
}

user_is_admin if "admin" in data.user_roles[input.user]

user_is_granted contains grant if {
	some role in data.user_roles[input.user]
	some grant in data.role_grants[role]
}
`

// BenchmarkOPAReferenceRBAC measures OPA's RBAC example decision, the
// baseline that docs/BENCHMARKS.md relates earsim's decisions to.
func BenchmarkOPAReferenceRBAC(b *testing.B) {
	grant := func(action, typ string) any { return map[string]any{"action": action, "type": typ} }
	data := map[string]any{
		"user_roles": map[string]any{"alice": []any{"admin"}, "bob": []any{"employee", "billing"}, "eve": []any{"customer"}},
		"role_grants": map[string]any{
			"customer": []any{grant("read", "dog"), grant("read", "cat"), grant("adopt", "dog"), grant("adopt", "cat")},
			"employee": []any{grant("read", "dog"), grant("read", "cat"), grant("update", "dog"), grant("update", "cat")},
			"billing":  []any{grant("read", "finance"), grant("update", "finance")},
		},
	}
	pq, err := rego.New(rego.Query("data.app.rbac.allow"), rego.Module("rbac.rego", rbac), rego.Store(inmem.NewFromObject(data))).PrepareForEval(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	in := map[string]any{"user": "bob", "action": "read", "object": "id123", "type": "dog"}
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if _, err := pq.Eval(context.Background(), rego.EvalInput(in)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	report(b, lat)
}

// BenchmarkDecisionNovel measures decisions on inputs no memo has seen as
// a whole: each is one of the typical mix's inputs with one more FAILED
// endpoint record in the project (a world that changed since, as every
// write of serve changes it). The plain Engine (Decide) and its whole-input
// memo (Admit) evaluate every rule; the RuleMemo re-asks only the rules
// that read what changed (issue 15's "one memo for every door", measured
// before it is adopted anywhere but the explorer).
func BenchmarkDecisionNovel(b *testing.B) {
	engine := policies.MustDefault()
	base := decisionInputs(b)
	const n = 3000
	inputs := make([]sim.Input, n)
	for i := range inputs {
		in := maps.Clone(base[i%len(base)])
		if p, ok := in["project"].(map[string]any); ok {
			p = maps.Clone(p)
			eps := slices.Clone(p["endpoints"].([]any))
			eps = append(eps, map[string]any{"id": fmt.Sprintf("%024x", 0xabc000+i), "regionName": "NORWAY_EAST", "status": "FAILED",
				"privateEndpointConnectionName": "", "errorMessage": "x", "connection": "", "since": int64(i), "approvedAt": nil})
			p["endpoints"] = eps
			in["project"] = p
		}
		inputs[i] = in
	}
	memo, err := policies.NewRuleMemo(engine)
	if err != nil {
		b.Fatal(err)
	}
	for _, hook := range []struct {
		name   string
		decide func(sim.Input) (sim.Decision, error)
	}{
		{"rego", engine.Decide},
		{"rego-memo", engine.Admit},
		{"rule-memo", memo.Admit},
		{"allow-all", sim.AllowAll{}.Admit},
	} {
		b.Run(hook.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := hook.decide(inputs[i%n]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			report(b, lat)
		})
	}
}
