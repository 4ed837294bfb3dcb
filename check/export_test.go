package check

import "github.com/earsim/earsim/sim"

// SetSimChecker makes c simulate applies with s instead of policies.Service,
// for tests that compare the two.
func SetSimChecker(c *Checker, s sim.Checker) { c.sim = s }
