package explore

import (
	"testing"

	"github.com/earsim/earsim/sim"
)

// A stored state rebuilt from its path is the world the search found: the
// same canonical hash whether the rebuilder starts from the initial world
// or from the ancestors it kept for the node before, in frontier order and
// out of it.
func TestRebuiltStateIsTheOneFound(t *testing.T) {
	opt := Options{Checker: sim.AllowAll{}}
	m, err := start(&opt)
	if err != nil {
		t.Fatal(err)
	}
	c := sim.NewCanon()
	seen := map[[32]byte]struct{}{c.StateHash(m.State()): {}}
	shared := &rebuilder{root: m}
	frontier := []node{{deleted: map[string]bool{}}}
	checked := 0
	for depth := 1; depth <= 5; depth++ {
		var level []node
		var hashes [][32]byte
		for _, n := range frontier {
			x := expand(n, shared, false, c, seen)
			if x.err != nil {
				t.Fatal(x.err)
			}
			for _, ch := range x.children {
				if _, dup := seen[ch.h]; dup {
					continue
				}
				seen[ch.h] = struct{}{}
				level, hashes = append(level, ch.n), append(hashes, ch.h)
			}
		}
		// In order through the shared rebuilder, and backwards each from scratch.
		for i, n := range level {
			got, err := shared.machine(n.path)
			if err != nil {
				t.Fatal(err)
			}
			if c.StateHash(got.State()) != hashes[i] {
				t.Fatalf("depth %d node %d: rebuilt (shared ancestors) differs from the state found", depth, i)
			}
		}
		for i := len(level) - 1; i >= 0; i-- {
			got, err := (&rebuilder{root: m}).machine(level[i].path)
			if err != nil {
				t.Fatal(err)
			}
			if c.StateHash(got.State()) != hashes[i] {
				t.Fatalf("depth %d node %d: rebuilt from the start differs from the state found", depth, i)
			}
			if level[i].path.depth != depth {
				t.Fatalf("depth %d node %d: trail depth %d", depth, i, level[i].path.depth)
			}
			checked++
		}
		frontier = level
	}
	if checked < 100 {
		t.Fatalf("only %d states checked", checked)
	}
}
