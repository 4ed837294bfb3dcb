package explore_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/earsim/earsim/explore"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

func TestBuiltInWorldHasNoViolation(t *testing.T) {
	res, err := explore.BFS(context.Background(), explore.Options{Depth: 4, Checker: policies.MustDefault()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation != nil {
		t.Fatalf("violation %s: %s\n%s", res.Violation.Property, res.Violation.Msg, strings.Join(res.Violation.Steps, "\n"))
	}
	if res.Stats.States < 100 || res.Stats.Depth != 4 {
		t.Fatalf("searched %+v", res.Stats)
	}
	// The search saw the lifecycle of RULES.md section 2.
	mermaid := res.Graph.Mermaid()
	for _, edge := range []string{"[*] --> INITIATING: CreatePrivateEndpoint", "INITIATING --> PENDING_ACCEPTANCE: EndpointProvisioned", "PENDING_ACCEPTANCE --> DELETING: DeletePrivateEndpoint"} {
		if !strings.Contains(mermaid, edge) {
			t.Errorf("the diagram lacks %q:\n%s", edge, mermaid)
		}
	}
}

// A planted broken rule is found, and the counterexample replays to the same
// violation under the same broken rule (and passes under the real ones).
func TestPlantedFaultIsFoundAndReplays(t *testing.T) {
	broken := sim.Breaking(policies.MustDefault(), map[string]bool{"EAR-IMM-01": true}, nil)
	opt := explore.Options{Depth: 6, Checker: broken}
	res, err := explore.BFS(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	if v == nil || v.Property != "vault-frozen-with-endpoints" {
		t.Fatalf("got %+v after %+v", v, res.Stats)
	}
	text, err := explore.Scenario(opt, v)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Parse("counterexample.yaml", []byte(text))
	if err != nil {
		t.Fatalf("the counterexample does not parse: %v\n%s", err, text)
	}
	tr, err := scenarios.Run(s, broken, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Passed || len(tr.Failures) != 1 || !strings.Contains(tr.Failures[0], "want status 400") {
		t.Fatalf("replay under the broken rule: %v\n%s", tr.Failures, text)
	}
	if tr, _ := scenarios.Run(s, policies.MustDefault(), nil); !tr.Passed {
		t.Fatalf("replay under the real rules fails: %v", tr.Failures)
	}
}

// Random walks find the planted fault too, and shrink the walk to a path no
// longer than the breadth-first one.
func TestWalksFindAndShrink(t *testing.T) {
	broken := sim.Breaking(policies.MustDefault(), map[string]bool{"EAR-IMM-01": true}, nil)
	res, err := explore.Walk(context.Background(), explore.Options{Checker: broken}, 200, 30, 7)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	if v == nil || v.Property != "vault-frozen-with-endpoints" {
		t.Fatalf("walks found %+v", v)
	}
	if len(v.Path) > 4 {
		t.Fatalf("shrunk to %d steps: %v", len(v.Path), v.Steps)
	}
}

// sharedMemo is one rule memo for the two diagram tests, as `earsim explore`
// uses one (the memo's answers are the Engine's: TestRuleMemoAgreesWithEngine
// and TestSearchIndependentOfMemoAndWorkers): the console's lifecycle search
// repeats the README's depth-6 search of the built-in world and finds its
// answers remembered.
var sharedMemo = sync.OnceValues(func() (*policies.RuleMemo, error) {
	return policies.NewRuleMemo(policies.MustDefault())
})

func memo(t *testing.T) sim.Checker {
	t.Helper()
	m, err := sharedMemo()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The README's lifecycle diagram is the tool's current output (the
// command's own checker, the rule memo).
func TestReadmeDiagramIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "<!-- explore:lifecycle -->\n```mermaid\n")
	if !ok {
		t.Fatal("README.md has no explore:lifecycle block")
	}
	block, _, _ = strings.Cut(block, "```\n<!-- /explore:lifecycle -->")
	res, err := explore.BFS(context.Background(), explore.Options{Depth: 6, Checker: memo(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Graph.Lifecycle(); got != block {
		t.Fatalf("README.md's diagram is stale; regenerate it with earsim explore --depth 6 --format mermaid:\n%s", cmp.Diff(block, got))
	}
}

// withoutForecast drops one rule's forecasts on cluster requests: a rule
// that forgets to warn there.
type withoutForecast struct {
	sim.Checker
	rule string
}

func (w withoutForecast) Admit(in sim.Input) (sim.Decision, error) {
	d, err := w.Checker.Admit(in)
	var keep []sim.Forecast
	cluster := in["op"] == string(sim.UpdateCluster) || in["op"] == string(sim.CreateCluster)
	for _, f := range d.Warn {
		if !cluster || f.Rule != w.rule {
			keep = append(keep, f)
		}
	}
	d.Warn = keep
	return d, err
}

// TestAllOpsCatchesAnUnforecastHazard: with the cluster and key operations,
// the search reaches "disable the key, take the cluster off CMK, put it back
// on", where data becomes inaccessible. EAR-KEY-02 forecasts that; without
// the forecast the explorer reports hazard-flagged-first.
func TestAllOpsCatchesAnUnforecastHazard(t *testing.T) {
	world := []byte("name: one CMK cluster\nworld:\n  projects:\n    - encryption: {preset: example}\n      clusters:\n        - {name: c, encryptionAtRestProvider: AZURE, regions: [US_CENTRAL]}\n")
	s, err := scenarios.ParseState("world.yaml", world)
	if err != nil {
		t.Fatal(err)
	}
	engine := policies.MustDefault()
	opt := explore.Options{Depth: 3, Checker: engine, World: s, Text: world, AllOps: true}
	res, err := explore.BFS(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation != nil {
		t.Fatalf("with the real rules: %s: %s\n%s", res.Violation.Property, res.Violation.Msg, strings.Join(res.Violation.Steps, "\n"))
	}
	opt.Checker = withoutForecast{engine, "EAR-KEY-02"}
	res, err = explore.BFS(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	if v == nil || v.Property != "hazard-flagged-first" {
		t.Fatalf("without the EAR-KEY-02 forecast: got %+v after %+v", v, res.Stats)
	}
	steps := strings.Join(v.Steps, "\n")
	for _, want := range []string{"DisableKey", "encryptionAtRestProvider: AZURE"} {
		if !strings.Contains(steps, want) {
			t.Errorf("counterexample lacks %s:\n%s", want, steps)
		}
	}
}

// The console's lifecycle diagram (atlasapi/console/lifecycle.json) is the
// explorer's current finding, every status included (issue 14).
// EARSIM_UPDATE=1 rewrites it (go generate ./atlasapi does).
func TestConsoleLifecycleIsCurrent(t *testing.T) {
	edges, err := explore.Lifecycle(context.Background(), memo(t))
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]bool{}
	for _, e := range edges {
		statuses[e.From], statuses[e.To] = true, true
	}
	for _, s := range []string{sim.StatusInitiating, sim.StatusPendingAcceptance, sim.StatusActive, sim.StatusFailed, sim.StatusDeleting, "PENDING_RECREATION", "(none)"} {
		if !statuses[s] {
			t.Errorf("the lifecycle has no %s: %v", s, edges)
		}
	}
	got := explore.LifecycleJSON(edges)
	const file = "../atlasapi/console/lifecycle.json"
	if os.Getenv("EARSIM_UPDATE") == "1" {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(got) {
		t.Fatalf("%s is stale; regenerate it with go generate ./atlasapi:\n%s", file, cmp.Diff(string(want), string(got)))
	}
}
