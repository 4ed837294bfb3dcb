package explore

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/earsim/earsim/sim"
)

// Walk makes walks random walks of steps actions each, seeded, for bounds a
// breadth-first search cannot reach. A violation is shrunk before it is
// returned: steps are dropped while the same property still breaks.
func Walk(ctx context.Context, opt Options, walks, steps int, seed uint64) (Result, error) {
	m0, err := start(&opt)
	if err != nil {
		return Result{}, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6561727369))
	startT := time.Now()
	res := Result{Graph: newGraph()}
	for w := 0; w < walks; w++ {
		m := m0.Fork()
		var path []Action
		deleted := map[string]bool{}
		for i := 0; i < steps; i++ {
			if ctx.Err() != nil {
				res.Stopped = true
				res.Stats.Elapsed = time.Since(startT)
				return res, nil
			}
			acts := Actions(m.State(), opt.AllOps)
			a := acts[rng.IntN(len(acts))]
			before, dark := m.State(), darkProjects(m)
			r := m.Step(a.Cmd)
			res.Stats.Transitions++
			if r.Err != nil {
				continue
			}
			res.Stats.States++
			res.Graph.record(before, m.State(), a.Cmd, r)
			path = append(path, a)
			if v := check(before, m.State(), a.Cmd, r, deleted, dark); v != nil {
				res.Violation = shrink(m0, path, v.Property)
				res.Stats.Elapsed = time.Since(startT)
				return res, nil
			}
			if a.Cmd.Op == sim.DeletePrivateEndpoint && r.Status == 204 {
				deleted = copyAdd(deleted, a.Cmd.EndpointID)
			}
		}
		if opt.Progress != nil {
			res.Stats.Depth = steps
			res.Stats.Elapsed = time.Since(startT)
			opt.Progress(res.Stats)
		}
	}
	res.Stats.Depth = steps
	res.Stats.Elapsed = time.Since(startT)
	return res, nil
}

// replay runs a path from the start and returns the violation it ends in,
// if the last accepted step breaks something.
func replay(m0 *sim.Machine, path []Action) *Violation {
	m := m0.Fork()
	deleted := map[string]bool{}
	for i, a := range path {
		before, dark := m.State(), darkProjects(m)
		r := m.Step(a.Cmd)
		if r.Err != nil {
			return nil // a shrunk path must stay a path of accepted steps
		}
		if v := check(before, m.State(), a.Cmd, r, deleted, dark); v != nil {
			if i != len(path)-1 {
				return nil
			}
			return v
		}
		if a.Cmd.Op == sim.DeletePrivateEndpoint && r.Status == 204 {
			deleted = copyAdd(deleted, a.Cmd.EndpointID)
		}
	}
	return nil
}

// shrink drops steps of a failing path, one at a time, while the same
// property still breaks at its end.
func shrink(m0 *sim.Machine, path []Action, property string) *Violation {
	best := replay(m0, path)
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(path)-1; i++ {
			try := append(append([]Action{}, path[:i]...), path[i+1:]...)
			if v := replay(m0, try); v != nil && v.Property == property {
				path, best, changed = try, v, true
				break
			}
		}
	}
	if best == nil {
		return nil
	}
	best.Path = path
	best.Steps = nil
	for _, a := range path {
		best.Steps = append(best.Steps, a.Step)
	}
	return best
}
