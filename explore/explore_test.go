package explore_test

import (
	"os"

	"context"
	"github.com/google/go-cmp/cmp"
	"strings"
	"testing"

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

// The README's lifecycle diagram is the tool's current output.
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
	res, err := explore.BFS(context.Background(), explore.Options{Depth: 6, Checker: policies.MustDefault()})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Graph.Lifecycle(); got != block {
		t.Fatalf("README.md's diagram is stale; regenerate it with earsim explore --depth 6 --format mermaid:\n%s", cmp.Diff(block, got))
	}
}
