package policies

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestRego runs every _test.rego through OPA's tester, under the same
// capabilities allow-list as the engine, and fails below 100% line coverage
// of the policies (the non-test files).
func TestRego(t *testing.T) {
	mods, err := Modules(true)
	if err != nil {
		t.Fatal(err)
	}
	cov := cover.New()
	compiler := ast.NewCompiler().WithCapabilities(Capabilities())
	runner := tester.NewRunner().
		SetCompiler(compiler).
		SetModules(mods).
		SetCoverageQueryTracer(cov).
		SetCoverageRuns([]cover.Kind{}).
		CapturePrintOutput(false)
	ch, err := runner.RunTests(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		if r.Error != nil {
			t.Errorf("%s.%s: %v", r.Package, r.Name, r.Error)
		} else if r.Fail {
			t.Errorf("%s.%s failed (%s)", r.Package, r.Name, r.Location)
		}
	}
	for file := range mods {
		if !IsTest(file) && strings.HasPrefix(file, "rules/") {
			if _, ok := mods[strings.TrimSuffix(file, ".rego")+"_test.rego"]; !ok {
				t.Errorf("%s has no _test.rego beside it", file)
			}
		}
	}
	if t.Failed() {
		return
	}
	report := cov.Report(mods)
	var gaps []string
	for _, file := range slices.Sorted(maps.Keys(report.Files)) {
		fr := report.Files[file]
		if IsTest(file) {
			continue
		}
		for _, r := range fr.NotCovered {
			gaps = append(gaps, fmt.Sprintf("%s:%d-%d", file, r.Start.Row, r.End.Row))
		}
	}
	// A policy file that no test evaluates at all is absent from the report.
	for _, file := range slices.Sorted(maps.Keys(mods)) {
		if _, ok := report.Files[file]; !ok && !IsTest(file) {
			gaps = append(gaps, file+": never evaluated")
		}
	}
	if len(gaps) > 0 {
		slices.Sort(gaps)
		gaps = slices.Compact(gaps)
		t.Errorf("policy lines not covered by a Rego test:\n  %s", strings.Join(gaps, "\n  "))
	}
	t.Logf("%d Rego tests passed", n)
}
