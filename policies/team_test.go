package policies

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/earsim/earsim/sim"
)

const exampleTeam = "../examples/team-policy/policy"

// judgeBoth is a sim.Checker that asks the team about every input as Judge
// does (for each op the rules its guards admit, on the part of the input
// they read; then again, remembered) and plainly (every rule about every
// op, on the whole input, nothing remembered), and records disagreements.
type judgeBoth struct {
	sim.AllowAll
	t, plain    *Team
	plan        func() (map[string]any, error)
	asked, said int
	bad         []string
}

func (j *judgeBoth) Admit(in sim.Input) (sim.Decision, error) {
	op, _ := in["op"].(string)
	step := map[string]any{"n": j.asked + 1, "of": 20, "address": "x.y", "action": "create"}
	a, err1 := j.t.Judge(in, step, j.t.Plan(j.plan))
	again, err3 := j.t.Judge(in, step, j.t.Plan(j.plan)) // remembered
	b, err2 := j.plain.Judge(in, step, j.plain.Plan(j.plan))
	j.asked++
	j.said += len(b)
	if err1 != nil || err2 != nil || err3 != nil || !reflect.DeepEqual(a, b) || !reflect.DeepEqual(again, b) {
		j.bad = append(j.bad, fmt.Sprintf("%s: %v %v / %v %v", op, a, err1, b, err2))
	}
	return WithTeamDenials(sim.Decision{}, a), nil
}

