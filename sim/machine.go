package sim

import (
	"cmp"
	"maps"
	"reflect"
	"slices"
	"sync"
)

// Effect is something that happened as the consequence of a step: named in
// the past tense, with the rule that caused it where a rule did.
type Effect struct {
	At      int64             `json:"at"`
	Kind    string            `json:"kind"`
	Rule    string            `json:"rule,omitempty"`
	GroupID string            `json:"groupId,omitempty"`
	Target  map[string]string `json:"target,omitempty"`
	Msg     string            `json:"msg,omitempty"`
}

// Result is the outcome of one step. Status is the HTTP status an Atlas
// endpoint answers with; on failure Err is set, Body is nil and the state is
// unchanged.
type Result struct {
	Op         Op         `json:"op"`
	Status     int        `json:"status"`
	Body       any        `json:"body,omitempty"`
	Err        *Error     `json:"error,omitempty"`
	Effects    []Effect   `json:"effects,omitempty"`
	Warnings   []Forecast `json:"warnings,omitempty"`
	Violations []Broken   `json:"violations,omitempty"` // invariants broken after the step
}

// List is a list answer: the Atlas paginated shape without links, which the
// HTTP layer adds.
type List[T any] struct {
	Results    []T `json:"results"`
	TotalCount int `json:"totalCount"`
}

// Machine holds a world, its Checker and what the Checker last reported on
// each project. It is not safe for concurrent use, but for Prepare, which
// may run beside other Prepares (prepare.go).
//
// A step costs what it changes, not the size of the world: it works on a
// copy of the world that shares every project it does not change (a
// project is copied before its first change, and of the list of projects
// only the chunk that holds it: ProjectList), asks the Checker only about the projects it
// changed, and on a move of the clock alone only about those whose last
// report was Clocked (Report.Clocked: the others' reports stay as they
// are).
type Machine struct {
	state     *State
	checker   Checker
	reports   map[string]Report
	log       []Effect
	logBase   int                       // effects emitted before log[0] (dropped past maxLog)
	azure     map[string]any            // the Azure side as policy input; nil until needed
	docs      map[string]map[string]any // each project as policy input, while it is current
	pos       positions                 // where each project is in state.Projects
	clocked   map[string]bool           // projects whose last report is Clocked
	violating map[string]bool           // projects whose last report has violations
	verify    bool                      // compare every reused document with a fresh one
	noDocs    bool                      // the Checker is DocumentFree: no documents are built
	stale     int                       // reused documents that differed from a fresh one
	// borrowed names the maps above (reports, docs, clocked, violating)
	// that are shared with the Machine this one was forked from or its
	// other forks: each is copied before its first change (own).
	borrowed borrowedMaps
	unlogged bool // effects are not kept (Unlogged)

	draws    *reservations // of the steps prepared and not yet committed (prepare.go)
	azureGen uint64        // steps that changed the Azure side
	reruns   int           // prepared steps run again at commit
}

// reservations are the draws that steps prepared and not yet committed
// hold: each [start, start+drawsPerStep) of the generator; the next step
// draws from past them. With none pending every step draws from the
// world's counter.
type reservations struct {
	mu       sync.Mutex
	reserved uint64 // the end of the highest reservation, while pending > 0
	pending  int
}

// VerifyDocs turns on a self-check for tests: every project document the
// Machine reuses is compared with one built afresh, and StaleDocs counts
// those that differ (a caching bug). It costs a document build per use.
func (m *Machine) VerifyDocs(on bool) { m.verify = on }

// StaleDocs returns how many reused documents differed from fresh ones.
func (m *Machine) StaleDocs() int { return m.stale }

// NewMachine returns a Machine over a copy of s and inspects every project once.
func NewMachine(s *State, c Checker) (*Machine, error) {
	m := &Machine{state: s.Clone(), checker: c, reports: map[string]Report{}, docs: map[string]map[string]any{},
		clocked: map[string]bool{}, violating: map[string]bool{}, noDocs: documentFree(c), draws: &reservations{}}
	m.index()
	t := m.begin()
	t.allDirty = true
	if err := t.inspect(); err != nil {
		return nil, err
	}
	m.commit(t)
	return m, nil
}

