package scenarios_test

import (
	"testing"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// BenchmarkScenarioSteps runs the whole bundled scenario set and reports
// simulator steps per second, with the Rego policies in the loop and, in the
// same run, with the allow-all hook.
func BenchmarkScenarioSteps(b *testing.B) {
	all, err := scenarios.Bundled()
	if err != nil {
		b.Fatal(err)
	}
	steps := 0
	for _, s := range all {
		steps += len(s.Steps)
	}
	for _, hook := range []struct {
		name    string
		checker sim.Checker
	}{{"rego", policies.MustDefault()}, {"allow-all", sim.AllowAll{}}} {
		b.Run(hook.name, func(b *testing.B) {
			for b.Loop() {
				for _, s := range all {
					if _, err := scenarios.Run(s, hook.checker, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(steps*b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
