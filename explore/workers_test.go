package explore_test

import (
	"context"
	"testing"

	"github.com/earsim/earsim/explore"
	"github.com/earsim/earsim/policies"
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
