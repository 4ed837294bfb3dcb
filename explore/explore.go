// Package explore searches the simulator's state space for broken rules, as
// a model checker does: breadth first from an initial world over every
// operation and Azure event with bounded parameters and clock advances in the
// quanta of the timers, deduplicating states by a canonical hash, up to a
// depth. At each transition it checks the Rego state invariants and safety
// properties of the trace, and returns the shortest path to a violation, which
// Scenario turns into a file that `earsim run` replays.
package explore

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// Options configure a search.
type Options struct {
	Depth    int                 // BFS depth bound
	Checker  sim.Checker         // the policies (or a planted broken hook)
	World    *scenarios.Scenario // the initial world (its world section); nil: BuiltIn()
	Text     []byte              // the world's scenario file, for counterexamples; nil with the built-in world
	Seed     *uint64             // overrides the scenario's seed
	Progress func(Stats)         // called as the search goes: after each level, and within long levels
	// KeepGoing records the first violation and searches on to the bound
	// (for measuring a whole search, e.g. beside an allow-all hook).
	KeepGoing bool
	// AllOps widens the alphabet to every operation that changes state:
	// clusters, projects, keys, Microsoft.Network (see Actions).
	AllOps bool
	// Workers expand a level's states in parallel; 0: one per CPU. The
	// Checker is asked from several goroutines (sim.Checker allows it).
	Workers int
	// MaxHeap stops the search, with what it found so far, once the heap
	// the last collection found live passes three quarters of this many
	// bytes (0: no limit): the rest is the collector's headroom, so that a
	// process whose memory limit is MaxHeap (debug.SetMemoryLimit) stops
	// before it spends its time collecting. Checked after each chunk of a
	// level.
	MaxHeap uint64
}

func (o *Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Stats describe a search so far.
type Stats struct {
	States      int           `json:"states"`      // distinct states seen
	Transitions int           `json:"transitions"` // steps applied
	Depth       int           `json:"depth"`       // deepest level finished
	Elapsed     time.Duration `json:"elapsed"`
}

// Rate is distinct states per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.States) / s.Elapsed.Seconds()
}

// Violation is a broken invariant or safety property and the path to it.
type Violation struct {
	Property string   `json:"property"` // an invariant's rule ID or a safety property's name
	Msg      string   `json:"msg"`
	Path     []Action `json:"-"`
	Steps    []string `json:"path"` // the path as scenario steps
	// Expect is what the last step should have answered instead, for the
	// replayable scenario (empty for Rego invariants, which earsim run checks).
	Expect string `json:"-"`
}

// Result is the outcome of a search.
type Result struct {
	Stats     Stats      `json:"stats"`
	Violation *Violation `json:"violation,omitempty"`
	Graph     *Graph     `json:"-"`
	Stopped   bool       `json:"stopped,omitempty"` // interrupted before the bound
	// OutOfMemory: stopped before the bound because the heap reached
	// Options.MaxHeap; Stats hold what was explored.
	OutOfMemory bool `json:"outOfMemory,omitempty"`
}

// liveHeap is the heap the last collection found live, read without
// stopping the world (runtime/metrics, unlike ReadMemStats).
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// node is a state in the search frontier, stored compactly: the path that
// reached it, not its world. A worker rebuilds the world when it expands the
// node, by replaying the path's last steps from the nearest ancestor it
// still holds (rebuilder), so a stored state costs a trail link instead of
// a Machine (tens of KB with its reports and clones).
type node struct {
	path    *trail
	deleted map[string]bool // endpoint ids answered 204 on this path
}

// trail is a path from the initial world, last step first: children share
// their parent's, so a stored state costs one link, not its path. A step is
// named by its index among the actions of the world before it (Actions is
// a function of the world), so a link is 16 bytes, not an action.
type trail struct {
	prev  *trail
	i     int32 // the step: Actions(world before it)[i]
	depth int32 // steps from the initial world: 1 for its children
}

// actions returns the path in order, replayed from the initial world m0
// (each step's actions are those of the world before it).
func (t *trail) actions(m0 *sim.Machine, all bool) ([]Action, error) {
	var links []*trail
	for ; t != nil; t = t.prev {
		links = append(links, t)
	}
	slices.Reverse(links)
	b := &rebuilder{root: m0, all: all}
	out := make([]Action, 0, len(links))
	for _, l := range links {
		f, err := b.frame(l.prev)
		if err != nil {
			return nil, err
		}
		out = append(out, f.actions(all)[l.i])
	}
	return out, nil
}