// index records where each project is in the world's list.
func (m *Machine) index() { m.pos.build(m.state.Projects) }

// project finds a project of the Machine's world by its id.
func (m *Machine) project(id string) *Project {
	l := m.state.Projects
	if i, ok := m.pos.of(id); ok && i < l.Len() && l.At(i).ID == id {
		return l.At(i)
	}
	if m.pos.len() == l.Len() && m.pos.where != nil {
		return nil // every project is where pos says: id is none of them
	}
	return m.state.Project(id)
}

// commit makes a finished step's world current, with its documents and
// reports.
func (m *Machine) commit(t *tx) {
	m.state, m.azure = t.s, t.azure
	for _, id := range t.created {
		m.pos.add(id, t.owned[id].Name)
	}
	for i, id := range t.deleted {
		m.pos.remove(id, t.deletedNames[i], m.state.Projects)
		m.own(borrowedReports | borrowedDocs | borrowedClocked | borrowedViolating)
		delete(m.reports, id)
		delete(m.docs, id)
		delete(m.clocked, id)
		delete(m.violating, id)
	}
	for id, r := range t.reports {
		if t.structural && m.project(id) == nil {
			continue
		}
		m.own(borrowedReports)
		m.reports[id] = r
		m.setIf(borrowedClocked, id, r.Clocked)
		m.setIf(borrowedViolating, id, len(r.Violations) > 0)
	}
	for id := range t.dirty {
		if _, ok := m.docs[id]; ok {
			m.own(borrowedDocs)
			delete(m.docs, id)
		}
	}
	for id, d := range t.fresh {
		m.own(borrowedDocs)
		m.docs[id] = d
	}
}

// setIf puts id in or out of a set of projects (clocked, violating),
// copying the set first if it is borrowed and changes.
func (m *Machine) setIf(which borrowedMaps, id string, on bool) {
	if m.flags(which)[id] == on {
		return
	}
	m.own(which)
	if on {
		m.flags(which)[id] = true
	} else {
		delete(m.flags(which), id)
	}
}

// flags is the set of projects which names: clocked or violating.
func (m *Machine) flags(which borrowedMaps) map[string]bool {
	if which == borrowedViolating {
		return m.violating
	}
	return m.clocked
}

// State returns the current world. Callers must not modify it; Clone it to keep it.
func (m *Machine) State() *State { return m.state }

// Report returns what the Checker last reported on a project.
func (m *Machine) Report(groupID string) Report { return m.reports[groupID] }

// Effects returns the effects emitted since the n-th one (0: all of them
// still kept: a Machine keeps the latest maxLog, so that a long-lived one,
// the mock's, does not grow with every request).
func (m *Machine) Effects(since int) []Effect {
	i := since - m.logBase
	if i < 0 {
		i = 0
	}
	if since < 0 || i > len(m.log) {
		i = len(m.log)
	}
	return slices.Clone(m.log[i:])
}

// maxLog bounds the effects a Machine keeps.
const maxLog = 1 << 16

// Violations returns every invariant the current world breaks, project by project.
func (m *Machine) Violations() []Broken {
	var out []Broken
	for _, id := range m.inOrder(m.violating) {
		out = append(out, m.reports[id].Violations...)
	}
	return out
}

// inOrder lists a set of projects in the world's order.
func (m *Machine) inOrder(set map[string]bool) []string {
	ids := make([]string, 0, len(set))
	for id := range set {
		if _, ok := m.pos.of(id); ok {
			ids = append(ids, id)
		}
	}
	at := func(id string) int { i, _ := m.pos.of(id); return i }
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(at(a), at(b)) })
	return ids
}

