// Package policiestest checks the policies' fast paths against the plain
// Engine from other packages' tests: the examples through earsim check,
// the features through the conformance suite (docs/MODEL.md M24, M30).
package policiestest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// Comparing is a sim.Checker that answers as Fast does and compares every
// answer with the Engine's, evaluating every rule (Engine.Decide,
// Engine.Inspect).
type Comparing struct {
	Fast   sim.Checker
	Engine *policies.Engine

	asked, wrong atomic.Int64
	mu           sync.Mutex
	first        string
}

var _ sim.Checker = (*Comparing)(nil)

// New compares the answers of policies.Service, its rule memo ready, with
// e's: both levels of the checker earsim serve and earsim check ask.
func New(e *policies.Engine) (*Comparing, error) {
	s := policies.NewService(e)
	if err := s.Wait(); err != nil {
		return nil, err
	}
	return &Comparing{Fast: s, Engine: e}, nil
}

// Admit answers as Fast does.
func (c *Comparing) Admit(in sim.Input) (sim.Decision, error) {
	got, err := c.Fast.Admit(in)
	want, werr := c.Engine.Decide(in)
	c.note("admission", in, got, want, err, werr)
	return got, err
}

// Inspect answers as Fast does.
func (c *Comparing) Inspect(in sim.Input) (sim.Report, error) {
	got, err := c.Fast.Inspect(in)
	want, werr := c.Engine.Inspect(in)
	c.note("state", in, got, want, err, werr)
	return got, err
}

func (c *Comparing) note(kind string, in sim.Input, got, want any, err, werr error) {
	c.asked.Add(1)
	if err == nil && werr == nil && sameJSON(got, want) {
		return
	}
	if c.wrong.Add(1) == 1 {
		c.mu.Lock()
		c.first = fmt.Sprintf("%s %v: fast %+v (%v), engine %+v (%v)", kind, in["op"], got, err, want, werr)
		c.mu.Unlock()
	}
}

// Result returns how many answers were compared, how many differed, and
// the first difference.
func (c *Comparing) Result() (asked, wrong int64, first string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.asked.Load(), c.wrong.Load(), c.first
}

// sameJSON compares two answers as their JSON encodings (maps by sorted
// key; both come through the same decoders, so empty lists alike).
func sameJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
