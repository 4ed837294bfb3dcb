package sim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/earsim/earsim/sim"
	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

// denyAll refuses every command with one fixed violation.
type denyAll struct{}

func (denyAll) Admit(sim.Input) (sim.Decision, error) {
	return sim.Decision{Deny: []sim.Violation{{Rule: "EAR-TEST-01", Status: 400, Code: "REFUSED", Order: 50, Msg: "no"}}}, nil
}
func (denyAll) Inspect(sim.Input) (sim.Report, error) { return sim.Report{}, nil }

// failing is a checker whose evaluation breaks.
type failing struct{}

func (failing) Admit(sim.Input) (sim.Decision, error) { return sim.Decision{}, errors.New("boom") }
func (failing) Inspect(sim.Input) (sim.Report, error) { return sim.Report{}, nil }

func machine(t *testing.T, c sim.Checker) *sim.Machine {
	t.Helper()
	s := sim.NewWorld(7)
	p := s.Project(sim.DefaultProjectID)
	p.Encryption = sim.Presets["example"].Config(s)
	p.Encryption.RequirePrivateNetworking = true
	m, err := sim.NewMachine(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A refused or failed command changes nothing: not the world, not the log.
func TestRefusalChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		reason  string
		checker sim.Checker
		status  int
	}{
		{"a rule refuses", denyAll{}, 400},
		{"the policy evaluation fails", failing{}, 500},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			m := machine(t, tc.checker)
			before, _ := json.Marshal(m.State())
			res := m.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: sim.DefaultProjectID, RegionName: "US_CENTRAL"})
			if res.Status != tc.status || res.Err == nil || res.Body != nil || len(res.Effects) != 0 {
				t.Fatalf("got %+v, want status %d and nothing else", res, tc.status)
			}
			after, _ := json.Marshal(m.State())
			if string(before) != string(after) || len(m.Effects(0)) != 0 {
				t.Fatal("a refused command changed the world")
			}
		})
	}
}

func TestLifecycleMechanics(t *testing.T) {
	m := machine(t, sim.AllowAll{})
	g := sim.DefaultProjectID
	res := m.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, RegionName: "US_CENTRAL"})
	if res.Status != 202 {
		t.Fatalf("create: %+v", res)
	}
	id := res.Body.(sim.EndpointView).ID
	status := func() string {
		r := m.Step(sim.Command{Op: sim.GetPrivateEndpoint, GroupID: g, EndpointID: id})
		if r.Err != nil {
			return fmt.Sprint(r.Status)
		}
		return r.Body.(sim.EndpointView).Status
	}
	steps := []struct {
		reason string
		cmd    sim.Command
		want   string
	}{
		{"provisioning has not finished at 59 s", sim.Command{Op: sim.Advance, Seconds: 59}, sim.StatusInitiating},
		{"provisioning finishes at 60 s (EAR-PE-02)", sim.Command{Op: sim.Advance, Seconds: 1}, sim.StatusPendingAcceptance},
		{"approval is not instant unless the lag draws 0", sim.Command{Op: sim.ApproveConnection, GroupID: g, EndpointID: id}, ""},
		{"approval shows within 180 s (EAR-PE-03)", sim.Command{Op: sim.Advance, Seconds: sim.MaxApprovalLag}, sim.StatusActive},
		{"DELETE moves to DELETING (EAR-PE-05)", sim.Command{Op: sim.DeletePrivateEndpoint, GroupID: g, EndpointID: id}, sim.StatusDeleting},
		{"and the record goes after 60 s", sim.Command{Op: sim.Advance, Seconds: sim.DeletionSeconds}, "404"},
	}
	for _, s := range steps {
		if r := m.Step(s.cmd); r.Err != nil {
			t.Fatalf("%s: %v", s.reason, r.Err)
		}
		if got := status(); s.want != "" && got != s.want {
			t.Fatalf("%s: status %s, want %s", s.reason, got, s.want)
		}
	}
	if now := m.State().Now; now != 60+sim.MaxApprovalLag+sim.DeletionSeconds {
		t.Fatalf("clock at %d", now)
	}
}