// The team's rules answer on the part of the input they read, and each is
// asked only about the ops its guard admits, and remembered by what they
// read, exactly as evaluated on everything: the example's three rules, and the benchmark's ten with the
// one that reads input.plan (no guard: asked about every op, on the parts
// of the plan it reads).
func TestTeamProjectionAgreesWithPlainEvaluation(t *testing.T) {
	plan := func() (map[string]any, error) {
		return map[string]any{"format_version": "1.2", "terraform_version": "0.15.5", "resource_changes": []any{map[string]any{"address": "a.b"}}}, nil
	}
	for _, dirs := range [][]string{{exampleTeam}, {exampleTeam, "../check/testdata/team-bench/step", "../check/testdata/team-bench/plan"}} {
		team, err := LoadTeam(dirs...)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := loadTeam(dirs, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(team.byOp) == 0 || team.byOp["CreatePrivateEndpoint"] == nil || team.byOp["CreatePrivateEndpoint"].paths == nil || team.readsPlan != (len(dirs) > 1) {
			t.Fatalf("%v: the rules should be analysed: by op %v, other %v, plan %v", dirs, team.byOp, team.other, team.readsPlan)
		}
		j := &judgeBoth{t: team, plain: plain, plan: plan}
		s := sim.NewWorld(1)
		m, err := sim.NewMachine(s, j)
		if err != nil {
			t.Fatal(err)
		}
		g := sim.DefaultProjectID
		for _, name := range []string{"test-tf-export", "example"} {
			p := sim.Presets[name]
			kv := p.Config(s)
			on, rpn := true, true
			m.Step(sim.Command{Op: sim.UpdateEncryptionConfig, GroupID: g, AzureKeyVault: &sim.AzureKeyVaultPatch{
				Enabled: &on, RequirePrivateNetworking: &rpn, AzureEnvironment: &kv.AzureEnvironment, ClientID: &kv.ClientID, TenantID: &kv.TenantID,
				SubscriptionID: &kv.SubscriptionID, ResourceGroupName: &kv.ResourceGroupName, KeyVaultName: &kv.KeyVaultName, KeyIdentifier: &kv.KeyIdentifier}})
		}
		for _, region := range []string{"US_EAST_2", "BRAZIL_SOUTH", "US_CENTRAL"} {
			m.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, CloudProvider: "AZURE", RegionName: region})
		}
		m.Step(sim.Command{Op: sim.Advance, Seconds: 600})
		for _, region := range []string{"US_EAST_2", "JAPAN_EAST"} {
			m.Step(sim.Command{Op: sim.CreateCluster, GroupID: g, Cluster: &sim.ClusterSpec{Name: "c-" + strings.ToLower(region), EncryptionAtRestProvider: "AZURE",
				ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{{ProviderName: "AZURE", RegionName: region, ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M10"}}}}}}})
		}
		m.Step(sim.Command{Op: sim.GetProject, GroupID: g})
		m.Step(sim.Command{Op: sim.DeleteProject, GroupID: g})
		if j.asked < 8 || j.said < 3 || len(j.bad) > 0 {
			t.Fatalf("%v: %d questions, %d findings, disagreeing on %v", dirs, j.asked, j.said, j.bad)
		}
	}
}

// A package's rules may span files with different guards: each op asks the
// rules that admit it, and a rule without a guard is asked about every op.
func TestTeamGuardsByPackage(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"a.rego":  "package earsim.team.a\n\ndeny contains \"create\" if input.op == \"CreateProject\"\n",
		"a2.rego": "package earsim.team.a\n\ndeny contains \"delete\" if input.op in {\"DeleteProject\", \"DeleteCluster\"}\n",
		"b.rego":  "package earsim.team.b\n\nwarn contains \"any\" if input.request.flag == true\n",
		"c.rego":  "package earsim.team.c\n\nwarn contains sprintf(\"step %d\", [input.step.n]) if input.op == \"DeleteCluster\"\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	team, err := LoadTeam(dir)
	if err != nil {
		t.Fatal(err)
	}
	step := map[string]any{"n": 3, "of": 4, "address": "x.y", "action": "delete"}
	for _, tc := range []struct {
		op   string
		want []string
	}{
		{"CreateProject", []string{"create", "any"}},
		{"DeleteProject", []string{"delete", "any"}},
		{"DeleteCluster", []string{"delete", "any", "step 3"}},
		{"UpdateCluster", []string{"any"}},
	} {
		fs, err := team.Judge(sim.Input{"op": tc.op, "request": map[string]any{"flag": true}}, step, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Msg)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.op, got, tc.want)
		}
	}
	// A request document as written may carry its own step: read where
	// Judge adds none, replaced where it does.
	own := sim.Input{"op": "DeleteCluster", "request": map[string]any{}, "step": map[string]any{"n": 7}}
	for _, tc := range []struct {
		step map[string]any
		want string
	}{{nil, "step 7"}, {step, "step 3"}, {nil, "step 7"}} {
		fs, err := team.Judge(own, tc.step, nil)
		if err != nil || len(fs) != 2 || fs[1].Msg != tc.want {
			t.Errorf("own step, given %v: got %+v %v, want %q", tc.step, fs, err, tc.want)
		}
	}
}

// Bad team directories are refused with file and line.
func TestLoadTeamErrors(t *testing.T) {
	for _, tc := range []struct{ name, file, text, want string }{
		{"outside the namespace", "a.rego", "package acme\n\ndeny contains \"x\" if input.op == \"CreateProject\"\n", "a.rego:1: package acme: a team's rules live in package earsim.team.<name>"},
		{"an earsim id", "a.rego", "# METADATA\n# custom:\n#   id: EAR-X-01\npackage earsim.team.a\n\ndeny contains \"x\" if input.op == \"CreateProject\"\n", "a.rego:1: id EAR-X-01: EAR- and EARSIM- ids are earsim's own"},
		{"a status that is no client error", "a.rego", "# METADATA\n# custom:\n#   id: T-1\n#   status: 500\npackage earsim.team.a\n\ndeny contains \"x\" if input.op == \"CreateProject\"\n", "a.rego:1: status \"500\""},
		{"deny as a function", "a.rego", "package earsim.team.a\n\ndeny(x) := x\n", "a.rego:3: deny must be a set"},
		{"no rules", "a.rego", "package earsim.team.a\n\nhelper := 1\n", "no deny or warn rule"},
		{"a nondeterministic builtin", "a.rego", "package earsim.team.a\n\ndeny contains \"x\" if time.now_ns() > 0\n", "a.rego:3: rego_type_error"},
		{"data over earsim's", "data.json", `{"earsim": {"lib": {}}}`, "data file sets data.earsim.lib"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.file == "data.json" {
				os.WriteFile(filepath.Join(dir, "a.rego"), []byte("package earsim.team.a\n\ndeny contains \"x\" if input.op == \"CreateProject\"\n"), 0o644)
			}
			_, err := LoadTeam(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// conftest's shapes: strings and {msg} objects; without METADATA a rule is
// its package, refusing with 400 TEAM_POLICY_VIOLATION; an object may name
// one of the directory's ids.
func TestTeamShapes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.rego"), []byte(`package earsim.team.plain

deny contains "a string" if input.op == "CreateProject"

warn contains {"msg": "an object"} if input.op == "CreateProject"
`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.rego"), []byte(`# METADATA
# title: two ids
# custom:
#   id: T-B-01
#   severity: warning
package earsim.team.b

# METADATA
# custom:
#   id: T-B-02
#   status: 409
#   errorCode: T_B_CONFLICT
deny contains {"msg": "named", "id": "T-B-02"} if input.op == "CreateProject"

warn contains "plain warn" if input.op == "CreateProject"
`), 0o644)
	team, err := LoadTeam(dir)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := team.Judge(sim.Input{"op": "CreateProject", "request": map[string]any{}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []TeamFinding{
		{Rule: "T-B-01", Msg: "plain warn"},
		{Rule: "T-B-02", Deny: true, Msg: "named", Status: 409, Code: "T_B_CONFLICT"},
		{Rule: "earsim.team.plain", Deny: true, Msg: "a string", Status: 400, Code: "TEAM_POLICY_VIOLATION"},
		{Rule: "earsim.team.plain", Msg: "an object"},
	}
	if !reflect.DeepEqual(fs, want) {
		t.Fatalf("got %+v\nwant %+v", fs, want)
	}
	if fs, _ := team.Judge(sim.Input{"op": "GetProject"}, nil, nil); len(fs) != 0 {
		t.Errorf("a read was judged: %+v", fs)
	}
	if TeamJudges("GetProject") || TeamJudges("Advance") || TeamJudges("ProvisionEndpoint") || !TeamJudges("ApproveConnection") || !TeamJudges("CreateCluster") {
		t.Error("TeamJudges: writes and events only")
	}
}

// A remembered answer is the answer to the same values read: values that
// differ only in their type (a string and a number, a number written
// otherwise), their place, or a step or plan read, are asked anew.
func TestTeamMemoTellsValuesApart(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.rego"), []byte(`package earsim.team.a

warn contains sprintf("%s %v", [type_name(input.request.x), input.request.x]) if input.op == "CreateProject"

warn contains sprintf("y %v", [input.request.y]) if {
	input.op == "CreateProject"
	input.request.y
}

warn contains sprintf("step %v, plan %v", [input.step.n, input.plan.terraform_version]) if input.op == "DeleteProject"
`), 0o644)
	team, err := LoadTeam(dir)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := loadTeam([]string{dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	plans := []map[string]any{{"terraform_version": "1.9.0"}, {"terraform_version": "1.10.0"}, {}}
	var asked int
	for range 2 { // the second time from memory
		for _, x := range []any{"1", json.Number("1"), json.Number("1.0"), 1.0, 1, true, nil, map[string]any{"a": "1"}, map[string]any{"a": json.Number("1")}, []any{"1"}, []any{"1", "1"}} {
			for _, y := range []any{nil, true, "x"} {
				req := map[string]any{"x": x}
				if y != nil {
					req["y"] = y
				}
				in := sim.Input{"op": "CreateProject", "request": req}
				a, err1 := team.Judge(in, nil, nil)
				b, err2 := plain.Judge(in, nil, nil)
				asked++
				if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) || len(b) == 0 {
					t.Errorf("x %#v, y %#v: remembered %v %v, plain %v %v", x, y, a, err1, b, err2)
				}
			}
		}
		for n := range 3 {
			for _, p := range plans {
				in := sim.Input{"op": "DeleteProject", "request": map[string]any{}}
				step := map[string]any{"n": n, "of": 3, "address": "a.b", "action": "delete"}
				load := func() (map[string]any, error) { return p, nil }
				a, err1 := team.Judge(in, step, team.Plan(load))
				b, err2 := plain.Judge(in, step, plain.Plan(load))
				if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
					t.Errorf("step %d, plan %v: remembered %v %v, plain %v %v", n, p, a, err1, b, err2)
				}
			}
		}
	}
	if held := team.memo.held(); held == 0 {
		t.Error("nothing remembered")
	}
}
