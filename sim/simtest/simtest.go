// Package simtest holds checkers for tests of the simulator's users.
package simtest

import (
	"errors"

	"github.com/earsim/earsim/sim"
)

// ReadingAllowAll allows everything like sim.AllowAll but does not say it
// reads no documents, so a Machine builds them for it as for the policies;
// asked without a document, it fails.
type ReadingAllowAll struct{}

func (ReadingAllowAll) Admit(in sim.Input) (sim.Decision, error) {
	if in == nil {
		return sim.Decision{}, errors.New("asked without a document")
	}
	return sim.Decision{}, nil
}

func (ReadingAllowAll) Inspect(in sim.Input) (sim.Report, error) {
	if in == nil {
		return sim.Report{}, errors.New("asked without a document")
	}
	return sim.Report{}, nil
}
