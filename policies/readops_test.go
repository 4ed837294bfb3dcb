package policies_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// fullAndFast asks both the full admission query and the Engine's own
// (a read op's subset query) and records where they differ.
type fullAndFast struct {
	e     *policies.Engine
	mu    sync.Mutex
	diffs []string
	reads map[string]int
}

func (c *fullAndFast) Admit(in sim.Input) (sim.Decision, error) {
	fast, err := c.e.Decide(in)
	if err != nil {
		return fast, err
	}
	full, err := c.e.DecideFull(in)
	if err != nil {
		return fast, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if op, _ := in["op"].(string); op != "" {
		if spec, ok := sim.Spec(sim.Op(op)); ok && spec.Read {
			c.reads[op]++
		}
	}
	if d := cmp.Diff(full, fast); d != "" {
		c.diffs = append(c.diffs, in["op"].(string)+": "+d)
	}
	return full, nil
}

func (c *fullAndFast) Inspect(in sim.Input) (sim.Report, error) { return c.e.Inspect(in) }

// TestReadQueriesAgree: a read op's decision over only the rule files that
// can answer it equals the decision over all of them, for every read every
// bundled scenario makes and the typical mix's (issue 15: nothing loosened).
func TestReadQueriesAgree(t *testing.T) {
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	c := &fullAndFast{e: policies.MustDefault(), reads: map[string]int{}}
	for _, f := range files {
		s, err := scenarios.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scenarios.Run(s, c, nil); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	for _, in := range decisionInputs(&testing.B{}) {
		c.Admit(in)
	}
	// Every read op on the typical state, as each role would send it.
	m, err := sim.NewMachine(typical(&testing.B{}), c)
	if err != nil {
		t.Fatal(err)
	}
	g := sim.DefaultProjectID
	for _, actor := range []*sim.Actor{
		{GroupRoles: map[string][]string{g: {"GROUP_OWNER"}}},
		{GroupRoles: map[string][]string{g: {"GROUP_READ_ONLY"}}},
		{Roles: []string{"ORG_MEMBER"}},
		nil,
	} {
		for _, spec := range sim.Ops {
			if spec.Read {
				m.Step(sim.Command{Op: spec.Op, GroupID: g, Actor: actor, ClusterName: "orders", EndpointID: "nope"})
			}
		}
	}
	for _, d := range c.diffs {
		t.Error(d)
	}
	for _, spec := range sim.Ops {
		if op := string(spec.Op); spec.Read && spec.Project && c.reads[op] == 0 { // ListOrganizations asks no rule
			t.Errorf("no scenario reads with %s: the agreement is not shown for it (%v)", op, c.reads)
		}
	}
}
