package check_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/policies"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const refPlans = "../shared/reference/terraform-plans" // from the repository root

// interrupted returns the findings of an interrupted apply (Kind
// "interrupted apply") and the others.
func interrupted(fs []check.Finding) (cut, rest []check.Finding) {
	for _, f := range fs {
		if f.Kind == "interrupted apply" {
			cut = append(cut, f)
		} else {
			rest = append(rest, f)
		}
	}
	return cut, rest
}

// TestInterruptionsOfRealPlans: --interruptions judges the world an apply
// cut off after each step leaves, and reports what it exhibits that the
// world before the apply and the world the completed apply leave do not,
// naming the step after which the apply stops, the step that ends it and
// the resource.
func TestInterruptionsOfRealPlans(t *testing.T) {
	t.Chdir("..")
	type want struct {
		rule, level, resource, cut, ended, msgStart, msgHas string
		fix                                                 string // the depends_on that closes the window, as the simulator judged it; "" for none
	}
	for _, tc := range []struct {
		plan   string
		reason string
		want   []want
	}{
		{"examples/clean/azure-provider-example-cluster-unordered.json",
			"a real tofu plan (provider example plus a CMK cluster without depends_on): the apply creates the config (1), the cluster (2), the endpoint (3), then approves it (4); cut after 2 or 3, the CMK cluster is under private networking with no ACTIVE endpoint in its region (EAR-MR-01); the completed apply is clean",
			[]want{{"EAR-MR-01", check.LevelError, "mongodbatlas_advanced_cluster.orders", "2-3 of 4", "4 of 4",
				"if the apply stops after step 2 of 4 (mongodbatlas_advanced_cluster.orders create) or any step up to 3 (mongodbatlas_encryption_at_rest_private_endpoint.endpoint create): ",
				`cluster "orders" cannot reach its key in US_CENTRAL: no ACTIVE private endpoint there; step 4 (azapi_update_resource.approval create) ends it`,
				"add depends_on = [azapi_update_resource.approval] to mongodbatlas_advanced_cluster.orders"}}},
		{"examples/clean/azure-provider-example-approval.json",
			"the same real plan with depends_on = [azapi_update_resource.approval] on the cluster: the cluster comes last and meets its endpoint ACTIVE, no cut leaves it uncovered",
			nil},
		{"examples/key-02-teardown-deletes-key-before-cmk-off.json",
			"a teardown that deletes the key first (nothing orders it after the config): cut after step 1, cluster orders exists with its key gone (EAR-KEY-02, an error as the plan carries it out); deleting the cluster at step 2 ends it",
			[]want{{"EAR-KEY-02", check.LevelError, "mongodbatlas_advanced_cluster.orders", "1 of 4", "2 of 4",
				"if the apply stops after step 1 of 4 (azurerm_key_vault_key.key delete): ",
				`data of cluster "orders" is inaccessible: its key is disabled or deleted; step 2 (mongodbatlas_advanced_cluster.orders delete) ends it`,
				"add depends_on = [azurerm_key_vault_key.key] to mongodbatlas_advanced_cluster.orders"}}},
		{"examples/key-02-replace-key-in-use.json",
			"the key in use replaced without create_before_destroy: from the delete (1) through the new key's create (2) the config still names the deleted key; its update (3) ends it",
			[]want{{"EAR-KEY-02", check.LevelError, "mongodbatlas_advanced_cluster.orders", "1-2 of 3", "3 of 3",
				"if the apply stops after step 1 of 3 (azurerm_key_vault_key.key delete) or any step up to 2 (azurerm_key_vault_key.key create): ",
				"; step 3 (mongodbatlas_encryption_at_rest.ear update) ends it",
				""}}}, // a destroy ended by an update: no depends_on orders the destroy after it
		{refPlans + "/10-destroy-all.json",
			"the reference teardown: the cluster is destroyed first, then the endpoints, then CMK off: no cut leaves a CMK cluster without an endpoint or key",
			nil},
		{refPlans + "/01-create.json",
			"the reference first apply: config, then endpoints, no cluster: nothing at any cut that the completed apply does not have",
			nil},
	} {
		c := checker(t)
		plain, err := c.Files(context.Background(), []string{tc.plan}, check.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.plan, err)
		}
		rep, err := c.Files(context.Background(), []string{tc.plan}, check.Options{Interruptions: true})
		if err != nil {
			t.Fatalf("%s: %v", tc.plan, err)
		}
		cut, rest := interrupted(rep.Files[0].Findings)
		if d := cmp.Diff(plain.Files[0].Findings, rest, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: --interruptions changed the other findings (-without +with):\n%s", tc.plan, d)
		}
		if len(cut) != len(tc.want) {
			t.Errorf("%s (%s): %d interruption finding(s), want %d: %+v", tc.plan, tc.reason, len(cut), len(tc.want), cut)
			continue
		}
		for i, w := range tc.want {
			f := cut[i]
			if f.Rule != w.rule || f.Level != w.level || f.Resource != w.resource || f.Target["cutAfterStep"] != w.cut || f.Target["endedByStep"] != w.ended {
				t.Errorf("%s (%s):\ngot  %s %s %s cut %q ended %q\nwant %s %s %s cut %q ended %q", tc.plan, tc.reason,
					f.Rule, f.Level, f.Resource, f.Target["cutAfterStep"], f.Target["endedByStep"], w.rule, w.level, w.resource, w.cut, w.ended)
			}
			if !strings.HasPrefix(f.Message, w.msgStart) || !strings.Contains(f.Message, w.msgHas) {
				t.Errorf("%s: message %q\nwant it to start %q and hold %q", tc.plan, f.Message, w.msgStart, w.msgHas)
			}
			if got := strings.Contains(f.Remediation, "To close the window, add depends_on"); got != (w.fix != "") || !strings.Contains(f.Remediation, w.fix) {
				t.Errorf("%s: remediation %q, want the fix %q", tc.plan, f.Remediation, w.fix)
			}
			if f.Line == 0 || f.File != tc.plan || !strings.Contains(f.Remediation, "The completed apply does not leave this") {
				t.Errorf("%s: finding without line, file or the interruption's remediation: %+v", tc.plan, f)
			}
		}
		if len(tc.want) > 0 && !rep.Fails(check.LevelError) {
			t.Errorf("%s: an error at a cut does not fail the check", tc.plan)
		}
	}
}

