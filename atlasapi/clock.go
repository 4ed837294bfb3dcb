package atlasapi

import (
	"math"
	"time"

	"github.com/earsim/earsim/sim"
)

// The mock's time (API.md "Time and the Azure side in serve"). The world's
// clock is logical; with a time scale above 0 it follows the wall clock,
// scale logical seconds per real second, so that a client that polls (the
// Terraform provider, a user's own loop) sees the lifecycle move by itself.
// The world is brought up to date lazily, under the lock, before every
// request and control call: nothing is observable between requests, and a
// request always sees every timer due at its arrival.
//
// The simulated Azure side can approve connections by itself (AutoApprove):
// D logical seconds after an endpoint reaches PENDING_ACCEPTANCE, as a
// user's own Azure automation would. Catching up steps the world from one
// due moment to the next (a timer of the simulator or an approval), so
// timers and approvals happen in logical-time order whatever the scale.

// wallClock maps the wall clock onto logical time: logical = base +
// scale × (wall − wallBase).
type wallClock struct {
	scale    float64
	base     int64 // logical seconds at wallBase
	wallBase time.Time
}

// target is the logical time the world should have reached at wall time now.
func (c *wallClock) target(now time.Time) int64 {
	if c.scale <= 0 {
		return c.base
	}
	d := now.Sub(c.wallBase).Seconds() * c.scale
	if d <= 0 {
		return c.base
	}
	return c.base + int64(math.Floor(d))
}

// rebase makes logical time t correspond to wall time now (after a reset,
// an import, or a move of the clock by the control route).
func (c *wallClock) rebase(t int64, now time.Time) {
	c.base, c.wallBase = t, now
}

// catchUp brings the world to the logical time the wall clock says. The
// caller holds s.mu.
func (s *Server) catchUp() {
	if s.clock.scale <= 0 {
		return
	}
	target := s.clock.target(s.opt.Now())
	if target > s.m.State().Now {
		s.advanceTo(target)
	}
}

// advanceTo moves the world's clock to logical time until, firing the
// simulator's timers and the Azure side's automatic approvals in order. The
// caller holds s.mu.
func (s *Server) advanceTo(until int64) {
	failed := map[string]bool{} // approvals the world refused: not retried in this move
	for {
		approved := s.approveDue(failed)
		st := s.m.State()
		next := until
		dueNow := len(st.Timers) > 0 && st.Timers[0].At <= st.Now
		if len(st.Timers) > 0 && st.Timers[0].At < next {
			next = max(st.Timers[0].At, st.Now)
		}
		if at, ok := s.nextApproval(st, failed); ok && at > st.Now && at < next {
			next = at
		}
		if next <= st.Now && !dueNow {
			if approved {
				continue
			}
			return
		}
		res := s.m.Step(sim.Command{Op: sim.Advance, Seconds: max(next-st.Now, 0)})
		s.record(sim.Advance, res)
		if res.Err != nil {
			return
		}
	}
}

// nextApproval is the earliest logical time at which the automatic Azure
// approval is due for a waiting endpoint, if it is on and one waits.
func (s *Server) nextApproval(st *sim.State, failed map[string]bool) (int64, bool) {
	if s.approveAfter < 0 {
		return 0, false
	}
	best, ok := int64(0), false
	for _, p := range st.Projects {
		for _, e := range p.Endpoints {
			if waiting(&e) && !failed[e.ID] {
				if at := e.Since + s.approveAfter; !ok || at < best {
					best, ok = at, true
				}
			}
		}
	}
	return best, ok
}

func waiting(e *sim.Endpoint) bool {
	return e.Status == sim.StatusPendingAcceptance && e.Connection == sim.ConnectionPending
}

// approveDue approves, on the Azure side, every waiting connection whose
// automatic approval is due now. It reports whether it approved any; a
// refused approval is remembered in failed.
func (s *Server) approveDue(failed map[string]bool) bool {
	if s.approveAfter < 0 {
		return false
	}
	st := s.m.State()
	type due struct{ group, endpoint string }
	var todo []due
	for _, p := range st.Projects {
		for _, e := range p.Endpoints {
			if waiting(&e) && !failed[e.ID] && e.Since+s.approveAfter <= st.Now {
				todo = append(todo, due{p.ID, e.ID})
			}
		}
	}
	approved := false
	for _, d := range todo {
		res := s.m.Step(sim.Command{Op: sim.ApproveConnection, GroupID: d.group, EndpointID: d.endpoint})
		s.record(sim.ApproveConnection, res)
		if res.Err != nil {
			failed[d.endpoint] = true
			continue
		}
		approved = true
	}
	return approved
}