func TestRecreationMakesANewEndpoint(t *testing.T) {
	g := sim.DefaultProjectID
	s := sim.NewWorld(3)
	id, err := s.PlaceEndpoint(g, "US_CENTRAL", sim.StatusActive)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := sim.NewMachine(s, sim.AllowAll{})
	res := m.Step(sim.Command{Op: sim.RemoveConnection, GroupID: g, EndpointID: id})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	p := m.State().Project(g)
	if len(p.Endpoints) != 2 || p.Endpoints[0].Status != sim.StatusPendingRecreation || p.Endpoints[1].Status != sim.StatusInitiating ||
		p.Endpoints[1].ID == id || p.Endpoints[1].RegionName != "US_CENTRAL" || p.Endpoints[0].ErrorMessage != sim.RecreatingMessage {
		t.Fatalf("after removal: %+v", p.Endpoints)
	}
	m.Step(sim.Command{Op: sim.Advance, Seconds: sim.ProvisioningSeconds})
	if p := m.State().Project(g); len(p.Endpoints) != 1 || p.Endpoints[0].Status != sim.StatusPendingAcceptance {
		t.Fatalf("after reprovisioning: %+v", p.Endpoints)
	}
}

func TestBadCommands(t *testing.T) {
	m := machine(t, sim.AllowAll{})
	for _, tc := range []struct {
		reason string
		cmd    sim.Command
		status int
		code   string
	}{
		{"unknown operation", sim.Command{Op: "Frobnicate"}, 400, "INVALID_OPERATION"},
		{"unknown project", sim.Command{Op: sim.GetEncryptionConfig, GroupID: "0000000000000000000000ff"}, 404, "GROUP_NOT_FOUND"},
		{"unknown endpoint", sim.Command{Op: sim.DeletePrivateEndpoint, GroupID: sim.DefaultProjectID, EndpointID: "0000000000000000000000ff"}, 404, "RESOURCE_NOT_FOUND"},
		{"unknown cluster", sim.Command{Op: sim.PauseCluster, GroupID: sim.DefaultProjectID, ClusterName: "nope"}, 404, "CLUSTER_NOT_FOUND"},
		{"clock backwards", sim.Command{Op: sim.Advance, Seconds: -1}, 400, "INVALID_ATTRIBUTE"},
		{"cluster without regions", sim.Command{Op: sim.CreateCluster, GroupID: sim.DefaultProjectID, Cluster: &sim.ClusterSpec{Name: "c"}}, 400, "MISSING_ATTRIBUTE"},
		{"project state outside the enum", sim.Command{Op: sim.SetProjectState, GroupID: sim.DefaultProjectID, State: "ASLEEP"}, 400, "INVALID_ENUM_VALUE"},
		{"key in an unknown vault", sim.Command{Op: sim.CreateKey, KeyIdentifier: "https://nowhere.vault.azure.net/keys/k/1"}, 404, "VAULT_NOT_FOUND"},
		{"malformed key", sim.Command{Op: sim.CreateKey, KeyIdentifier: "vault/k"}, 400, "INVALID_KEY_IDENTIFIER"},
		{"unknown subscription", sim.Command{Op: sim.RegisterNetwork, SubscriptionID: "x"}, 404, "SUBSCRIPTION_NOT_FOUND"},
		{"approve before provisioning", approveInitiating(m), 409, "AZURE_CONNECTION_NOT_PENDING"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			before, _ := json.Marshal(m.State())
			res := m.Step(tc.cmd)
			if res.Err == nil || res.Status != tc.status || res.Err.Code != tc.code {
				t.Fatalf("got %d %+v, want %d %s", res.Status, res.Err, tc.status, tc.code)
			}
			if after, _ := json.Marshal(m.State()); string(before) != string(after) {
				t.Fatal("a failed command changed the world")
			}
		})
	}
}

// approveInitiating creates an endpoint (still INITIATING) and returns the
// command approving it, which Azure cannot do yet.
func approveInitiating(m *sim.Machine) sim.Command {
	res := m.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: sim.DefaultProjectID, RegionName: "UK_SOUTH"})
	return sim.Command{Op: sim.ApproveConnection, GroupID: sim.DefaultProjectID, EndpointID: res.Body.(sim.EndpointView).ID}
}

