package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/examples"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/policies/policiestest"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden findings in examples/expected")

const secret = "s3cr3t-value-never-printed" // the secret every example plan carries

func checker(t testing.TB) *check.Checker {
	t.Helper()
	e, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	return check.New(e)
}

// inputs lists every example input, paths relative to the repository root
// (the tests run from there).
func inputs(t *testing.T) []string {
	t.Helper()
	t.Chdir("..")
	var out []string
	for _, p := range examples.Inputs() {
		out = append(out, filepath.Join("examples", p))
	}
	if len(out) < 20 {
		t.Fatalf("found %d examples, want at least 20", len(out))
	}
	return out
}

func golden(path string) string {
	return filepath.Join("examples", examples.Golden(strings.TrimPrefix(filepath.ToSlash(path), "examples/")))
}

// TestExamplesMatchGoldens: each example reports exactly its golden
// findings; clean examples no error or warning (notes describe effects),
// every other at least one.
func TestExamplesMatchGoldens(t *testing.T) {
	c := checker(t)
	for _, path := range inputs(t) {
		rep, err := c.Files(context.Background(), []string{path}, check.Options{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got := rep.Files[0].Findings
		clean := examples.Clean(path)
		if clean && rep.Fails(check.LevelWarning) {
			t.Errorf("%s: clean example has an error or warning: %+v", path, got)
		}
		if !clean && !rep.Fails(check.LevelWarning) {
			t.Errorf("%s: violating example has no error or warning", path)
		}
		if *update {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetIndent("", "  ")
			if err := enc.Encode(got); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden(path), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(golden(path))
		if err != nil {
			t.Fatalf("%s: no golden (go test ./check -update writes it): %v", path, err)
		}
		var want []check.Finding
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%s: %v", golden(path), err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: findings differ from %s (-want +got):\n%s", path, golden(path), d)
		}
	}
}

// The fast paths answer every example as the Engine does: each example (and
// the reference plans) checked with the simulated applies asking the
// policies as earsim serve does (policies.Service, its rule memo ready),
// every answer compared with the Engine evaluating every rule; and the
// reports are the goldens' (TestExamplesMatchGoldens).
func TestExamplesAgreeThroughTheServiceMemo(t *testing.T) {
	c := checker(t)
	e, _ := policies.Default()
	cmp, err := policiestest.New(e)
	if err != nil {
		t.Fatal(err)
	}
	check.SetSimChecker(c, cmp)
	paths := inputs(t)
	ref, _ := filepath.Glob("../shared/reference/terraform-plans/*.json")
	if len(ref) == 0 {
		t.Fatal("no reference plans in ../shared/reference/terraform-plans")
	}
	if _, err := c.Files(context.Background(), append(paths, ref...), check.Options{}); err != nil {
		t.Fatal(err)
	}
	asked, wrong, first := cmp.Result()
	if wrong != 0 {
		t.Errorf("%d of %d answers differ from the Engine's; the first: %s", wrong, asked, first)
	}
	if asked < 100 { // the examples ask about 150
		t.Errorf("only %d answers compared", asked)
	}
}

// TestExamplesCoverTheRulesAPlanShows: the violating plan examples exercise
// every rule a plan can make visible.
func TestExamplesCoverTheRulesAPlanShows(t *testing.T) {
	paths := inputs(t)
	rep, err := checker(t).Files(context.Background(), paths, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range rep.Files {
		for _, x := range f.Findings {
			seen[x.Rule] = true
		}
	}
	for _, id := range []string{
		"EAR-IMM-01", "EAR-PN-01", "EAR-DIS-01", "EAR-DIS-02", "EAR-TIER-01", "EAR-TIER-02", "EAR-TIER-03",
		"EAR-ORD-01", "EAR-ORD-02", "EAR-ORD-03", "EAR-PROJ-02", "EAR-MR-01", "EAR-MR-02", "EAR-MR-03",
		"EAR-CRED-01", "EAR-CRED-03", "EAR-ROT-01", "EAR-PE-01", "EAR-PE-06", "EAR-PE-07", "EAR-PROJ-03",
	} {
		if !seen[id] {
			t.Errorf("no example shows %s", id)
		}
	}
}

// v1 rewrites a plan into the provider 1.x shape: nested blocks as
// one-element lists.
func v1(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			e = v1(e)
			if m, ok := e.(map[string]any); ok && (k == "azure_key_vault_config" || k == "electable_specs") {
				e = []any{m}
			}
			out[k] = e
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = v1(e)
		}
		return out
	}
	return v
}