// Step applies one command. A refused or failed command changes nothing.
func (m *Machine) Step(cmd Command) Result {
	spec, ok := Spec(cmd.Op)
	if !ok {
		return Result{Op: cmd.Op, Status: 400, Err: Errorf(400, "INVALID_OPERATION", "unknown operation %q", cmd.Op)}
	}
	if spec.Read {
		body, err := m.read(cmd)
		return m.result(cmd.Op, 200, body, err, nil)
	}
	t := m.begin()
	t.s.Counter = max(t.s.Counter, m.draws.reserved) // past the draws of steps prepared and pending
	status, body, err := t.run(cmd)
	if err != nil {
		return m.result(cmd.Op, 0, nil, err, nil)
	}
	return m.finish(t, cmd.Op, status, body)
}

// run applies a command on the step's world and settles it: its status and
// body, or the error that refuses it.
func (t *tx) run(cmd Command) (int, any, *Error) {
	status, body, err := t.apply(cmd)
	if err == nil {
		err = t.settle()
	}
	if err != nil {
		return 0, nil, err
	}
	if render, ok := body.(lazy); ok {
		body = render(t)
	}
	return status, body, nil
}

// finish makes a step's world current and logs its effects.
func (m *Machine) finish(t *tx, op Op, status int, body any) Result {
	if t.azureOwned {
		m.azureGen++
	}
	m.commit(t)
	if !m.unlogged {
		m.log = append(m.log, t.effects...)
	}
	if len(m.log) > maxLog {
		drop := len(m.log) - maxLog/2
		m.log, m.logBase = slices.Clone(m.log[drop:]), m.logBase+drop
	}
	return m.result(op, status, body, nil, t)
}

func (m *Machine) result(op Op, status int, body any, err *Error, t *tx) Result {
	if err != nil {
		return Result{Op: op, Status: err.Status, Err: err}
	}
	r := Result{Op: op, Status: status, Body: body}
	if t != nil {
		r.Effects, r.Warnings = t.effects, t.warnings
		if t.clockMoved && !t.allDirty {
			// as if every project had been inspected at the new time: the
			// others' reports are what they were (Report.Clocked)
			r.Violations = m.Violations()
			return r
		}
		for _, id := range t.inspected {
			r.Violations = append(r.Violations, t.reports[id].Violations...)
		}
	}
	return r
}

// tx is one step in progress over a copy of the world that shares what the
// step has not changed: each chunk of the list of projects until list.set,
// each project until own, the timers until ownTimers, the Azure side until ownAzure.
// Every change goes through them first.
type tx struct {
	s          *State
	checker    Checker
	reports    map[string]Report // reports made in this step; else the Machine's
	azure      map[string]any    // the Azure side as policy input, built once per step
	effects    []Effect
	warnings   []Forecast
	dirty      map[string]bool           // projects changed in this step
	allDirty   bool                      // inspect every project
	clockMoved bool                      // the clock moved: inspect the Clocked projects too
	inspected  []string                  // projects inspected, in order
	docs       map[string]map[string]any // the Machine's documents of unchanged projects
	fresh      map[string]map[string]any // documents of changed projects, built after their last change
	m          *Machine

	list                    listWriter // the chunks of the list this step copied
	timersOwned, azureOwned bool
	owned                   map[string]*Project // projects copied for this step, and the copies
	structural              bool                // projects added or removed
	deleted                 []string
	created                 []string // projects added, in order (at the end of the list)
	deletedNames            []string // the names of the projects deleted
	removedAt               []int    // where the projects removed were, in the Machine's list

	// For a step prepared beside others (prepare.go): what it read of the
	// world, to tell at commit whether it still holds.
	seen  map[string]*Project // projects looked up, as the world had them (nil: none); nil map: not tracked
	fired bool                // timers fired
}

func (m *Machine) begin() *tx {
	s := *m.state
	return &tx{s: &s, checker: m.checker, reports: map[string]Report{}, azure: m.azure,
		dirty: map[string]bool{}, docs: m.docs, fresh: map[string]map[string]any{}, m: m, owned: map[string]*Project{}}
}

