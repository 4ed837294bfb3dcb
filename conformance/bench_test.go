package conformance_test

import (
	"io"
	"testing"

	"github.com/earsim/earsim/conformance"
	"github.com/earsim/earsim/policies"
)

// BenchmarkSuite measures the whole suite's wall time against the simulator
// and against the embedded mock over HTTP; "within 3 minutes" waits advance
// the logical clock and cost no real time.
func BenchmarkSuite(b *testing.B) {
	engine := policies.MustDefault()
	b.Run("simulator", func(b *testing.B) {
		for b.Loop() {
			if !conformance.Run(conformance.Options{Driver: &conformance.SimDriver{Seed: 1, Checker: engine}, Output: io.Discard}) {
				b.Fatal("the suite failed")
			}
		}
	})
	b.Run("mock-over-http", func(b *testing.B) {
		d := embedded(b)
		for b.Loop() {
			if !conformance.Run(conformance.Options{Driver: d, Output: io.Discard}) {
				b.Fatal("the suite failed")
			}
		}
	})
}