// TestProviderShapesAgree: every plan example judged in the provider 1.x
// shape gives the same findings as in the 2.x shape.
func TestProviderShapesAgree(t *testing.T) {
	c := checker(t)
	dir := t.TempDir()
	n := 0
	for _, path := range inputs(t) {
		if filepath.Ext(path) != ".json" || strings.Contains(path, "requests") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var plan any
		if err := json.Unmarshal(data, &plan); err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(v1(plan))
		conv := filepath.Join(dir, filepath.Base(path))
		if err := os.WriteFile(conv, out, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := c.Files(context.Background(), []string{path}, check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Files(context.Background(), []string{conv}, check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		key := func(r *check.Report) []string {
			var ks []string
			for _, x := range r.Files[0].Findings {
				ks = append(ks, x.Rule+" "+x.Resource+" "+x.Message)
			}
			slices.Sort(ks)
			return ks
		}
		if d := cmp.Diff(key(a), key(b)); d != "" {
			t.Errorf("%s: 1.x shape differs from 2.x (-2.x +1.x):\n%s", path, d)
		}
		n++
	}
	if n < 15 {
		t.Fatalf("compared %d plans", n)
	}
}

// TestSARIFValidates: the SARIF output of every example, a suppressed
// finding and an expired suppression included, validates against the SARIF
// 2.1.0 schema (testdata, from the schemastore copy of the OASIS schema).
// suppressions loads a suppressions file of the given YAML.
func suppressions(t *testing.T, yaml string) []check.Suppression {
	t.Helper()
	path := filepath.Join(t.TempDir(), "suppressions.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	sups, err := check.LoadSuppressions(path)
	if err != nil {
		t.Fatal(err)
	}
	return sups
}

// suppressesOne checks a plan with the suppressions in yaml (on 2026-01-01)
// added to opt: exactly one finding is suppressed and none fails.
func suppressesOne(t *testing.T, c *check.Checker, plan string, opt check.Options, yaml string) {
	t.Helper()
	opt.Suppressions, opt.Today = suppressions(t, yaml), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rep, err := c.Files(context.Background(), []string{plan}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Fails(check.LevelWarning) || rep.Summary.Suppressed != 1 {
		t.Errorf("%s: the suppressed finding still fails or is not counted: %+v", plan, rep.Summary)
	}
}

func TestSARIFValidates(t *testing.T) {
	paths := inputs(t)
	comp := jsonschema.NewCompiler()
	sch, err := comp.Compile("check/testdata/sarif-2.1.0-rtm.5.json")
	if err != nil {
		t.Fatal(err)
	}
	sups := suppressions(t, "- {rule: EAR-IMM-01, resource: '*', reason: approved, expires: 2030-01-01}\n- {rule: EAR-PN-01, resource: '*', reason: old, expires: 2020-01-01}\n")
	rep, err := checker(t).Files(context.Background(), paths, check.Options{Suppressions: sups, Today: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.Write(&b, "sarif", check.LevelError); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("SARIF output does not validate: %v", err)
	}
	out := b.String()
	for _, want := range []string{`"ruleId": "EAR-IMM-01"`, `"kind": "external"`, `"ruleId": "EARSIM-SUPPRESSION-EXPIRED"`, `"startLine": 105`, `"errorCode": "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE"`} {
		if !strings.Contains(out, want) {
			t.Errorf("SARIF lacks %s", want)
		}
	}
	// A broken document must fail the same validation (the test can fail).
	var bad map[string]any
	json.Unmarshal(b.Bytes(), &bad)
	bad["version"] = "2.0"
	raw, _ := json.Marshal(bad)
	doc, _ = jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if sch.Validate(doc) == nil {
		t.Error("a SARIF log with version 2.0 validated")
	}
}

// TestSecretNeverPrinted: no format writes the Azure secret of a plan.
func TestSecretNeverPrinted(t *testing.T) {
	paths := inputs(t)
	rep, err := checker(t).Files(context.Background(), paths, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range check.Formats {
		var b bytes.Buffer
		if err := rep.Write(&b, f, check.LevelError); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), secret) {
			t.Errorf("--format %s prints the secret", f)
		}
	}
}

// TestBadInputNamesTheFile covers the refusals that testscript does not.
func TestBadInputNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	c := checker(t)
	for name, body := range map[string]string{
		"array.json":     `[1, 2]`,
		"truncated.json": "{\n \"format_version\": \"1.2\",\n \"resource_changes\": [",
		"rc.json":        `{"format_version": "1.2", "resource_changes": {"a": 1}}`,
		"op.json":        `{"op": "Teleport", "project": {}}`,
		"noproj.json":    `{"op": "UpdateEncryptionConfig"}`,
		"bad.yaml":       "world:\n  projects:\n    - encryption: {enabled: maybe}\n",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		_, err := c.Files(context.Background(), []string{p}, check.Options{})
		var ie *check.InputError
		if !errors.As(err, &ie) || ie.File != p {
			t.Errorf("%s: got %v, want an InputError naming the file", name, err)
			continue
		}
		if name == "truncated.json" && ie.Line != 3 {
			t.Errorf("%s: line %d, want 3", name, ie.Line)
		}
	}
}

// TestPlanModulesAndOtherResources: prior-state resources inside child
// modules count (the endpoint that freezes the vault name lives in a
// module), data sources are skipped, and thousands of resources of other
// types are counted as ignored, not judged.
func TestPlanModulesAndOtherResources(t *testing.T) {
	t.Chdir("..")
	data, err := os.ReadFile("examples/imm-01-vault-rename.json")
	if err != nil {
		t.Fatal(err)
	}
	var plan map[string]any
	if err := json.Unmarshal(data, &plan); err != nil {
		t.Fatal(err)
	}
	root := plan["prior_state"].(map[string]any)["values"].(map[string]any)["root_module"].(map[string]any)
	var keep, moved []any
	for _, r := range root["resources"].([]any) {
		if r.(map[string]any)["type"] == "mongodbatlas_encryption_at_rest_private_endpoint" {
			moved = append(moved, r)
		} else {
			keep = append(keep, r)
		}
	}
	if len(moved) == 0 {
		t.Fatal("the example has no endpoint in its prior state")
	}
	root["resources"] = keep
	root["child_modules"] = []any{map[string]any{"address": "module.network", "resources": moved}}
	rcs := plan["resource_changes"].([]any)
	for i := range 5000 {
		rcs = append(rcs, map[string]any{"address": fmt.Sprintf("aws_s3_bucket.b%d", i), "mode": "managed", "type": "aws_s3_bucket",
			"change": map[string]any{"actions": []any{"create"}, "before": nil, "after": map[string]any{"bucket": "b"}}})
	}
	rcs = append(rcs, map[string]any{"address": "data.mongodbatlas_project.p", "mode": "data", "type": "mongodbatlas_project",
		"change": map[string]any{"actions": []any{"read"}}})
	plan["resource_changes"] = rcs
	out, _ := json.Marshal(plan)
	p := filepath.Join(t.TempDir(), "plan.json")
	os.WriteFile(p, out, 0o644)
	rep, err := checker(t).Files(context.Background(), []string{p}, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0]
	if f.Ignored != 5000 {
		t.Errorf("ignored %d resource changes, want 5000", f.Ignored)
	}
	if len(f.Findings) != 1 || f.Findings[0].Rule != "EAR-IMM-01" {
		t.Errorf("findings %+v, want one EAR-IMM-01 (the endpoint is in a child module)", f.Findings)
	}
}
