package explore_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/earsim/earsim/explore"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// BenchmarkBFS measures distinct states per second on the built-in world to
// depth 5, with the Rego policies in the loop and, in the same run, with the
// allow-all hook; and the heap each stored state costs (frontier included).
func BenchmarkBFS(b *testing.B) {
	for _, hook := range []struct {
		name    string
		checker sim.Checker
	}{{"rego", policies.MustDefault()}, {"allow-all", sim.AllowAll{}}} {
		b.Run(hook.name, func(b *testing.B) {
			var states int
			var bytes uint64
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				res, err := explore.BFS(context.Background(), explore.Options{Depth: 5, Checker: hook.checker, KeepGoing: true})
				if err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&after)
				states += res.Stats.States
				b.ReportMetric(float64(res.Stats.States), "states")
				bytes += after.TotalAlloc - before.TotalAlloc
			}
			b.ReportMetric(float64(states)/b.Elapsed().Seconds(), "states/s")
			b.ReportMetric(float64(bytes)/float64(states), "alloc-bytes/state")
		})
	}
}