// report is what the Checker last said about a project, in this step or before.
func (t *tx) report(id string) Report {
	if r, ok := t.reports[id]; ok {
		return r
	}
	return t.m.reports[id]
}

// project finds a project of the step's world.
func (t *tx) project(id string) *Project {
	var p *Project
	if i := t.where(id); i >= 0 {
		p = t.s.Projects.At(i)
	}
	t.saw(id, p)
	return p
}

// where is where a project is in the step's list, or -1: where the
// Machine's positions say, moved by what the step added and removed (a step
// adds or removes one project at most), checked against the list, which is
// looked through only when that fails.
func (t *tx) where(id string) int {
	l := t.s.Projects
	at := func(i int) int {
		if i >= 0 && i < l.Len() && l.At(i).ID == id {
			return i
		}
		return -1
	}
	for k, c := range t.created {
		if c == id {
			if i := at(l.Len() - len(t.created) + k); i >= 0 {
				return i
			}
		}
	}
	if slices.Contains(t.deleted, id) {
		return -1
	}
	if b, ok := t.m.pos.of(id); ok {
		for _, d := range t.removedAt {
			if d < b {
				b--
			}
		}
		if i := at(b); i >= 0 {
			return i
		}
	} else if !t.structural && t.m.pos.len() == l.Len() && t.m.pos.where != nil {
		return -1 // every project is where pos says: id is none of them
	}
	for i, p := range l.All() {
		if p.ID == id {
			return i
		}
	}
	return -1
}

// saw records, for a prepared step, a project as the world had it before
// the step changed it.
func (t *tx) saw(id string, p *Project) {
	if t.seen == nil || t.owned[id] != nil {
		return
	}
	if _, ok := t.seen[id]; !ok {
		t.seen[id] = p
	}
}

// own gives the step its own copy of a project, before anything in it is
// changed or pointed into, and returns it (nil for no such project). The
// copy replaces the shared project in the step's list, so a *Project found
// before own is the shared one: change only what own returned, or what
// t.project finds after it.
func (t *tx) own(id string) *Project {
	if id == "" {
		return nil
	}
	if p := t.owned[id]; p != nil {
		if t.structural {
			return t.project(id) // nil once removed
		}
		return p
	}
	i := t.index(id)
	if i < 0 {
		return nil
	}
	p := t.s.Projects.At(i).clone()
	t.list.set(&t.s.Projects, i, &p)
	t.owned[id] = &p
	return &p
}

// index is where a project is in the step's list, or -1.
func (t *tx) index(id string) int {
	i := t.where(id)
	if i >= 0 {
		t.saw(id, t.s.Projects.At(i))
	} else {
		t.saw(id, nil)
	}
	return i
}

func (t *tx) ownTimers() {
	if !t.timersOwned {
		t.s.Timers, t.timersOwned = slices.Clone(t.s.Timers), true
	}
}

func (t *tx) ownAzure() {
	if t.azureOwned {
		return
	}
	a := &t.s.Azure
	a.Apps, a.Vaults, a.Keys, a.Subscriptions = slices.Clone(a.Apps), slices.Clone(a.Vaults), slices.Clone(a.Keys), slices.Clone(a.Subscriptions)
	for i := range a.Apps {
		a.Apps[i].Vaults = slices.Clone(a.Apps[i].Vaults)
	}
	t.azureOwned = true
}

// doc returns a project as policy input: the Machine's document while the
// project is unchanged, else one built after its last change.
func (t *tx) doc(p *Project) map[string]any {
	if p == nil {
		return nil
	}
	if !t.dirty[p.ID] {
		if d, ok := t.docs[p.ID]; ok {
			return t.check(p, d)
		}
	}
	if d, ok := t.fresh[p.ID]; ok {
		return t.check(p, d)
	}
	var prev *Project
	if t.m != nil && t.m.state != t.s {
		prev = t.m.project(p.ID) // what t.docs[p.ID] was built from
	}
	d := projectInputSince(p, prev, t.docs[p.ID])
	t.fresh[p.ID] = d
	return d
}

