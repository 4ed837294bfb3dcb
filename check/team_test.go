package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/policies"
	"github.com/google/go-cmp/cmp"
)

const teamDir = "examples/team-policy/policy" // from the repository root

// teamChecker is a Checker with the example team policy; the tests run from
// the repository root.
func teamChecker(t testing.TB) *check.Checker {
	t.Helper()
	team, err := policies.LoadTeam(teamDir)
	if err != nil {
		t.Fatal(err)
	}
	c := checker(t)
	c.SetTeam(team)
	return c
}

func teamPlans(t *testing.T) []string {
	t.Helper()
	t.Chdir("..")
	plans, _ := filepath.Glob("examples/team-policy/plans/*.json")
	if len(plans) < 3 {
		t.Fatalf("found %d team example plans, want 3", len(plans))
	}
	return plans
}

// TestTeamExamplesMatchGoldens: each team example plan breaks its rule, and
// only with the team's rules: it reports exactly its golden findings
// (examples/team-policy/expected/, -update rewrites them) with --policy and
// no error or warning without.
func TestTeamExamplesMatchGoldens(t *testing.T) {
	plans := teamPlans(t)
	c, plain := teamChecker(t), checker(t)
	rules := map[string]bool{}
	for _, path := range plans {
		rep, err := c.Files(context.Background(), []string{path}, check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Files[0].Findings
		golden := filepath.Join("examples/team-policy/expected", filepath.Base(path))
		if *update {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetIndent("", "  ")
			if err := enc.Encode(got); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%s: no golden (go test ./check -update writes it): %v", path, err)
		}
		var want []check.Finding
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: findings differ from %s (-want +got):\n%s", path, golden, d)
		}
		for _, f := range got {
			if strings.HasPrefix(f.Rule, "ACME-") && f.Level == check.LevelError && f.Target["step"] != "" && f.ErrorCode != "" && f.Remediation != "" {
				rules[f.Rule] = true
			}
		}
		rep, err = plain.Files(context.Background(), []string{path}, check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Fails(check.LevelWarning) {
			t.Errorf("%s without the team's rules: %+v", path, rep.Files[0].Findings)
		}
	}
	for _, id := range []string{"ACME-PROD-01", "ACME-REGION-01", "ACME-KEY-01"} {
		if !rules[id] {
			t.Errorf("no team example plan is refused by %s at a step, with its errorCode and remediation", id)
		}
	}
}

// The team's rules add nothing to the clean examples (their regions and
// subscriptions are the team's), and leave every built-in finding of the
// violating ones as it was (a team deny beside a built-in refusal of the
// same step is reported too: pe-01's region "eastus" is not the team's).
func TestTeamRulesChangeNothingElse(t *testing.T) {
	t.Chdir("..")
	paths, _ := filepath.Glob("examples/*.json")
	clean, _ := filepath.Glob("examples/clean/*.json")
	paths = append(paths, clean...)
	with, err := teamChecker(t).Files(context.Background(), paths, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	without, err := checker(t).Files(context.Background(), paths, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range with.Files {
		f := &with.Files[i]
		kept := []check.Finding{}
		for _, x := range f.Findings {
			if !strings.HasPrefix(x.Rule, "ACME-") {
				kept = append(kept, x)
			} else if strings.Contains(f.File, "clean") {
				t.Errorf("%s: clean example broken by the team's rules: %+v", f.File, x)
			}
		}
		f.Findings = kept
	}
	if d := cmp.Diff(without.Files, with.Files); d != "" {
		t.Errorf("the team's rules changed the built-in findings (-without +with):\n%s", d)
	}
}

// Team findings in every format: SARIF carries their METADATA as rule
// descriptors the results point at; JUnit fails on them; suppressions
// silence them like any rule's.
func TestTeamFindingsInEveryFormat(t *testing.T) {
	plans := teamPlans(t)
	c := teamChecker(t)
	rep, err := c.Files(context.Background(), plans, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sarif bytes.Buffer
	if err := rep.Write(&sarif, "sarif", check.LevelError); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID               string
						ShortDescription struct{ Text string }
						Help             struct{ Text string }
						Properties       map[string]any
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
			}
		}
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	seen := 0
	for _, res := range run.Results {
		if !strings.HasPrefix(res.RuleID, "ACME-") {
			continue
		}
		seen++
		r := run.Tool.Driver.Rules[res.RuleIndex]
		if r.ID != res.RuleID || res.Level != "error" || r.ShortDescription.Text == "" || r.Help.Text == "" || r.Properties["errorCode"] == nil {
			t.Errorf("result %s points at rule %+v", res.RuleID, r)
		}
	}
	if seen != 3 {
		t.Errorf("%d team results in SARIF, want 3", seen)
	}
	var junit, text bytes.Buffer
	if err := rep.Write(&junit, "junit", check.LevelError); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(junit.String(), `<testcase name="ACME-REGION-01 mongodbatlas_encryption_at_rest_private_endpoint.brazil_south"`) || !strings.Contains(junit.String(), `failures="3"`) {
		t.Errorf("junit:\n%s", junit.String())
	}
	if err := rep.Write(&text, "text", check.LevelError); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "ACME-KEY-01") || strings.Contains(text.String()+junit.String()+sarif.String(), secret) {
		t.Errorf("text:\n%s", text.String())
	}

	suppressesOne(t, c, "examples/team-policy/plans/region-not-allowed.json", check.Options{},
		"- rule: ACME-REGION-01\n  resource: mongodbatlas_encryption_at_rest_private_endpoint.brazil_south\n  reason: pilot in Brazil, CHG-7\n  expires: 2099-01-01\n")
}

// An Atlas request input is judged by the team's rules too (no step, no plan).
func TestTeamJudgesARequest(t *testing.T) {
	t.Chdir("..")
	path := filepath.Join(t.TempDir(), "endpoint.json")
	req := `{"op": "CreatePrivateEndpoint", "project": {"id": "66c9e8f1dd6c9960802420e9", "name": "p", "state": "ACTIVE",
  "encryption": {"enabled": true, "requirePrivateNetworking": true}, "endpoints": [], "clusters": []},
  "request": {"cloudProvider": "AZURE", "regionName": "JAPAN_EAST"}}`
	if err := os.WriteFile(path, []byte(req), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := teamChecker(t).Files(context.Background(), []string{path}, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs := rep.Files[0].Findings
	if len(fs) != 1 || fs[0].Rule != "ACME-REGION-01" || fs[0].Resource != "$.request" || fs[0].Line != 3 || fs[0].ErrorCode != "ACME_REGION_NOT_ALLOWED" {
		t.Errorf("findings: %+v", fs)
	}
}

// The team's rules are evaluated apart from whatever the built-in rules go
// through: the same findings with the simulated applies asking the Engine
// (every rule evaluated) as through policies.Service with its rule memo ready.
func TestTeamFindingsThroughTheServiceMemo(t *testing.T) {
	plans := teamPlans(t)
	e, _ := policies.Default()
	if err := policies.NewService(e).Wait(); err != nil {
		t.Fatal(err)
	}
	memo, err := teamChecker(t).Files(context.Background(), plans, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := teamChecker(t)
	check.SetSimChecker(c, e)
	plain, err := c.Files(context.Background(), plans, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(plain, memo, cmp.AllowUnexported(check.Report{})); d != "" {
		t.Errorf("(-engine +service):\n%s", d)
	}
}

// A team rule that reads parts of input.plan (terraform_version, variables,
// errored) gets them as the plan was read, not read again: the same
// findings as a team that reads the whole plan (which reads it again).
func TestTeamPlanPartsAsKept(t *testing.T) {
	rule := `# METADATA
# title: Plan facts
# custom:
#   id: T-PLAN-01
package earsim.team.facts

warn contains sprintf("step %d of %d: terraform %s, url %v, errored %v, %v", [input.step.n, input.step.of, input.plan.terraform_version, url, errored, versions])

url := v if v := input.plan.variables.atlas_base_url.value
else := "none"

errored := v if v := input.plan.errored
else := "unset"

versions := [x.schema_version | some x in input.plan.planned_values.root_module.resources]
`
	whole := "package earsim.team.whole\n\nwarn contains \"never\" if count(input.plan) < 0\n"
	parts, both := t.TempDir(), t.TempDir()
	for dir, files := range map[string][]string{parts: {rule}, both: {rule, whole}} {
		for i, text := range files {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%d.rego", i)), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Chdir("..")
	plans, _ := filepath.Glob("examples/*.json")
	clean, _ := filepath.Glob("examples/clean/*.json")
	plans = append(plans, clean...)
	var reps [2]*check.Report
	for i, dir := range []string{parts, both} {
		team, err := policies.LoadTeam(dir)
		if err != nil {
			t.Fatal(err)
		}
		if keys := team.PlanKeys(); (i == 0) != (len(keys) == 4) {
			t.Fatalf("%s: plan keys %v", dir, keys)
		}
		c := checker(t)
		c.SetTeam(team)
		if reps[i], err = c.Files(context.Background(), plans, check.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	n, withVars := 0, 0
	for _, f := range reps[0].Files {
		for _, x := range f.Findings {
			if x.Rule == "T-PLAN-01" {
				n++
				if !strings.Contains(x.Message, "url none") && strings.Contains(x.Message, "errored false") {
					withVars++
				}
			}
		}
	}
	if n < len(plans) || withVars == 0 {
		t.Fatalf("%d plan findings in %d plans, %d with variables and errored", n, len(plans), withVars)
	}
	if d := cmp.Diff(reps[1].Files, reps[0].Files); d != "" {
		t.Errorf("(-whole plan read again +parts kept):\n%s", d)
	}
}
