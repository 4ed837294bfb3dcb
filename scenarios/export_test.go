package scenarios

import "github.com/earsim/earsim/sim"

// StepPrepared applies the next step as a server does, through
// sim.Machine.Prepare and Commit, in place of Step.
func (r *Replay) StepPrepared() (sim.Result, []string) {
	st := &r.s.Steps[r.next]
	m := r.Machine
	res := m.Commit(m.Prepare(r.Command()))
	r.next++
	bind(st, res, r.binds)
	return res, check(st, res, r.binds)
}