// noDocs reports whether the step's Checker reads no documents
// (DocumentFree): then none is built.
func (t *tx) noDocs() bool { return t.m != nil && t.m.noDocs }

func (t *tx) azureInput() map[string]any {
	if t.azure == nil {
		t.azure = t.s.Azure.input()
	}
	return t.azure
}

// admit asks the Checker about a command and returns its decision; a refusal
// comes back as the Error that answers the request. notFound, when set, is
// the 404 the request earns unless a role check (order 0) refuses it first.
func (t *tx) admit(op Op, request map[string]any, p *Project, actor *Actor, groupID string, notFound *Error) (Decision, *Error) {
	var in Input
	if !t.noDocs() {
		in = t.s.input(op, request, t.doc(p), actor, groupID, t.azureInput())
	}
	d, err := t.checker.Admit(in)
	if err != nil {
		return Decision{}, Errorf(500, "UNEXPECTED_ERROR", "policy evaluation: %v", err)
	}
	if len(d.Deny) > 0 {
		v := d.first()
		if v.Order == 0 || notFound == nil {
			return d, fromViolation(v)
		}
	}
	if notFound != nil {
		return d, notFound
	}
	t.warnings = append(t.warnings, d.Warn...)
	return d, nil
}

// carryOut applies the consequences a decision names (Forecast.Apply).
func (t *tx) carryOut(p *Project, d Decision) {
	if p != nil && len(d.Warn) > 0 {
		p = t.own(p.ID) // p may have been found before the step owned it
	}
	for _, f := range d.Warn {
		a := f.Apply
		if a == nil || p == nil {
			continue
		}
		switch a.Do {
		case "pauseCluster":
			c := p.Cluster(a.Cluster)
			if c == nil || (c.Paused && c.PauseReason == a.Reason) {
				continue
			}
			t.touch(p.ID)
			c.Paused, c.PauseReason = true, a.Reason
		case "failEndpoint":
			e := p.Endpoint(a.Endpoint)
			if e == nil {
				continue
			}
			t.touch(p.ID)
			e.Status, e.ErrorMessage, e.Connection, e.Since = StatusFailed, a.ErrorMessage, "", t.s.Now
		default:
			continue
		}
		t.emit(p.ID, f.Effect, f.Rule, f.Target, f.Msg)
	}
}

func (t *tx) emit(groupID, kind, rule string, target map[string]string, msg string) {
	t.effects = append(t.effects, Effect{At: t.s.Now, Kind: kind, Rule: rule, GroupID: groupID, Target: target, Msg: msg})
}

func (t *tx) check(p *Project, d map[string]any) map[string]any {
	if t.m != nil && t.m.verify && !reflect.DeepEqual(d, projectInput(p)) {
		t.m.stale++
	}
	return d
}

// touch marks a project changed. Every change calls it before it changes
// anything, so that no document built before the change is used after it.
func (t *tx) touch(groupID string) {
	t.own(groupID)
	t.dirty[groupID] = true
	delete(t.fresh, groupID)
}

// settle fires the timers due now and inspects what changed.
func (t *tx) settle() *Error {
	if err := t.fireDue(t.s.Now); err != nil {
		return err
	}
	return t.inspect()
}

// inspect asks the Checker about every changed project and emits the
// conditions (effects and hazards) that newly appear.
func (t *tx) inspect() *Error {
	noDocs := t.noDocs()
	var azure map[string]any
	if !noDocs {
		azure = t.azureInput()
	}
	for _, p := range t.toInspect() {
		var in Input
		if !noDocs {
			in = t.s.input("", nil, t.doc(p), nil, p.ID, azure)
		}
		r, err := t.checker.Inspect(in)
		if err != nil {
			return Errorf(500, "UNEXPECTED_ERROR", "policy evaluation: %v", err)
		}
		t.emitNew(p.ID, t.report(p.ID).Conditions, r.Conditions)
		t.reports[p.ID] = r
		t.inspected = append(t.inspected, p.ID)
	}
	return nil
}

