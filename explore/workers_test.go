package explore_test

import (
	"context"
	"testing"

	"github.com/earsim/earsim/explore"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
	"github.com/earsim/earsim/sim/simtest"
)

// A search gives the same result with the rule memo or the Engine itself,
// and with one worker or several.
func TestSearchIndependentOfMemoAndWorkers(t *testing.T) {
	memo, err := policies.NewRuleMemo(policies.MustDefault())
	if err != nil {
		t.Fatal(err)
	}
	run := func(opt explore.Options) explore.Result {
		opt.Depth, opt.KeepGoing = 4, true
		res, err := explore.BFS(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	engine := policies.MustDefault()
	want := run(explore.Options{Checker: engine, Workers: 1})
	for _, opt := range []explore.Options{{Checker: memo, Workers: 1}, {Checker: memo, Workers: 3}, {Checker: engine, Workers: 2}} {
		got := run(opt)
		if got.Stats.States != want.Stats.States || got.Stats.Transitions != want.Stats.Transitions || got.Graph.Mermaid() != want.Graph.Mermaid() {
			t.Errorf("%T, %d workers: %d states %d transitions, want %d %d", opt.Checker, opt.Workers, got.Stats.States, got.Stats.Transitions, want.Stats.States, want.Stats.Transitions)
		}
	}
}

// An allow-all search finds the same states and transitions whether the
// Machines skip the policy documents (sim.AllowAll is sim.DocumentFree) or
// build them.
func TestAllowAllSearchWithoutDocuments(t *testing.T) {
	run := func(c sim.Checker) explore.Result {
		res, err := explore.BFS(context.Background(), explore.Options{Depth: 5, KeepGoing: true, Checker: c})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	without, with := run(sim.AllowAll{}), run(simtest.ReadingAllowAll{})
	if without.Stats.States != with.Stats.States || without.Stats.Transitions != with.Stats.Transitions || without.Graph.Mermaid() != with.Graph.Mermaid() {
		t.Errorf("without documents %d states %d transitions, with them %d %d", without.Stats.States, without.Stats.Transitions, with.Stats.States, with.Stats.Transitions)
	}
}
