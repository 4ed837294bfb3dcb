package policies

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/earsim/earsim/sim"
)

const exampleTeam = "../examples/team-policy/policy"

// judgeBoth is a sim.Checker that asks the team about every input twice: as
// Judge does (the ops its guards admit, the part of the input its rules
// read) and plainly (every op, the whole input), and records disagreements.
type judgeBoth struct {
	sim.AllowAll
	t, plain *Team
	asked    int
	bad      []string
}

func (j *judgeBoth) Admit(in sim.Input) (sim.Decision, error) {
	op, _ := in["op"].(string)
	step := map[string]any{"n": 1, "of": 1, "address": "x.y", "action": "create"}
	a, err1 := j.t.Judge(in, step, nil)
	b, err2 := j.plain.Judge(in, step, nil)
	j.asked++
	if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(a, b) {
		j.bad = append(j.bad, op)
	}
	return WithTeamDenials(sim.Decision{}, a), nil
}

// The team's rules answer on the part of the input they read, and are asked
// only about the ops their guards admit, exactly as evaluated on everything.
func TestTeamProjectionAgreesWithPlainEvaluation(t *testing.T) {
	team, err := LoadTeam(exampleTeam)
	if err != nil {
		t.Fatal(err)
	}
	if team.paths == nil || team.ops == nil || team.readsPlan {
		t.Fatalf("the example rules should be analysed: paths %v, ops %v, plan %v", team.paths, team.ops, team.readsPlan)
	}
	plain, err := LoadTeam(exampleTeam)
	if err != nil {
		t.Fatal(err)
	}
	plain.paths, plain.ops, plain.planOps = nil, nil, nil
	j := &judgeBoth{t: team, plain: plain}
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
	if j.asked < 8 || len(j.bad) > 0 {
		t.Fatalf("%d questions, disagreeing on %v", j.asked, j.bad)
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