// emitNew emits the conditions of now that were not among before (by Key).
func (t *tx) emitNew(groupID string, before, now []Condition) {
	if len(now) == 0 {
		return
	}
	seen := make([]string, len(before))
	for i, c := range before {
		seen[i] = c.Key()
	}
	for _, c := range now {
		if !slices.Contains(seen, c.Key()) {
			t.emit(groupID, c.Effect, c.Rule, c.Target, c.Msg)
		}
	}
}

// toInspect lists, in the world's order, the projects to ask about: every
// one (allDirty), else those the step changed and, when the clock moved,
// those whose last report was Clocked.
func (t *tx) toInspect() []*Project {
	var out []*Project
	if t.allDirty {
		return t.s.Projects.Slice()
	}
	ids := maps.Clone(t.dirty)
	if t.clockMoved {
		maps.Copy(ids, t.m.clocked)
	}
	if t.structural { // in the step's list, where a project was added or removed
		at := make([]int, 0, len(ids))
		for id := range ids {
			if i := t.where(id); i >= 0 {
				at = append(at, i)
			}
		}
		slices.Sort(at)
		for _, i := range at {
			out = append(out, t.s.Projects.At(i))
		}
		return out
	}
	for _, id := range t.m.inOrder(ids) {
		if p := t.project(id); p != nil {
			out = append(out, p)
		}
	}
	return out
}

func (t *tx) schedule(kind string, at int64, groupID, endpointID, clusterName string) {
	t.ownTimers()
	t.s.schedule(kind, at, groupID, endpointID, clusterName)
}

// fireDue fires, in order, every timer due at or before until, moving the
// clock to each timer's time, and leaves the clock at until.
func (t *tx) fireDue(until int64) *Error {
	for len(t.s.Timers) > 0 && t.s.Timers[0].At <= until {
		tm := t.s.Timers[0]
		t.s.Timers = t.s.Timers[1:]
		if tm.At > t.s.Now {
			t.s.Now = tm.At
		}
		if err := t.fire(tm); err != nil {
			return err
		}
	}
	t.s.Now = until
	return nil
}

func (t *tx) fire(tm Timer) *Error {
	t.fired = true
	t.own(tm.GroupID)
	p := t.project(tm.GroupID)
	if p == nil {
		return nil
	}
	t.touch(p.ID)
	switch tm.Kind {
	case TimerEndpointProvisioned:
		e := p.Endpoint(tm.EndpointID)
		if e == nil || e.Status != StatusInitiating {
			return nil
		}
		d, err := t.admit(provisionEndpoint, map[string]any{"endpointId": e.ID}, p, nil, p.ID, nil)
		if err != nil {
			return err
		}
		t.touch(p.ID)
		t.carryOut(p, d)
		if e = p.Endpoint(tm.EndpointID); e.Status == StatusInitiating {
			e.Status, e.Since = StatusPendingAcceptance, t.s.Now
			e.ConnectionName, e.Connection = "earsim-"+e.RegionName+"-"+e.ID, ConnectionPending
			t.emit(p.ID, "EndpointProvisioned", "EAR-PE-02", map[string]string{"endpoint": e.ID}, "")
		}
		// MD (EAR-PE-04): the PENDING_RECREATION record goes once its successor leaves INITIATING.
		region := e.RegionName
		p.Endpoints = slices.DeleteFunc(p.Endpoints, func(x Endpoint) bool {
			if x.RegionName == region && x.Status == StatusPendingRecreation {
				t.emit(p.ID, "EndpointReplaced", "EAR-PE-04", map[string]string{"endpoint": x.ID, "by": tm.EndpointID}, "")
				return true
			}
			return false
		})
	case TimerEndpointActivated:
		e := p.Endpoint(tm.EndpointID)
		if e == nil || e.Status != StatusPendingAcceptance || e.Connection != ConnectionApproved {
			return nil
		}
		e.Status, e.Since = StatusActive, t.s.Now
		t.emit(p.ID, "EndpointActivated", "EAR-PE-03", map[string]string{"endpoint": e.ID}, "")
	case TimerEndpointDeleted:
		e := p.Endpoint(tm.EndpointID)
		if e == nil || e.Status != StatusDeleting {
			return nil
		}
		p.Endpoints = slices.DeleteFunc(p.Endpoints, func(x Endpoint) bool { return x.ID == tm.EndpointID })
		t.emit(p.ID, "EndpointDeleted", "EAR-PE-05", map[string]string{"endpoint": tm.EndpointID}, "")
	case TimerRotationFinished:
		r := p.Encryption.Rotation
		if r == nil || r.Until != tm.At {
			return nil
		}
		p.Encryption.Rotation = nil
		for i := range p.Clusters {
			if c := &p.Clusters[i]; c.StateName == "UPDATING" {
				c.StateName = "IDLE"
			}
		}
		t.emit(p.ID, "RotationFinished", "EAR-ROT-02", map[string]string{"key": r.From}, "")
	case TimerClusterReady:
		if c := p.Cluster(tm.ClusterName); c != nil && c.StateName == "CREATING" {
			c.StateName = "IDLE"
			t.emit(p.ID, "ClusterReady", "", map[string]string{"cluster": c.Name}, "")
		}
	case TimerClusterDeleted:
		if c := p.Cluster(tm.ClusterName); c != nil && c.StateName == "DELETING" {
			p.Clusters = slices.DeleteFunc(p.Clusters, func(x Cluster) bool { return x.Name == tm.ClusterName })
			t.emit(p.ID, "ClusterDeleted", "", map[string]string{"cluster": tm.ClusterName}, "")
		}
	}
	return nil
}

