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

	"crypto/sha256"
	"encoding/json"
	"fmt"
	"github.com/earsim/earsim/scenarios"
	"regexp"
	"time"

	"github.com/earsim/earsim/sim"
)

// Options configure a search.
type Options struct {
	Depth    int                 // BFS depth bound
	Checker  sim.Checker         // the policies (or a planted broken hook)
	World    *scenarios.Scenario // the initial world (its world section); nil: BuiltIn()
	Text     []byte              // the world's scenario file, for counterexamples; nil with the built-in world
	Seed     *uint64             // overrides the scenario's seed
	Progress func(Stats)         // called after each depth level
	// KeepGoing records the first violation and searches on to the bound
	// (for measuring a whole search, e.g. beside an allow-all hook).
	KeepGoing bool
	// AllOps widens the alphabet with the cluster and key operations (Actions).
	AllOps bool
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
}

// node is a state in the search frontier.
type node struct {
	m       *sim.Machine
	path    []Action
	deleted map[string]bool // endpoint ids answered 204 on this path
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

// BFS searches breadth first up to opt.Depth.
func BFS(ctx context.Context, opt Options) (Result, error) {
	m, err := start(&opt)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	res := Result{Graph: newGraph()}
	seen := map[[32]byte]bool{hash(m.State()): true}
	frontier := []node{{m: m, deleted: map[string]bool{}}}
	res.Stats.States = 1
	for depth := 1; depth <= opt.Depth && len(frontier) > 0; depth++ {
		var next []node
		for _, n := range frontier {
			if ctx.Err() != nil {
				res.Stopped = true
				res.Stats.Elapsed = time.Since(start)
				return res, nil
			}
			dark := darkProjects(n.m) // once per state, not per action
			for _, a := range Actions(n.m.State(), opt.AllOps) {
				cmd := a.Cmd
				child := n.m.Fork()
				before := n.m.State()
				r := child.Step(cmd)
				res.Stats.Transitions++
				if r.Err != nil {
					continue // refused: the state is unchanged
				}
				res.Graph.record(before, child.State(), cmd, r)
				path := append(append([]Action{}, n.path...), a)
				deleted := n.deleted
				if v := check(before, child.State(), cmd, r, deleted, dark); v != nil && res.Violation == nil {
					v.Path = path
					for _, p := range path {
						v.Steps = append(v.Steps, p.Step)
					}
					res.Violation = v
					if !opt.KeepGoing {
						res.Stats.Elapsed = time.Since(start)
						return res, nil
					}
				}
				if cmd.Op == sim.DeletePrivateEndpoint && r.Status == 204 {
					deleted = copyAdd(deleted, cmd.EndpointID)
				}
				h := hash(child.State())
				if seen[h] {
					continue
				}
				seen[h] = true
				res.Stats.States++
				next = append(next, node{m: child, path: path, deleted: deleted})
			}
		}
		frontier = next
		res.Stats.Depth = depth
		res.Stats.Elapsed = time.Since(start)
		if opt.Progress != nil {
			opt.Progress(res.Stats)
		}
	}
	res.Stats.Elapsed = time.Since(start)
	return res, nil
}

// darkProjects lists the projects whose current report shows their data
// inaccessible.
func darkProjects(m *sim.Machine) map[string]bool {
	var out map[string]bool
	for _, p := range m.State().Projects {
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
	for _, p := range after.Projects {
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
	for _, bp := range before.Projects {
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
	// An accepted creation is visible in the next state.
	if cmd.Op == sim.CreatePrivateEndpoint {
		if v, ok := r.Body.(sim.EndpointView); !ok || after.Project(cmd.GroupID).Endpoint(v.ID) == nil {
			return &Violation{Property: "accepted-is-visible", Msg: "an accepted endpoint creation left no endpoint", Expect: "status: 400"}
		}
	}
	return nil
}

var validStatus = map[string]bool{
	sim.StatusInitiating: true, sim.StatusPendingAcceptance: true, sim.StatusActive: true,
	sim.StatusPendingRecreation: true, sim.StatusFailed: true, sim.StatusDeleting: true,
}

var hexID = regexp.MustCompile(`"[a-f0-9]{24}"`)

// hash is a canonical hash of a world: its JSON without the draw counter and
// timer sequence numbers, with ids renamed in order of appearance, so states
// that differ only in how they were reached are one state.
func hash(s *sim.State) [32]byte {
	c := *s
	c.Counter, c.Seed = 0, 0
	c.Timers = make([]sim.Timer, len(s.Timers))
	for i, t := range s.Timers {
		t.Seq = 0
		c.Timers[i] = t
	}
	data, _ := json.Marshal(&c)
	names := map[string]string{}
	data = hexID.ReplaceAllFunc(data, func(id []byte) []byte {
		k := string(id)
		if k == `"`+sim.DefaultProjectID+`"` || k == `"`+sim.DefaultOrgID+`"` {
			return id
		}
		n, ok := names[k]
		if !ok {
			n = fmt.Sprintf(`"#%d"`, len(names))
			names[k] = n
		}
		return []byte(n)
	})
	return sha256.Sum256(data)
}
