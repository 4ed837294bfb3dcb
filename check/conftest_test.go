package check_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/earsim/earsim/check"
	"github.com/google/go-cmp/cmp"
)

// TestConftestAgrees runs conftest (EARSIM_CONFTEST: its binary; `make
// ecosystem` builds the pinned version) with the policies unchanged on every
// example plan: its failures are earsim's error findings and its warnings
// the rest, rule for rule and resource for resource.
func TestConftestAgrees(t *testing.T) {
	bin := os.Getenv("EARSIM_CONFTEST")
	if bin == "" {
		t.Skip("EARSIM_CONFTEST is not set (make ecosystem sets it)")
	}
	paths := inputs(t)
	var plans []string
	for _, p := range paths {
		if filepath.Ext(p) == ".json" && filepath.Dir(p) != filepath.Join("examples", "requests") {
			plans = append(plans, p)
		}
	}
	rep, err := checker(t).Files(context.Background(), plans, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"test", "--policy", "policies", "--namespace", "earsim.terraform", "--output", "json", "--no-color"}, plans...)
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("conftest: %v\n%s", err, out)
		}
	}
	var results []struct {
		Filename string
		Failures []struct {
			Metadata map[string]any
		}
		Warnings []struct {
			Metadata map[string]any
		}
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("conftest output: %v\n%s", err, out)
	}
	got := map[string][]string{}
	for _, r := range results {
		// Atlas (and earsim check) answers a request with its first refusal
		// in rule order; the Rego lists every rule it breaks.
		first := map[string]map[string]any{}
		for _, f := range r.Failures {
			a := f.Metadata["address"].(string)
			if f.Metadata["kind"] != "refusal" {
				got[r.Filename] = append(got[r.Filename], "error "+f.Metadata["rule"].(string)+" "+a)
				continue
			}
			if b, ok := first[a]; !ok || f.Metadata["order"].(float64) < b["order"].(float64) {
				first[a] = f.Metadata
			}
		}
		for a, f := range first {
			got[r.Filename] = append(got[r.Filename], "error "+f["rule"].(string)+" "+a)
		}
		for _, f := range r.Warnings {
			got[r.Filename] = append(got[r.Filename], "other "+f.Metadata["rule"].(string)+" "+f.Metadata["address"].(string))
		}
	}
	want := map[string][]string{}
	for _, f := range rep.Files {
		for _, x := range f.Findings {
			if x.Kind == "apply order" { // needs the dependency graph: earsim check only
				continue
			}
			lvl := "other"
			if x.Level == check.LevelError {
				lvl = "error"
			}
			want[f.File] = append(want[f.File], lvl+" "+x.Rule+" "+x.Resource)
		}
	}
	for _, m := range []map[string][]string{got, want} {
		for k := range m {
			slices.Sort(m[k])
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("conftest and earsim check disagree (-earsim +conftest):\n%s", d)
	}
}