// start builds the initial machine from the options' world.
func start(opt *Options) (*sim.Machine, error) {
	if opt.World == nil {
		opt.World, opt.Text = BuiltIn(), []byte(builtIn)
	}
	r, err := scenarios.Start(opt.World, opt.Checker, opt.Seed)
	if err != nil {
		return nil, err
	}
	return r.Machine, nil
}

// BFS searches breadth first up to opt.Depth. Each level's states are
// expanded by opt.Workers goroutines and their children merged in the
// order a single goroutine would have found them, so the result (states,
// the first violation, the diagram) does not depend on the worker count.
func BFS(ctx context.Context, opt Options) (Result, error) {
	m, err := start(&opt)
	if err != nil {
		return Result{}, err
	}
	m.Unlogged() // each step's effects are read from its Result
	began := time.Now()
	res := Result{Graph: newGraph()}
	seen := map[[32]byte]struct{}{sim.NewCanon().StateHash(m.State()): {}}
	frontier := []node{{deleted: map[string]bool{}}}
	res.Stats.States = 1
	workers := opt.workers()
	canons := make([]*sim.Canon, workers)
	builders := make([]*rebuilder, workers)
	for i := range canons {
		canons[i] = sim.NewCanon()
		builders[i] = &rebuilder{root: m.Fork(), all: opt.AllOps} // its own: a worker warms and forks it
	}
	chunk := 256 * workers
	for depth := 1; depth <= opt.Depth && len(frontier) > 0; depth++ {
		var level []node
		// The level is expanded a chunk at a time, so that only a chunk's
		// children wait for the merge and expanded states are released.
		for lo := 0; lo < len(frontier); lo += chunk {
			part := frontier[lo:min(lo+chunk, len(frontier))]
			// Expand: out[i] holds part[i]'s children, in action order.
			out := make([]expansion, len(part))
			// Workers take runs of neighbouring nodes: siblings and cousins,
			// whose ancestors a worker rebuilds once for the run.
			var next atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(c *sim.Canon, b *rebuilder) {
					defer wg.Done()
					for {
						lo := int(next.Add(run) - run)
						if lo >= len(part) || ctx.Err() != nil {
							return
						}
						for i := lo; i < min(lo+run, len(part)); i++ {
							out[i] = expand(part[i], b, c, seen)
							part[i] = node{}
						}
					}
				}(canons[w], builders[w])
			}
			wg.Wait()
			for _, x := range out {
				if x.err != nil {
					return res, x.err
				}
			}
			if ctx.Err() != nil {
				res.Stopped = true
				res.Stats.Elapsed = time.Since(began)
				return res, nil
			}
			// Merge, in frontier order.
			for _, x := range out {
				res.Stats.Transitions += x.tried
				res.Graph.merge(x.graph)
				for _, ch := range x.children {
					if ch.v != nil && res.Violation == nil {
						v := ch.v
						if v.Path, err = ch.n.path.actions(m, opt.AllOps); err != nil {
							return res, err
						}
						for _, p := range v.Path {
							v.Steps = append(v.Steps, p.Step)
						}
						res.Violation = v
						if !opt.KeepGoing {
							res.Stats.Elapsed = time.Since(began)
							return res, nil
						}
					}
					if _, dup := seen[ch.h]; dup {
						continue
					}
					seen[ch.h] = struct{}{}
					res.Stats.States++
					level = append(level, ch.n)
				}
			}
			res.Stats.Elapsed = time.Since(began)
			if opt.MaxHeap > 0 && liveHeap() > opt.MaxHeap/4*3 {
				res.OutOfMemory = true
				return res, nil
			}
			if opt.Progress != nil && lo+chunk < len(frontier) {
				opt.Progress(res.Stats)
			}
		}
		frontier = level
		res.Stats.Depth = depth
		res.Stats.Elapsed = time.Since(began)
		if opt.Progress != nil {
			opt.Progress(res.Stats)
		}
	}
	res.Stats.Elapsed = time.Since(began)
	return res, nil
}

// run is how many neighbouring frontier nodes a worker takes at a time.
const run = 16

