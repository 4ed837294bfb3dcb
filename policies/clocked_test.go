package policies

import (
	"context"
	"maps"
	"testing"

	"github.com/earsim/earsim/explore"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// clockProbe answers with the Engine and checks sim.Report.Clocked's
// contract on every state report: one that is not Clocked is the same at
// later times (until the next timer and well past every deadline a rule
// reads), and one that is Clocked is counted.
type clockProbe struct {
	e                       *Engine
	checked, clocked, wrong int
	changedLater            int // Clocked reports that did change later
}

func (c *clockProbe) Admit(in sim.Input) (sim.Decision, error) { return c.e.Admit(in) }

func (c *clockProbe) Inspect(in sim.Input) (sim.Report, error) {
	r, err := c.e.Inspect(in)
	if err != nil {
		return r, err
	}
	now, _ := in["now"].(int64)
	changed := false
	for _, d := range []int64{1, 59, 60, 61, 179, 180, 181, 300, 3600} {
		later := maps.Clone(in)
		later["now"] = now + d
		r2, err := c.e.Inspect(later)
		if err != nil {
			return r, err
		}
		if !sameJSON(r, r2) || r.Clocked != r2.Clocked {
			changed = true
		}
	}
	c.checked++
	switch {
	case r.Clocked:
		c.clocked++
		if changed {
			c.changedLater++
		}
	case changed:
		c.wrong++
	}
	return r, err
}

// A state report that is not Clocked does not change with time alone:
// checked on every report of the bundled scenarios and of a search, so a
// rule that reads the clock without naming its records in clocked fails it.
func TestReportsNotClockedStayTheSameLater(t *testing.T) {
	p := &clockProbe{e: MustDefault()}
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if _, err := scenarios.Run(s, p, nil); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
	if _, err := explore.BFS(context.Background(), explore.Options{Depth: 4, Checker: p, KeepGoing: true, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d reports, %d clocked (%d of them changed later)", p.checked, p.clocked, p.changedLater)
	if p.wrong != 0 {
		t.Errorf("%d reports not marked Clocked changed with time alone", p.wrong)
	}
	if p.clocked == 0 || p.changedLater == 0 {
		t.Errorf("no Clocked report changed later (%d clocked): the probe checks nothing", p.clocked)
	}
}