// No secret in any output: not in a printed command, its JSON, the state
// export, the effects or the answer.
func TestSecretsNeverPrint(t *testing.T) {
	const secret = "example-key-vault-secret"
	m := machine(t, sim.AllowAll{})
	cmd := sim.Command{Op: sim.UpdateEncryptionConfig, GroupID: sim.DefaultProjectID,
		AzureKeyVault: &sim.AzureKeyVaultPatch{Secret: ptr(sim.Secret(secret)), Enabled: ptr(true)}}
	res := m.Step(cmd)
	js, _ := json.Marshal(cmd)
	state, _ := json.Marshal(m.State())
	answer, _ := json.Marshal(res)
	for what, out := range map[string]string{
		"%v": fmt.Sprintf("%v", cmd.AzureKeyVault.Secret), "%+v": fmt.Sprintf("%+v", *cmd.AzureKeyVault), "%#v": fmt.Sprintf("%#v", *cmd.AzureKeyVault),
		"command JSON": string(js), "state": string(state), "answer": string(answer),
	} {
		if strings.Contains(out, secret) {
			t.Errorf("the secret appears in the %s: %s", what, out)
		}
	}
	if got := m.State().Project(sim.DefaultProjectID).Encryption.SecretDigest; got != m.State().Digest(secret) || !strings.HasPrefix(got, "hmac-sha256:") {
		t.Errorf("stored digest %q", got)
	}
}

func TestIDsAndLagsComeFromTheSeed(t *testing.T) {
	ids := map[string]bool{}
	a, b := sim.NewWorld(99), sim.NewWorld(99)
	for range 1000 {
		x, y := a.NewID(), b.NewID()
		if x != y || len(x) != 24 || ids[x] {
			t.Fatalf("id %q (other run %q), seen before %v", x, y, ids[x])
		}
		ids[x] = true
	}
	if sim.NewWorld(1).NewID() == sim.NewWorld(2).NewID() {
		t.Fatal("different seeds gave the same first id")
	}
}

// The approval lag is drawn in [0, 180] s: across seeds it varies and an
// approved endpoint is always ACTIVE 180 s later (EAR-LAG-01).
func TestApprovalLagIsBoundedAndVaries(t *testing.T) {
	lags := map[int64]bool{}
	for seed := range uint64(200) {
		s := sim.NewWorld(seed)
		id, _ := s.PlaceEndpoint(sim.DefaultProjectID, "US_CENTRAL", sim.StatusPendingAcceptance)
		m, _ := sim.NewMachine(s, sim.AllowAll{})
		m.Step(sim.Command{Op: sim.ApproveConnection, GroupID: sim.DefaultProjectID, EndpointID: id})
		var at int64 = -1
		for _, e := range m.Effects(0) {
			if e.Kind == "EndpointActivated" {
				at = e.At
			}
		}
		if at < 0 {
			m.Step(sim.Command{Op: sim.Advance, Seconds: sim.MaxApprovalLag})
			for _, e := range m.Effects(0) {
				if e.Kind == "EndpointActivated" {
					at = e.At
				}
			}
		}
		if at < 0 || at > sim.MaxApprovalLag {
			t.Fatalf("seed %d: activated at %d", seed, at)
		}
		lags[at] = true
	}
	if len(lags) < 50 {
		t.Fatalf("only %d distinct lags over 200 seeds", len(lags))
	}
}