// expansion is what one state's actions led to.
type expansion struct {
	children []child
	graph    *Graph
	tried    int
	err      error // the state could not be rebuilt
}

type child struct {
	n node
	h [32]byte
	v *Violation
}

// rebuilder rebuilds the worlds of frontier nodes for one worker: it keeps
// the Machine of each node on the path it last rebuilt, one per depth, and
// replays from the deepest of them that is an ancestor of the node asked
// for. Frontier nodes come in the order their parents were expanded, so
// neighbours share their ancestors and a level costs about one step per
// node and one per distinct ancestor. Replaying a path gives the Machine
// the search found, byte for byte: a Machine is deterministic, and the
// first path to a state is the one stored.
type rebuilder struct {
	root  *sim.Machine
	all   bool    // the alphabet: Actions(_, all)
	stack []frame // stack[d-1]: depth d of the last path rebuilt
	top   frame   // the initial world's
}

// frame is a rebuilt node: its Machine, and its actions once asked for.
type frame struct {
	t    *trail
	m    *sim.Machine
	acts []Action
}

// actions returns the actions of the frame's world.
func (f *frame) actions(all bool) []Action {
	if f.acts == nil {
		f.acts = Actions(f.m.State(), all)
	}
	return f.acts
}

// frame returns the rebuilt node at the end of t. Its Machine must not be
// modified (fork it): it is kept for the nodes that share its path.
func (b *rebuilder) frame(t *trail) (*frame, error) {
	if t == nil {
		if b.top.m == nil {
			b.top.m = b.root
		}
		return &b.top, nil
	}
	d := int(t.depth)
	if d <= len(b.stack) && b.stack[d-1].t == t {
		return &b.stack[d-1], nil
	}
	parent, err := b.frame(t.prev)
	if err != nil {
		return nil, err
	}
	acts := parent.actions(b.all)
	if int(t.i) >= len(acts) {
		return nil, fmt.Errorf("explore: rebuilding a stored state: step %d names action %d of %d (the simulator is not deterministic)", d, t.i, len(acts))
	}
	a := acts[t.i]
	parent.m.Warm()
	m := parent.m.Fork()
	if r := m.Step(a.Cmd); r.Err != nil {
		return nil, fmt.Errorf("explore: rebuilding a stored state: step %d (%s) answered %d %s where the search found it accepted (the simulator is not deterministic)", d, a.Step, r.Status, r.Err.Code)
	}
	// The parent's frame is not moved by this: it is stack[d-2] (or top).
	b.stack = append(b.stack[:d-1], frame{t: t, m: m})
	return &b.stack[d-1], nil
}

// machine returns the Machine at the end of t (see frame).
func (b *rebuilder) machine(t *trail) (*sim.Machine, error) {
	f, err := b.frame(t)
	if err != nil {
		return nil, err
	}
	return f.m, nil
}

// expand tries every action of b's alphabet from n. Children already seen at an earlier
// level are dropped here (seen is only read while workers run); duplicates
// within the level are dropped by the merge. A child that breaks something
// is kept whatever its hash, so the merge can report it.
func expand(n node, b *rebuilder, c *sim.Canon, seen map[[32]byte]struct{}) expansion {
	x := expansion{graph: newGraph()}
	f, err := b.frame(n.path)
	if err != nil {
		x.err = err
		return x
	}
	at := f.m
	dark := darkProjects(at) // once per state, not per action
	at.Warm()                // policy documents built once, shared by the forks
	before := at.State()
	depth := int32(1)
	if n.path != nil {
		depth = n.path.depth + 1
	}
	az := c.AzureDigest(&before.Azure) // shared by the children that leave it alone
	for i, a := range f.actions(b.all) {
		cmd := a.Cmd
		m := at.Fork()
		r := m.Step(cmd)
		x.tried++
		if r.Err != nil {
			continue // refused: the state is unchanged
		}
		after := m.State()
		x.graph.record(before, after, cmd, r)
		v := check(before, after, cmd, r, n.deleted, dark)
		var h [32]byte
		if sameAzure(&before.Azure, &after.Azure) {
			h = c.StateHashWith(after, az)
		} else {
			h = c.StateHash(after)
		}
		if _, dup := seen[h]; dup && v == nil {
			continue
		}
		deleted := n.deleted
		if cmd.Op == sim.DeletePrivateEndpoint && r.Status == 204 {
			deleted = copyAdd(deleted, cmd.EndpointID)
		}
		x.children = append(x.children, child{n: node{path: &trail{prev: n.path, i: int32(i), depth: depth}, deleted: deleted}, h: h, v: v})
	}
	return x
}