// Fork returns an independent Machine at the same point, for searches that
// branch: the world is shared until either Machine steps (a step never
// changes the world it started from), as is the effect log up to now (a
// full slice, so that either Machine's next effect goes to a copy), and the
// maps of reports, flags and documents until either changes one (own).
func (m *Machine) Fork() *Machine {
	m.borrowed = borrowedAll
	m.pos.shared = true // copied by whichever changes it first
	f := *m
	f.draws = &reservations{}             // the steps prepared on m are m's to commit
	f.log = m.log[:len(m.log):len(m.log)] // shared: an append by either copies
	return &f
}

// Unlogged stops the Machine, and the Machines forked from it later,
// keeping the effects of its steps (Effects returns those kept before),
// for searches that read each step's effects from its Result: a fork's
// first step copies the log it shares, so a kept log costs every branch a
// copy of its path's effects.
func (m *Machine) Unlogged() { m.unlogged = true }

// borrowedMaps is a set of a Machine's maps shared with other Machines.
type borrowedMaps uint8

const (
	borrowedReports borrowedMaps = 1 << iota
	borrowedDocs
	borrowedClocked
	borrowedViolating
	borrowedAll = borrowedReports | borrowedDocs | borrowedClocked | borrowedViolating
)

// own gives the Machine its own copies of the borrowed maps among which,
// before it changes them.
func (m *Machine) own(which borrowedMaps) {
	which &= m.borrowed
	if which == 0 {
		return
	}
	if which&borrowedReports != 0 {
		m.reports = maps.Clone(m.reports)
	}
	if which&borrowedDocs != 0 {
		m.docs = maps.Clone(m.docs)
	}
	if which&borrowedClocked != 0 {
		m.clocked = maps.Clone(m.clocked)
	}
	if which&borrowedViolating != 0 {
		m.violating = maps.Clone(m.violating)
	}
	m.borrowed &^= which
}

// Warm builds the policy documents of every project and of the Azure side,
// so that Machines forked from m share them instead of each building its own.
func (m *Machine) Warm() {
	if m.noDocs {
		return // the Checker reads none
	}
	for _, p := range m.state.Projects.All() {
		if _, ok := m.docs[p.ID]; !ok {
			m.own(borrowedDocs)
			m.docs[p.ID] = projectInput(p)
		}
	}
	if m.azure == nil {
		m.azure = m.state.Azure.input()
	}
}