func TestCloneIsIndependent(t *testing.T) {
	s := sim.NewWorld(1)
	s.PlaceEndpoint(sim.DefaultProjectID, "US_CENTRAL", sim.StatusActive)
	s.PlaceCluster(sim.DefaultProjectID, sim.Cluster{Name: "c", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{{ProviderName: "AZURE", RegionName: "US_CENTRAL", ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M10"}}}}}})
	c := s.Clone()
	if diff := cmp.Diff(s, c); diff != "" {
		t.Fatalf("a clone differs from its original (-original +clone):\n%s", diff)
	}
	cp := c.Project(sim.DefaultProjectID)
	cp.Endpoints[0].Status = "X"
	cp.Clusters[0].ReplicationSpecs[0].RegionConfigs[0].ElectableSpecs.InstanceSize = "M0"
	c.Azure.Apps[0].Vaults[0] = "other"
	p := s.Project(sim.DefaultProjectID)
	if p.Endpoints[0].Status == "X" || p.Clusters[0].ReplicationSpecs[0].RegionConfigs[0].ElectableSpecs.InstanceSize == "M0" || s.Azure.Apps[0].Vaults[0] == "other" {
		t.Fatal("changing a clone changed the original")
	}
}

// A fork and its original go their own ways.
func TestForkIsIndependent(t *testing.T) {
	m := machine(t, sim.AllowAll{})
	f := m.Fork()
	f.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: sim.DefaultProjectID, RegionName: "US_CENTRAL"})
	if n := len(m.State().Project(sim.DefaultProjectID).Endpoints); n != 0 {
		t.Fatalf("the original has %d endpoints after its fork stepped", n)
	}
	if n := len(f.State().Project(sim.DefaultProjectID).Endpoints); n != 1 || len(m.Effects(0)) != 0 {
		t.Fatalf("fork has %d endpoints; original log %d", n, len(m.Effects(0)))
	}
}

// countingEndpoints reports a violation and a clocked report on every
// project with an endpoint, read from the project document.
type countingEndpoints struct{ sim.AllowAll }

func (countingEndpoints) Inspect(in sim.Input) (sim.Report, error) {
	p, _ := in["project"].(map[string]any)
	eps, _ := p["endpoints"].([]any)
	if len(eps) == 0 {
		return sim.Report{}, nil
	}
	return sim.Report{Violations: []sim.Broken{{Rule: "TEST", Msg: fmt.Sprint(len(eps), " endpoints")}}, Clocked: true}, nil
}

// Forks share their reports, flags and documents until one changes them:
// a step of one fork, or of the original after forking, changes no other.
func TestForkSharesReportsUntilAStep(t *testing.T) {
	create := sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: sim.DefaultProjectID, RegionName: "US_CENTRAL"}
	m := machine(t, countingEndpoints{})
	m.VerifyDocs(true)
	m.Warm()
	a, b := m.Fork(), m.Fork()
	a.VerifyDocs(true)
	b.VerifyDocs(true)
	if r := a.Step(create); r.Err != nil || len(r.Violations) != 1 {
		t.Fatalf("fork a: %+v", r)
	}
	if len(a.Violations()) != 1 || len(m.Violations()) != 0 || len(b.Violations()) != 0 {
		t.Fatalf("violations after a stepped: a %d, original %d, b %d", len(a.Violations()), len(m.Violations()), len(b.Violations()))
	}
	m.Step(create)
	m.Step(create)
	if got := m.Violations(); len(got) != 1 || got[0].Msg != "2 endpoints" {
		t.Fatalf("original after two steps: %+v", got)
	}
	if got := a.Violations(); len(got) != 1 || got[0].Msg != "1 endpoints" || len(b.Violations()) != 0 {
		t.Fatalf("forks after the original stepped: a %+v, b %+v", got, b.Violations())
	}
	// a clock move re-inspects only the Clocked projects, which b has none of
	b.Step(sim.Command{Op: sim.Advance, Seconds: 60})
	if len(b.Violations()) != 0 || b.Report(sim.DefaultProjectID).Clocked {
		t.Fatalf("b: %+v", b.Report(sim.DefaultProjectID))
	}
	c := a.Fork()
	c.Step(sim.Command{Op: sim.DeletePrivateEndpoint, GroupID: sim.DefaultProjectID, EndpointID: a.State().Project(sim.DefaultProjectID).Endpoints[0].ID})
	if !a.Report(sim.DefaultProjectID).Clocked || len(a.Violations()) != 1 {
		t.Fatalf("a after its fork deleted its endpoint: %+v", a.Report(sim.DefaultProjectID))
	}
	for name, x := range map[string]*sim.Machine{"original": m, "a": a, "b": b, "c": c} {
		if x.StaleDocs() != 0 {
			t.Errorf("%s used %d stale documents", name, x.StaleDocs())
		}
	}
}

// An Unlogged Machine and its later forks keep no effects, and still
// answer each step's effects in its Result.
func TestUnloggedKeepsNoEffects(t *testing.T) {
	create := sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: sim.DefaultProjectID, RegionName: "US_CENTRAL"}
	m := machine(t, sim.AllowAll{})
	m.Step(create)
	kept := len(m.Effects(0))
	if kept == 0 {
		t.Fatal("a logged step kept no effects")
	}
	m.Unlogged()
	f := m.Fork()
	for _, x := range []*sim.Machine{m, f} {
		if r := x.Step(create); len(r.Effects) == 0 {
			t.Fatalf("an unlogged step answered no effects: %+v", r)
		}
		if n := len(x.Effects(0)); n != kept {
			t.Fatalf("%d effects kept after an unlogged step, want the %d from before", n, kept)
		}
	}
}