// sameAzure reports whether two worlds of one Machine's steps hold the same
// Azure side: the same lists, not copies. A step copies a list before it
// changes it (and never changes the world it started from), so the same
// lists hold the same values.
func sameAzure(a, b *sim.Azure) bool {
	return same(a.Apps, b.Apps) && same(a.Vaults, b.Vaults) && same(a.Keys, b.Keys) && same(a.Subscriptions, b.Subscriptions)
}

// same reports whether two slices are one: the same length and elements.
func same[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// darkProjects lists the projects whose current report shows their data
// inaccessible.
func darkProjects(m *sim.Machine) map[string]bool {
	var out map[string]bool
	for _, p := range m.State().Projects.All() {
		for _, c := range m.Report(p.ID).Conditions {
			if c.Effect == "DataInaccessible" {
				if out == nil {
					out = map[string]bool{}
				}
				out[p.ID] = true
			}
		}
	}
	return out
}

func copyAdd(m map[string]bool, k string) map[string]bool {
	out := make(map[string]bool, len(m)+1)
	for x := range m {
		out[x] = true
	}
	out[k] = true
	return out
}

// check returns the first broken invariant or safety property of a transition.
// dark names the projects whose data was already inaccessible before the
// step (a DataInaccessible condition the policies reported then).
func check(before, after *sim.State, cmd sim.Command, r sim.Result, deleted, dark map[string]bool) *Violation {
	if len(r.Violations) > 0 {
		v := r.Violations[0]
		return &Violation{Property: v.Rule, Msg: v.Msg}
	}
	// A 204 DELETE is never followed by ACTIVE for that endpoint id.
	for _, p := range after.Projects.All() {
		for _, e := range p.Endpoints {
			if deleted[e.ID] && e.Status == sim.StatusActive {
				return &Violation{Property: "deleted-stays-deleted", Msg: fmt.Sprintf("endpoint %s answered 204 to DELETE and is ACTIVE again", e.ID),
					Expect: "noEffects: [EndpointActivated]"}
			}
			if !validStatus[e.Status] {
				return &Violation{Property: "status-enum", Msg: fmt.Sprintf("endpoint %s has status %q", e.ID, e.Status)}
			}
		}
	}
	// The vault, subscription and resource group never change while an endpoint exists.
	for _, bp := range before.Projects.All() {
		ap := after.Project(bp.ID)
		if ap == nil || len(bp.Endpoints) == 0 {
			continue
		}
		b, a := bp.Encryption, ap.Encryption
		if b.KeyVaultName != a.KeyVaultName || b.SubscriptionID != a.SubscriptionID || b.ResourceGroupName != a.ResourceGroupName {
			return &Violation{Property: "vault-frozen-with-endpoints", Msg: fmt.Sprintf("%s changed the vault (%q to %q) while %d endpoints exist", cmd.Op, b.KeyVaultName, a.KeyVaultName, len(bp.Endpoints)),
				Expect: "status: 400"}
		}
	}
	// Data becomes inaccessible only through a hazard the policies flagged
	// beforehand: a forecast on the request, or a project already dark.
	for _, e := range r.Effects {
		if e.Kind != "DataInaccessible" || dark[e.GroupID] {
			continue
		}
		flagged := false
		for _, w := range r.Warnings {
			flagged = flagged || w.Effect == "DataInaccessible"
		}
		if !flagged {
			return &Violation{Property: "hazard-flagged-first", Msg: fmt.Sprintf("%s made data inaccessible without a forecast: %s", cmd.Op, e.Msg),
				Expect: "warnings: [DataInaccessible]"}
		}
	}
	// Every accepted request's effect is visible in the next state.
	if msg := visible(before, after, cmd, r); msg != "" {
		return &Violation{Property: "accepted-is-visible", Msg: msg, Expect: "status: 400"}
	}
	return nil
}

var validStatus = map[string]bool{
	sim.StatusInitiating: true, sim.StatusPendingAcceptance: true, sim.StatusActive: true,
	sim.StatusPendingRecreation: true, sim.StatusFailed: true, sim.StatusDeleting: true,
}
