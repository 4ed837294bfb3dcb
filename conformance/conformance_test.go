package conformance_test

import (
	"io"

	"github.com/earsim/earsim/sim"
	"testing"

	"github.com/earsim/earsim/conformance"
	"github.com/earsim/earsim/policies"
)

// The whole suite against the simulator, in strict mode: undefined, pending
// or ambiguous steps fail.
func TestFeaturesOnTheSimulator(t *testing.T) {
	ok := conformance.Run(conformance.Options{
		Driver:   &conformance.SimDriver{Seed: 1, Checker: policies.MustDefault()},
		TestingT: t,
	})
	if !ok {
		t.Fatal("the simulator fails its own features")
	}
}

// The suite notices an implementation without the rules: the simulator with
// the allow-all hook (mechanics only) fails it.
func TestFeaturesCatchAnImplementationWithoutRules(t *testing.T) {
	ok := conformance.Run(conformance.Options{
		Driver: &conformance.SimDriver{Seed: 1, Checker: sim.AllowAll{}},
		Output: io.Discard,
	})
	if ok {
		t.Fatal("the features pass on a simulator that enforces no rule")
	}
}
