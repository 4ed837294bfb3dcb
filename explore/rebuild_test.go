package explore

import (
	"reflect"
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
			x := expand(n, shared, c, seen)
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
			if int(level[i].path.depth) != depth {
				t.Fatalf("depth %d node %d: trail depth %d", depth, i, level[i].path.depth)
			}
			// The path as actions (a counterexample's steps) leads there too.
			acts, err := level[i].path.actions(m, false)
			if err != nil {
				t.Fatal(err)
			}
			at := m.Fork()
			for _, a := range acts {
				if r := at.Step(a.Cmd); r.Err != nil {
					t.Fatalf("depth %d node %d: step %s refused: %v", depth, i, a.Step, r.Err)
				}
			}
			if len(acts) != depth || c.StateHash(at.State()) != hashes[i] {
				t.Fatalf("depth %d node %d: its %d actions lead elsewhere", depth, i, len(acts))
			}
			checked++
		}
		frontier = level
	}
	if checked < 100 {
		t.Fatalf("only %d states checked", checked)
	}
}

// A child that shares its parent's Azure side hashes, through the parent's
// Azure digest, as it hashes on its own; over every operation (keys
// created, disabled, deleted, access revoked, networks unregistered: the
// Azure side copied and changed) and the clock.
func TestSharedAzureDigestHashesAsFresh(t *testing.T) {
	opt := Options{Checker: sim.AllowAll{}}
	m, err := start(&opt)
	if err != nil {
		t.Fatal(err)
	}
	c, fresh := sim.NewCanon(), sim.NewCanon()
	seen := map[[32]byte]bool{}
	frontier := []*sim.Machine{m}
	shared, changed := 0, 0
	for depth := 1; depth <= 3; depth++ {
		var next []*sim.Machine
		for _, at := range frontier {
			before := at.State()
			az := c.AzureDigest(&before.Azure)
			for _, a := range Actions(before, true) {
				f := at.Fork()
				if r := f.Step(a.Cmd); r.Err != nil {
					continue
				}
				after := f.State()
				want := fresh.StateHash(after)
				if sameAzure(&before.Azure, &after.Azure) {
					shared++
					if got := c.StateHashWith(after, az); got != want {
						t.Fatalf("%s: the child hashed through its parent's Azure digest differs from its own hash", a.Step)
					}
				} else {
					changed++
				}
				if !seen[want] {
					seen[want] = true
					next = append(next, f)
				}
			}
			if !reflect.DeepEqual(c.AzureDigest(&before.Azure), az) {
				t.Fatalf("a step of a fork changed its parent's Azure side")
			}
		}
		frontier = next
	}
	if shared < 100 || changed < 10 {
		t.Fatalf("%d children shared their parent's Azure side, %d did not: too few to judge", shared, changed)
	}
}
