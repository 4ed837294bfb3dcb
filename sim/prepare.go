package sim

import (
	"cmp"
	"slices"
)

// Steps prepared beside each other (issue 24: writes to different projects
// do not wait on one lock).
//
// Prepare runs a command on the world as it is, without changing the
// Machine: the policies' questions, which are most of a step's cost, are
// asked then, and any number of Prepares may run at once. Commit, one at a
// time, makes a prepared step current when what it read is still as it
// was, and otherwise runs the command again on the current world. A step
// holds when the world changed only in other projects: it read no more than
// its own projects (each still the same) and the Azure side, the clock and
// the organization as they are now, fired no timer, added or removed no
// project, and changed no more than its projects, its timers and the draws
// it reserved. Then committing it gives what a Step at the point of commit
// would: the same answer, effects and world, but for the values it drew.
//
// Draws: each prepared step reserves drawsPerStep values of the generator
// past the world's counter and past every pending reservation, so that
// steps prepared at once draw different ids. With nothing pending (one
// client, a scenario, a replay) a reservation starts at the world's counter
// and a step draws exactly what Step would: the same ids, byte for byte.
// Steps committed beside each other may leave draws unused.

// drawsPerStep is how many draws a prepared step reserves; one that draws
// more runs again at commit.
const drawsPerStep = 64

// Prepared is a step run on the world as it was, not yet current.
type Prepared struct {
	m      *Machine
	cmd    Command
	base   *State
	azGen  uint64
	start  uint64 // the first draw reserved
	done   bool   // nothing to commit: res is the answer (a read, an unknown op)
	res    Result
	t      *tx
	status int
	body   any
	err    *Error
}

// Prepare runs cmd on the current world without changing it. Prepares may
// run at the same time as each other and as reads of the Machine, never
// with Step, Commit or anything else that changes the Machine. A read
// is answered here (its answer is the world's at this point); every other
// Prepared must be given to Commit.
func (m *Machine) Prepare(cmd Command) *Prepared {
	p := &Prepared{m: m, cmd: cmd, base: m.state, azGen: m.azureGen}
	spec, ok := Spec(cmd.Op)
	if !ok || spec.Read {
		p.done = true
		if !ok {
			p.res = Result{Op: cmd.Op, Status: 400, Err: Errorf(400, "INVALID_OPERATION", "unknown operation %q", cmd.Op)}
		} else {
			body, err := m.readShared(cmd)
			p.res = m.result(cmd.Op, 200, body, err, nil)
		}
		return p
	}
	r := m.draws
	r.mu.Lock()
	p.start = max(m.state.Counter, r.reserved)
	r.reserved = p.start + drawsPerStep
	r.pending++
	r.mu.Unlock()
	t := m.begin()
	t.s.Counter, t.seen = p.start, map[string]*Project{}
	p.t = t
	p.status, p.body, p.err = t.run(cmd)
	return p
}

// Answer is the answer of a step that needs no commit (a read, an unknown
// op), answered when it was prepared.
func (p *Prepared) Answer() (Result, bool) { return p.res, p.done }

// release ends a reservation; with none pending, draws start again at the
// world's counter.
func (m *Machine) release() {
	r := m.draws
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending--; r.pending <= 0 {
		r.pending, r.reserved = 0, 0
	}
}

// Commit makes a prepared step current if it still holds, and otherwise
// runs its command again (Step). It returns the step's Result (again, if
// called again); a refusal that still holds changes nothing, as in Step.
func (m *Machine) Commit(p *Prepared) Result {
	if !p.done {
		p.res, p.done = m.commitPrepared(p), true
	}
	return p.res
}

func (m *Machine) commitPrepared(p *Prepared) Result {
	p.m.release()
	if p.m != m || !m.holds(p) {
		m.reruns++
		return m.Step(p.cmd)
	}
	if p.err != nil {
		return m.result(p.cmd.Op, 0, nil, p.err, nil)
	}
	t := p.t
	if m.state != p.base {
		m.rebase(p)
	}
	t.seen = nil
	return m.finish(t, p.cmd.Op, p.status, p.body)
}

// Reruns counts the prepared steps that did not hold at commit and ran again.
func (m *Machine) Reruns() int { return m.reruns }

// holds tells whether a prepared step would come out the same on the
// current world.
func (m *Machine) holds(p *Prepared) bool {
	if m.state == p.base {
		return true
	}
	t, cur, base := p.t, m.state, p.base
	switch {
	case t.structural, t.azureOwned, t.clockMoved, t.allDirty, t.fired,
		cur.Now != base.Now, m.azureGen != p.azGen, cur.Org != base.Org,
		cur.Seed != base.Seed, cur.SecretKey != base.SecretKey,
		t.s.Counter-p.start > drawsPerStep:
		return false
	}
	for id, was := range t.seen {
		if m.project(id) != was {
			return false
		}
	}
	if t.timersOwned {
		now, after := seqs(cur.Timers), seqs(t.s.Timers)
		for _, tm := range base.Timers {
			if !after[tm.Seq] && !now[tm.Seq] {
				return false // removed by the step and by another before it
			}
		}
	}
	return true
}

// rebase moves a prepared step that holds onto the current world: its
// projects, its timers and its draws on top of what others changed since.
func (m *Machine) rebase(p *Prepared) {
	t, base := p.t, p.base
	cur := *m.state
	var w listWriter
	for id, own := range t.owned {
		i, _ := m.pos.of(id)
		w.set(&cur.Projects, i, own)
	}
	if t.timersOwned {
		before, after := seqs(base.Timers), seqs(t.s.Timers)
		timers := slices.DeleteFunc(slices.Clone(cur.Timers), func(tm Timer) bool { return before[tm.Seq] && !after[tm.Seq] })
		for _, tm := range t.s.Timers {
			if !before[tm.Seq] {
				i, _ := slices.BinarySearchFunc(timers, tm, byTime)
				timers = slices.Insert(timers, i, tm)
			}
		}
		cur.Timers = timers
	}
	if t.s.Counter != p.start {
		cur.Counter = max(cur.Counter, t.s.Counter)
	}
	if t.azure == nil {
		t.azure = m.azure
	}
	t.s = &cur
}

func seqs(ts []Timer) map[uint64]bool {
	out := make(map[uint64]bool, len(ts))
	for _, tm := range ts {
		out[tm.Seq] = true
	}
	return out
}

// byTime orders timers as schedule keeps them: by time, then by draw.
func byTime(a, b Timer) int { return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.Seq, b.Seq)) }