// TestInterruptionsLeaveEveryOtherFindingAlone: on every example input,
// --interruptions adds findings of Kind "interrupted apply" and changes
// nothing else (the goldens hold without it); a clean example that has
// them is one whose apply opens a window the completed apply closes.
func TestInterruptionsLeaveEveryOtherFindingAlone(t *testing.T) {
	paths := inputs(t)
	c := checker(t)
	plain, err := c.Files(context.Background(), paths, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Files(context.Background(), paths, check.Options{Interruptions: true})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, f := range rep.Files {
		cut, rest := interrupted(f.Findings)
		total += len(cut)
		if d := cmp.Diff(plain.Files[i].Findings, rest, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: other findings changed (-without +with):\n%s", f.File, d)
		}
		if f.Kind != check.KindPlan && len(cut) > 0 {
			t.Errorf("%s: a %s input has no apply to cut, got %+v", f.File, f.Kind, cut)
		}
		for _, x := range cut {
			if !strings.HasPrefix(x.Message, "if the apply stops after step ") || x.Target["cutAfterStep"] == "" || x.Target["endedByStep"] == "" {
				t.Errorf("%s: interruption finding does not name its cut: %+v", f.File, x)
			}
		}
	}
	if total < 3 {
		t.Errorf("%d interruption findings over the examples, want at least the 3 of TestInterruptionsOfRealPlans", total)
	}
}

// TestInterruptionsSuppressedAndInEveryFormat: a suppression names an
// interruption finding by rule and resource, as any other; --fail-on
// counts what is left; text, JSON, JUnit and SARIF (schema-valid) carry it.
func TestInterruptionsSuppressedAndInEveryFormat(t *testing.T) {
	t.Chdir("..")
	plan := "examples/clean/azure-provider-example-cluster-unordered.json"
	c := checker(t)
	rep, err := c.Files(context.Background(), []string{plan}, check.Options{Interruptions: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Fails(check.LevelError) || rep.Summary.Errors != 1 {
		t.Fatalf("want one error (the EAR-MR-01 window), got %+v", rep.Summary)
	}
	outputs := map[string]string{
		"text":  "    error      EAR-MR-01    if the apply stops after step 2 of 4 (mongodbatlas_advanced_cluster.orders create)",
		"json":  `"kind": "interrupted apply"`,
		"junit": `<testcase name="EAR-MR-01 mongodbatlas_advanced_cluster.orders" classname="` + plan + `" file="` + plan + `" line="315">`,
		"sarif": `"kind": "interrupted apply"`,
	}
	for format, want := range outputs {
		var b bytes.Buffer
		if err := rep.Write(&b, format, check.LevelError); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("--format %s lacks %q:\n%s", format, want, b.String())
		}
		if format == "sarif" {
			sch, err := jsonschema.NewCompiler().Compile("check/testdata/sarif-2.1.0-rtm.5.json")
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Errorf("SARIF with an interruption finding does not validate: %v", err)
			}
		}
	}
	suppressesOne(t, c, plan, check.Options{Interruptions: true},
		"- {rule: EAR-MR-01, resource: mongodbatlas_advanced_cluster.orders, reason: the apply is rerun at once, expires: 2030-01-01}\n")
}

// TestInterruptionsWithTeamRules: a team's rules judge requests, not
// states: they are not asked at the cuts, but their refusals shape the
// apply that is cut. A team rule that refuses the approval leaves the
// completed apply with the cluster uncovered (EAR-MR-01 on the planned
// state), so no cut exhibits anything the completed apply does not; the
// team's own finding is there as without --interruptions.
func TestInterruptionsWithTeamRules(t *testing.T) {
	t.Chdir("..")
	dir := t.TempDir()
	rule := `# METADATA
# title: Approvals go through the change board
# custom:
#   id: ACME-CAB-01
#   severity: error
package earsim.team.cab

deny contains {"msg": "private endpoint approvals go through the change board"} if {
	input.op == "ApproveConnection"
}
`
	if err := os.WriteFile(filepath.Join(dir, "cab.rego"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	team, err := policies.LoadTeam(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := checker(t)
	c.SetTeam(team)
	plan := "examples/clean/azure-provider-example-cluster-unordered.json"
	rep, err := c.Files(context.Background(), []string{plan}, check.Options{Interruptions: true})
	if err != nil {
		t.Fatal(err)
	}
	cut, rest := interrupted(rep.Files[0].Findings)
	if len(cut) != 0 {
		t.Errorf("the approval is refused, so the completed apply leaves the cluster uncovered too; got interruption findings %+v", cut)
	}
	var team01, planned bool
	for _, f := range rest {
		team01 = team01 || (f.Rule == "ACME-CAB-01" && f.Resource == "azapi_update_resource.approval")
		planned = planned || (f.Rule == "EAR-MR-01" && f.Kind == "planned state")
	}
	if !team01 || !planned {
		t.Errorf("want the team's refusal of the approval and EAR-MR-01 on the planned state, got %+v", rest)
	}
	// The example team policy on the same plan: nothing it refuses, so the
	// window is reported as without it, with its depends_on.
	rep, err = teamChecker(t).Files(context.Background(), []string{plan}, check.Options{Interruptions: true})
	if err != nil {
		t.Fatal(err)
	}
	if cut, _ := interrupted(rep.Files[0].Findings); len(cut) != 1 || cut[0].Rule != "EAR-MR-01" || !strings.Contains(cut[0].Remediation, "add depends_on") {
		t.Errorf("with the example team policy: want the EAR-MR-01 window and its depends_on, got %+v", cut)
	}
	// A team rule that the depends_on's order would break (no cluster
	// created once an endpoint is ACTIVE): the window stays, its depends_on
	// is not offered, since the team refuses the cluster in that order.
	late := filepath.Join(t.TempDir(), "late")
	if err := os.MkdirAll(late, 0o755); err != nil {
		t.Fatal(err)
	}
	rule = `package earsim.team.late

import data.earsim.lib

deny contains {"msg": "clusters are created before the endpoints are approved"} if {
	input.op == "CreateCluster"
	some e in lib.endpoints
	e.status == "ACTIVE"
}
`
	if err := os.WriteFile(filepath.Join(late, "late.rego"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	if team, err = policies.LoadTeam(late); err != nil {
		t.Fatal(err)
	}
	c = checker(t)
	c.SetTeam(team)
	rep, err = c.Files(context.Background(), []string{plan}, check.Options{Interruptions: true})
	if err != nil {
		t.Fatal(err)
	}
	if cut, _ := interrupted(rep.Files[0].Findings); len(cut) != 1 || cut[0].Rule != "EAR-MR-01" || strings.Contains(cut[0].Remediation, "add depends_on") {
		t.Errorf("with a team rule the other order breaks: want the EAR-MR-01 window without a depends_on, got %+v", cut)
	}
}
