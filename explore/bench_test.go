package explore_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/earsim/earsim/explore"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// BenchmarkBFS measures distinct states per second on the built-in world to
// depth 7, searching on past any violation so every hook explores the whole
// bound: with the Rego policies in the loop as `earsim explore` asks them
// (rule by rule, remembered by what each rule reads: policies.RuleMemo, a
// fresh one per search, its set-up reported apart), with the Engine asked
// about every transition, and with the allow-all hook; and the bytes
// allocated per distinct state.
func BenchmarkBFS(b *testing.B) {
	engine := policies.MustDefault()
	for _, hook := range []struct {
		name  string
		fresh func() sim.Checker
	}{
		{"rego", nil},
		{"rego-engine", func() sim.Checker { return engine }},
		{"allow-all", func() sim.Checker { return sim.AllowAll{} }},
	} {
		b.Run(hook.name, func(b *testing.B) {
			var states, transitions int
			var bytes uint64
			var search, setup time.Duration
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				t0 := time.Now()
				var checker sim.Checker
				if hook.fresh != nil {
					checker = hook.fresh()
				} else {
					m, err := policies.NewRuleMemo(engine)
					if err != nil {
						b.Fatal(err)
					}
					m.LimitDocuments(1 << 10) // as earsim explore bounds it
					checker = m
				}
				setup += time.Since(t0)
				res, err := explore.BFS(context.Background(), explore.Options{Depth: 7, Checker: checker, KeepGoing: true})
				if err != nil {
					b.Fatal(err)
				}
				search += res.Stats.Elapsed
				runtime.ReadMemStats(&after)
				states += res.Stats.States
				transitions += res.Stats.Transitions
				b.ReportMetric(float64(res.Stats.States), "states")
				bytes += after.TotalAlloc - before.TotalAlloc
			}
			b.ReportMetric(float64(states)/search.Seconds(), "states/s")
			b.ReportMetric(float64(transitions)/search.Seconds(), "transitions/s")
			b.ReportMetric(float64(setup.Milliseconds())/float64(b.N), "setup-ms")
			b.ReportMetric(float64(bytes)/float64(states), "alloc-bytes/state")
		})
	}
}
