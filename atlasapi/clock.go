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
		s.journalEffects(sim.Advance, res)
		if res.Err != nil {
			return
		}
	}
}

// approvals are the endpoints waiting for the automatic Azure approval,
// with the logical time it is due for each, in world order.
func (s *Server) approvals(st *sim.State, failed map[string]bool) []approval {
	if s.approveAfter < 0 {
		return nil
	}
	var out []approval
	for _, p := range st.Projects.All() {
		for _, e := range p.Endpoints {
			if e.Status == sim.StatusPendingAcceptance && e.Connection == sim.ConnectionPending && !failed[e.ID] {
				out = append(out, approval{group: p.ID, endpoint: e.ID, at: e.Since + s.approveAfter})
			}
		}
	}
	return out
}

type approval struct {
	group, endpoint string
	at              int64
}

// nextApproval is the earliest time an automatic approval is due, if any.
func (s *Server) nextApproval(st *sim.State, failed map[string]bool) (int64, bool) {
	best, ok := int64(0), false
	for _, a := range s.approvals(st, failed) {
		if !ok || a.at < best {
			best, ok = a.at, true
		}
	}
	return best, ok
}

// approveDue approves, on the Azure side, every waiting connection whose
// automatic approval is due now. It reports whether it approved any; a
// refused approval is remembered in failed.
func (s *Server) approveDue(failed map[string]bool) bool {
	st := s.m.State()
	approved := false
	for _, a := range s.approvals(st, failed) {
		if a.at > st.Now {
			continue
		}
		res := s.m.Step(sim.Command{Op: sim.ApproveConnection, GroupID: a.group, EndpointID: a.endpoint})
		s.journalEffects(sim.ApproveConnection, res)
		if res.Err != nil {
			failed[a.endpoint] = true
			continue
		}
		approved = true
	}
	return approved
}
