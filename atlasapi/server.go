// Package atlasapi is earsim's mock of the Atlas Administration API for
// encryption at rest with Azure Key Vault over private endpoints: real HTTP,
// digest authentication, the routes of API.md from one route table, backed by
// the simulator with the policies in the loop, and control routes under
// /_sim/v1/ for what happens outside Atlas (Azure, time, an operator).
package atlasapi

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/earsim/earsim/sim"
)

// MaxBody is the largest request body the Atlas routes accept (413 above it).
const MaxBody = 1 << 20

// maxControlBody bounds control-route bodies, which may carry a whole world
// (PUT /_sim/v1/state).
const maxControlBody = 64 << 20

// Options configure a Server.
type Options struct {
	Seed    uint64
	Checker sim.Checker // the policies; required
	Keys    []Key       // nil with ServiceAccounts nil: the development keys (DevKey, DevReadOnlyKey) and DevServiceAccount
	// ServiceAccounts are the OAuth clients (API.md "Auth").
	ServiceAccounts []ServiceAccount
	// RateLimits, when set, are the endpoint sets enforced (429 on an
	// empty bucket); nil reports AtlasEndpointSets in the headers only.
	RateLimits []EndpointSet
	// Chaos, when set, makes the network unreliable (chaos.go).
	Chaos *ChaosSpec
	// World is the world's name under a Hub ("" or "default" for the root).
	World        string
	ControlToken string   // when set, control routes need "Authorization: Bearer TOKEN"
	Faults       []string // deliberate rule breaks, see Faults
	StatePath    string   // when set, the world persists there (see persist.go)
	Now          func() time.Time
	// TimeScale is logical seconds per real second (API.md): 0 leaves the
	// clock to the control route, 1 runs Atlas's own times in real time.
	TimeScale float64
	// AutoApprove, when set, has the simulated Azure side approve each
	// connection this long (logical time, whole seconds) after its endpoint
	// reaches PENDING_ACCEPTANCE.
	AutoApprove *time.Duration
	// NoAuth serves every request as the development key, without digest
	// authentication: for load baselines only, never offered by the CLI.
	NoAuth bool
	// Trace, when set, receives every request and its answer as a JSON
	// line (TraceEntry), secrets redacted.
	Trace io.Writer
	// Log, when set, receives what the server must tell its operator (a
	// state file that could not be written).
	Log io.Writer
	// AllowedHosts are further names requests may carry in Host (and
	// Origin), beside localhost, loopback IPs and the listen address.
	AllowedHosts []string
	// Rules are the rules' titles and seed sentences the console shows
	// beside each rule ID (cmd/earsim passes policies.Engine.Catalog).
	Rules []RuleInfo
	// SeedSecretKey keys the digests of a new world's secrets from its seed
	// (sim.NewWorld: same seed, same bytes) instead of a random key per
	// world, for tests that compare the mock's state with the simulator's.
	SeedSecretKey bool
}

// newWorld is a fresh world for seed whose secrets' digests are keyed with
// a random key (issue 13: a state file's digests are not those of any other
// world), unless Options.SeedSecretKey.
func (s *Server) newWorld(seed uint64) *sim.State {
	if s.opt.SeedSecretKey {
		return sim.NewWorld(seed)
	}
	key := make([]byte, 32)
	rand.Read(key)
	return sim.NewWorldWithKey(seed, key)
}

// Server is the mock endpoint. It is safe for concurrent use: one lock
// orders every request on the world.
type Server struct {
	opt    Options
	digest *digestAuth
	oauth  *oauthServer
	// hubEntraKey, under a Hub, signs Entra ID tokens for every world.
	hubEntraKey []byte
	limits      *limiter
	chaos       chaos
	faults      faultSet
	checker     sim.Checker

	devKeys      bool  // started without a keys file: the development keys and world (devhint.go)
	approveAfter int64 // logical seconds; -1: no automatic approval
	trace        *tracer
	hosts        *hostGuard

	// mu guards the world: held shared while a request's step is prepared
	// (sim.Machine.Prepare: the policies' questions, most of its cost, asked
	// beside other requests'), alone for everything that changes the world.
	store *store // the state file and its change log, with StatePath
	mu    sync.RWMutex
	m     *sim.Machine
	clock wallClock
	// contention decides which writes are prepared with mu shared (step).
	contention contention
	journal    journal
	// refusals are the latest requests the model refused, for the
	// console's timeline; watchers are the console's live pages.
	refusals refusalLog
	watchers watchers
	azure    azureNotes // what ARM was told that the model does not keep (arm.go)
}

// journal is the effects journal: entries are numbered (Seq) from the last
// reset, and only the latest maxJournal are kept, so that a long-lived serve
// does not grow with every request (GET /_sim/v1/effects says from where it
// answers).
type journal struct {
	dropped int // entries before entries[0]
	entries []Entry
}

// maxJournal bounds the entries a journal keeps.
var maxJournal = 1 << 16 // a var for the tests

func (j journal) total() int { return j.dropped + len(j.entries) }

func (j *journal) add(e Entry) {
	e.Seq = j.total() + 1
	j.entries = append(j.entries, e)
	if len(j.entries) > maxJournal {
		drop := len(j.entries) - maxJournal/2
		j.entries, j.dropped = slices.Clone(j.entries[drop:]), j.dropped+drop
	}
}

// at is the entry of sequence number seq-1 (0-based), which must be kept.
func (j journal) at(i int) Entry { return j.entries[i-j.dropped] }

// since is the entries after the n-th, as far as they are kept.
func (j journal) since(n int) []Entry {
	i := max(0, n-j.dropped)
	if i >= len(j.entries) {
		return []Entry{}
	}
	return slices.Clone(j.entries[i:])
}

// snapshot is the journal as it is now; an add to either copies.
func (j journal) snapshot() journal {
	return journal{dropped: j.dropped, entries: j.entries[:len(j.entries):len(j.entries)]}
}

// Entry is one line of the effects journal served at /_sim/v1/effects.
type Entry struct {
	Seq      int           `json:"seq"`
	Op       sim.Op        `json:"op"`
	Effect   *sim.Effect   `json:"effect,omitempty"`
	Forecast *sim.Forecast `json:"warning,omitempty"`
}

// New returns a Server on a fresh world, or on the world in StatePath when
// that file exists.
func New(opt Options) (*Server, error) {
	if opt.Checker == nil {
		return nil, errors.New("atlasapi: Options.Checker is required")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	devKeys := opt.Keys == nil && opt.ServiceAccounts == nil
	if devKeys {
		opt.Keys, opt.ServiceAccounts = []Key{DevKey, DevReadOnlyKey}, []ServiceAccount{DevServiceAccount}
	}
	sets, enforce := AtlasEndpointSets, opt.RateLimits != nil
	if opt.RateLimits != nil {
		sets = opt.RateLimits
	}
	var chaosSpec ChaosSpec
	if opt.Chaos != nil {
		chaosSpec = *opt.Chaos
	}
	faults, err := parseFaults(opt.Faults)
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, devKeys: devKeys, digest: newDigestAuth(opt.Keys, opt.Now), oauth: newOAuth(opt.ServiceAccounts), limits: newLimiter(sets, enforce),
		faults: faults, checker: faults.checker(opt.Checker)}
	s.chaos.set(chaosSpec, opt.Seed)
	world := s.newWorld(opt.Seed)
	if opt.StatePath != "" {
		removeStaleTemps(opt.StatePath)
		loaded, err := loadState(opt.StatePath)
		if err != nil {
			return nil, err
		}
		if loaded != nil {
			world = loaded
		}
	}
	if s.m, err = openWorld(world, s.checker); err != nil {
		if opt.StatePath != "" {
			return nil, fmt.Errorf("%s: %v", opt.StatePath, err)
		}
		return nil, err
	}
	if opt.TimeScale < 0 || math.IsNaN(opt.TimeScale) || math.IsInf(opt.TimeScale, 0) {
		return nil, fmt.Errorf("atlasapi: the time scale must be a number from 0, got %v", opt.TimeScale)
	}
	s.approveAfter = -1
	s.hosts = newHostGuard(opt.AllowedHosts)
	if opt.Trace != nil {
		s.trace = &tracer{w: opt.Trace}
	}
	if opt.AutoApprove != nil {
		if *opt.AutoApprove < 0 {
			return nil, fmt.Errorf("atlasapi: the automatic approval delay must not be negative, got %v", *opt.AutoApprove)
		}
		s.approveAfter = int64(opt.AutoApprove.Round(time.Second) / time.Second)
	}
	s.clock = wallClock{scale: opt.TimeScale}
	s.clock.rebase(s.m.State().Now, opt.Now())
	if opt.StatePath != "" {
		if s.store, err = openStore(opt.StatePath, s.m.State()); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler { // an injected connection reset (chaos.go)
				panic(v)
			}
			writeError(w, r, sim.Errorf(500, "UNEXPECTED_ERROR", "internal error"))
		}
	}()
	if e := s.hosts.guard(r); e != nil { // before the body is read
		writeError(w, r, e)
		return
	}
	limit := int64(MaxBody)
	if isControl(r.URL.Path) {
		limit = maxControlBody
	}
	body, e := readBody(w, r, limit)
	if e != nil {
		writeError(w, r, e)
		return
	}
	if s.serveConsole(w, r) {
		return
	}
	// The console's own reads (its world at every change, its stream) are
	// not traced: the trace is what clients sent; its actions are.
	if s.trace != nil && !(r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, controlPrefix+"console/")) {
		c := &capture{ResponseWriter: w}
		defer func() {
			s.mu.RLock()
			now := s.m.State().Now
			s.mu.RUnlock()
			s.trace.record(r, body, c, now, s.opt.World)
		}()
		w = c
	}
	if s.serveAzure(w, r, body) { // ARM and Entra ID, in Azure's shapes (arm.go, entra.go)
		return
	}
	if e := jsonBody(r, body); e != nil {
		writeError(w, r, e)
		return
	}
	s.serve(w, r, body)
}

// readBody reads a request's body up to limit bytes (413 above it).
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *sim.Error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, sim.Errorf(413, "REQUEST_ENTITY_TOO_LARGE", "the request body exceeds %d bytes", limit)
		}
		return nil, sim.Errorf(400, "MALFORMED_JSON", "the request body could not be read")
	}
	return body, nil
}

func isControl(path string) bool { return strings.HasPrefix(path, controlPrefix) }

// isOAuth reports whether a path is one of the OAuth routes, whose bodies
// are forms.
func isOAuth(path string) bool {
	p := strings.TrimSuffix(path, "/")
	return p == tokenPath || p == revokePath
}

// serve answers one request whose body has been read.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	if isControl(r.URL.Path) {
		s.control(w, r, body)
		return
	}
	rt, params, pathFound := match(r.Method, r.URL.Path)
	if rt == nil {
		if pathFound {
			w.Header().Set("Allow", strings.Join(allowed(r.URL.Path), ", "))
			writeError(w, r, sim.Errorf(405, "METHOD_NOT_ALLOWED", "%s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		if op, template, ok := outsideModel(r.Method, r.URL.Path); ok {
			e := sim.Errorf(404, "RESOURCE_NOT_FOUND", "earsim does not model %s (%s %s): it serves encryption at rest with Azure Key Vault, its private endpoints, projects and clusters (API.md)", op, r.Method, template)
			e.Parameters = []string{op}
			writeError(w, r, e)
			return
		}
		writeError(w, r, sim.Errorf(404, "RESOURCE_NOT_FOUND", "no resource at %s", r.URL.Path))
		return
	}
	if rt.oauth != nil {
		rt.oauth(s, w, r, body)
		return
	}
	who, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	version := ""
	if rt.versions != nil {
		v, err := negotiate(r.Header.Get("Accept"), rt.versions)
		if err != nil {
			writeError(w, r, err)
			return
		}
		version = v
	}
	page, perr := pagination(r, rt.list)
	if perr != nil {
		writeError(w, r, perr)
		return
	}
	c := &call{route: rt, params: params, body: body, actor: who.actor, version: version, query: r.URL.Query()}
	now, org := s.nowAndOrg()
	st := s.limits.take(rt, scopeKeys{group: params["groupId"], org: org, user: who.id, ip: clientIP(r)}, now)
	if st.refused {
		rateLimited(w, r, st, s.clientSeconds(st.retryAfter))
		return
	}
	st.headers(w.Header())
	if rt.local != nil {
		out, err := rt.local(s, c)
		if err != nil {
			writeError(w, r, err)
			return
		}
		s.answer(w, r, c, version, page, sim.Result{Status: http.StatusOK, Body: out})
		return
	}
	cmd, derr := c.command()
	if derr != nil {
		writeError(w, r, derr)
		return
	}
	if ferr := s.faults.refuses(cmd); ferr != nil {
		writeError(w, r, ferr)
		return
	}
	in := s.chaos.draw(r.Method, r.URL.Path)
	if in != (injection{}) {
		s.inject(w, r, in)
	}
	switch in.kind {
	case "reset":
		resetConnection(w)
		return
	case "fail":
		time.Sleep(in.latency)
		chaosFailure(w, r, in)
		return
	}
	res, serr := s.step(cmd)
	time.Sleep(in.latency)
	if in.kind == "lose" {
		chaosFailure(w, r, in)
		return
	}
	if serr != nil {
		writeError(w, r, serr)
		return
	}
	if res.Err != nil {
		writeError(w, r, s.devHint(res.Err))
		return
	}
	s.answer(w, r, c, version, page, res)
}

// caller is who sends an Atlas request: an API key or a service account.
type caller struct {
	id    string // the public key or client id (the USER scope of rate limits)
	actor *sim.Actor
}

// authenticate checks a request's credentials: a digest signature with an
// API key, or a service account's Bearer token. On failure it has written
// the 401 (with the digest challenge, so digest clients can sign).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (caller, bool) {
	if s.opt.NoAuth {
		return caller{id: DevKey.PublicKey, actor: DevKey.actor()}, true
	}
	header := r.Header.Get("Authorization")
	if isBearer(header) {
		if a, ok := s.oauth.bearer(header, s.logicalNow()); ok {
			return caller{id: a.ClientID, actor: a.actor()}, true
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="MMS Public API", error="invalid_token"`)
		writeError(w, r, sim.Errorf(401, "UNAUTHORIZED", "the access token is not valid: it is unknown, expired or revoked; request a new one with POST %s", tokenPath))
		return caller{}, false
	}
	key, ok, stale := s.digest.verify(r.Method, requestURI(r), header)
	if !ok {
		s.digest.challenge(w.Header(), stale)
		writeError(w, r, sim.Errorf(401, "UNAUTHORIZED", "you are not authorized for this resource: use HTTP digest authentication with an API key, or a service account's access token (Authorization: Bearer)"))
		return caller{}, false
	}
	return caller{id: key.PublicKey, actor: key.actor()}, true
}

// requestURI is the request-target the client sent and signed: under a
// world prefix, the prefix included.
func requestURI(r *http.Request) string {
	if r.RequestURI == "" {
		return prefixOf(r) + r.URL.RequestURI()
	}
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.IsAbs() { // absolute-form
		return u.RequestURI()
	}
	return r.RequestURI
}

// nowAndOrg are the world's logical time and its organization (what the
// rate limits read), under one take of the lock.
func (s *Server) nowAndOrg() (int64, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.logicalNowLocked(), s.m.State().Org.ID
}

// clientSeconds turns logical seconds into the seconds a client waits:
// real seconds when logical time runs faster than real time.
func (s *Server) clientSeconds(logical int64) int64 {
	if s.clock.scale <= 1 {
		return logical
	}
	return max(1, int64(math.Ceil(float64(logical)/s.clock.scale)))
}

// call is a matched request on its way to a command.
type call struct {
	route   *route
	params  map[string]string
	body    []byte
	actor   *sim.Actor
	version string // the resource version answered ("" for v1.0)
	query   url.Values
}

// step applies a command to the world; an accepted change is persisted
// before the answer goes out. A read, and a write to one project while
// such writes mostly hold (contention), is prepared with the world's lock
// shared, so that requests to different projects are judged at the same
// time, and committed with it alone: a step that read what another changed
// meanwhile runs again then (sim.Machine.Commit). A read is answered from
// the world it was prepared on, and takes the lock alone only to note a
// refusal. Every other step runs with the lock alone.
func (s *Server) step(cmd sim.Command) (sim.Result, *sim.Error) {
	spec, _ := sim.Spec(cmd.Op)
	if !spec.Read && !s.contention.optimistic(cmd) {
		return s.stepAlone(cmd)
	}
	s.mu.RLock()
	if s.behind() { // the clock first, alone
		s.mu.RUnlock()
		s.mu.Lock()
		s.catchUp()
		s.mu.Unlock()
		s.mu.RLock()
	}
	p := s.m.Prepare(cmd)
	s.mu.RUnlock()
	if res, read := p.Answer(); read && res.Err == nil && len(res.Effects) == 0 && len(res.Warnings) == 0 {
		return res, nil // nothing to note: the journal and the console see reads only when refused
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.begin()
	s.catchUp()
	reruns := s.m.Reruns()
	res := s.m.Commit(p)
	if !spec.Read {
		s.contention.note(s.m.Reruns() != reruns)
	}
	s.record(cmd, res)
	if err := s.commit(tx); err != nil {
		return sim.Result{}, err
	}
	return res, nil
}

// stepAlone applies a command with the world's lock held alone throughout.
func (s *Server) stepAlone(cmd sim.Command) (sim.Result, *sim.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.begin()
	s.catchUp()
	res := s.m.Step(cmd)
	s.record(cmd, res)
	if err := s.commit(tx); err != nil {
		return sim.Result{}, err
	}
	return res, nil
}

// contention decides which writes are prepared beside others: those to one
// project (a clock move, a change to the Azure side or to the list of
// projects holds beside nothing), while most prepared writes hold. When the
// world changes under them (clients moving the clock between their writes:
// every move makes the steps prepared meanwhile run again), preparing costs
// twice: writes then run alone, and one in probeEvery is prepared to notice
// when they hold again.
type contention struct {
	mu    sync.Mutex
	score int // rises by 2 with every prepared write run again, falls by 1 with every one that held
	n     int
	alone bool // every write alone (the tests' baseline)
}

const (
	contended  = 8  // the score from which writes run alone
	probeEvery = 16 // while they do, one in probeEvery is prepared
)

func (c *contention) optimistic(cmd sim.Command) bool {
	switch {
	case c.alone, cmd.GroupID == "", cmd.Op == sim.DeleteProject, cmd.Op == sim.Advance:
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.score < contended || c.n%probeEvery == 0
}

func (c *contention) note(rerun bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rerun {
		c.score = min(c.score+2, 2*contended)
	} else {
		c.score = max(c.score-1, 0)
	}
}

// behind tells whether the world's clock is behind the wall clock's
// logical time. The caller holds s.mu.
func (s *Server) behind() bool {
	return s.clock.scale > 0 && s.clock.target(s.opt.Now()) > s.m.State().Now
}

// snapshot is the server's world before a change, to put back when the
// change cannot be saved.
type snapshot struct {
	state    *sim.State
	journal  journal
	clock    wallClock
	refusals refusalLog
	// quiet: the console is told only of effects and refusals, not of the
	// clock alone moving (its page runs the clock itself between events).
	quiet bool
}

// begin remembers the world before a change: what it was, to tell the
// console whether it changed and to put back when the change cannot be
// saved. The caller holds s.mu.
func (s *Server) begin() snapshot {
	return snapshot{state: s.m.State(), journal: s.journal.snapshot(), refusals: s.refusals, clock: s.clock}
}

// changed tells whether the world, its journal or its refusals moved since
// tx began.
func (s *Server) changed(tx snapshot) bool {
	return !tx.quiet && s.m.State() != tx.state || s.journal.total() != tx.journal.total() || s.refusals.total != tx.refusals.total
}

// commit saves the world when it changed since tx began (API.md: a request
// that fails never changes state): when the state file cannot be written,
// the world, the effects journal and the clock are put back as they were,
// the reason is logged, and the request answers 500. The caller holds s.mu.
func (s *Server) commit(tx snapshot) *sim.Error {
	if s.changed(tx) {
		defer s.watchers.notify() // the console's live page (console.go)
	}
	if s.opt.StatePath == "" || s.m.State() == tx.state {
		return nil
	}
	if err := s.store.save(s.m.State()); err != nil {
		// The world before, whose answers the policies give again (the
		// rare path pays for the inspection, so that no change pays for a
		// copy of the Machine).
		m, merr := sim.NewMachine(tx.state, s.checker)
		if merr != nil {
			s.logf("the state file %s could not be written (%v), and the world before could not be restored (%v): the world holds the change", s.opt.StatePath, err, merr)
			return sim.Errorf(500, "STATE_NOT_SAVED", "the state file could not be written; see the server's log")
		}
		s.m, s.journal, s.clock, s.refusals = m, tx.journal, tx.clock, tx.refusals
		s.logf("the state file %s could not be written (%v): the request changed nothing", s.opt.StatePath, err)
		return sim.Errorf(500, "STATE_NOT_SAVED", "the state file could not be written, so the request changed nothing; see the server's log")
	}
	return nil
}

// logf writes one line to the server's log, if it has one.
func (s *Server) logf(format string, args ...any) {
	if s.opt.Log != nil {
		fmt.Fprintf(s.opt.Log, "earsim serve: "+format+"\n", args...)
	}
}

func (s *Server) record(cmd sim.Command, res sim.Result) {
	if res.Err != nil {
		s.refusals.add(Refusal{After: s.journal.total(), At: s.m.State().Now, Op: cmd.Op, GroupID: cmd.GroupID, Error: *res.Err})
	}
	s.journalEffects(cmd.Op, res)
}

// journalEffects journals a step's warnings and effects (the clock's own
// steps come here directly: they are not requests anyone could see refused).
func (s *Server) journalEffects(op sim.Op, res sim.Result) {
	for i := range res.Warnings {
		s.journal.add(Entry{Op: op, Forecast: &res.Warnings[i]})
	}
	for i := range res.Effects {
		s.journal.add(Entry{Op: op, Effect: &res.Effects[i]})
	}
}

// answer writes a successful result.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, c *call, version string, page pageSpec, res sim.Result) {
	rt := c.route
	status := res.Status
	if rt.status != 0 {
		status = rt.status
	}
	if rt.op != "" {
		status = s.faults.status(rt.op, status)
	}
	if status == http.StatusNoContent || res.Body == nil && rt.fixed == nil && rt.versions != nil && !rt.list {
		if status != http.StatusNoContent { // an accepted request with no body (DELETE cluster: 202)
			w.Header().Set("Content-Type", "application/vnd.atlas."+version+"+json")
		}
		w.WriteHeader(status)
		return
	}
	out := res.Body
	if rt.fixed != nil {
		out = rt.fixed(c, res)
	} else if v := wire(out, version); v != nil {
		out = v
	}
	if !rt.list && rt.versions != nil && !s.faults.rewrites() {
		writeJSON(w, r, "application/vnd.atlas."+version+"+json", status, out)
		return
	}
	body, err := toJSON(out)
	if err != nil {
		writeError(w, r, sim.Errorf(500, "UNEXPECTED_ERROR", "internal error"))
		return
	}
	body = s.faults.body(rt.op, body)
	if rt.list {
		body = page.apply(r, body)
	}
	if rt.versions == nil { // the legacy v1.0 shape carries groupId
		if m, ok := body.(map[string]any); ok {
			m["groupId"] = c.params["groupId"]
		}
		writeJSON(w, r, "application/json", status, body)
		return
	}
	writeJSON(w, r, "application/vnd.atlas."+version+"+json", status, body)
}

func toJSON(v any) (any, error) {
	if v == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// writeJSON writes a body, honouring envelope and pretty. A 401 is never
// enveloped: digest clients must see the challenge's status.
func writeJSON(w http.ResponseWriter, r *http.Request, contentType string, status int, body any) {
	q := r.URL.Query()
	if q.Get("envelope") == "true" && status != http.StatusUnauthorized {
		body = map[string]any{"status": status, "content": body}
		status = http.StatusOK
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if q.Get("pretty") == "true" {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(body); err != nil {
		status = 500
		buf.Reset()
		buf.WriteString(`{"detail":"internal error","error":500,"errorCode":"UNEXPECTED_ERROR","parameters":[],"reason":"Internal Server Error"}` + "\n")
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeError writes an Atlas error document.
func writeError(w http.ResponseWriter, r *http.Request, e *sim.Error) {
	params := make([]any, len(e.Parameters))
	for i, p := range e.Parameters {
		params[i] = p
	}
	writeAtlasError(w, r, e.Status, e.Code, e.Detail, params)
}

// writeAtlasError writes Atlas's error shape; parameters may hold numbers
// (a rate limit's), where a sim.Error's are strings.
func writeAtlasError(w http.ResponseWriter, r *http.Request, status int, code, detail string, params []any) {
	if params == nil {
		params = []any{}
	}
	doc := map[string]any{
		"detail": detail, "error": status, "errorCode": code,
		"parameters": params, "reason": http.StatusText(status),
	}
	writeJSON(w, r, "application/json", status, doc)
}

var mediaType = regexp.MustCompile(`^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$`)

// negotiate resolves an Accept header to the newest supported version on or
// before the requested date (RULES.md section 4).
func negotiate(accept string, versions []string) (string, *sim.Error) {
	var requested string
	for _, part := range strings.Split(accept, ",") {
		mt := strings.TrimSpace(strings.Split(part, ";")[0])
		if m := mediaType.FindStringSubmatch(mt); m != nil {
			requested = m[1]
			break
		}
	}
	bad := func(why string) *sim.Error {
		return sim.Errorf(406, "INVALID_VERSION_DATE", "%s; send Accept: application/vnd.atlas.%s+json", why, versions[len(versions)-1])
	}
	if requested == "" {
		return "", bad("the Accept header names no API version")
	}
	if _, err := time.Parse("2006-01-02", requested); err != nil {
		return "", bad(fmt.Sprintf("%q is not a date", requested))
	}
	best := ""
	for _, v := range versions {
		if v <= requested && v > best {
			best = v
		}
	}
	if best == "" {
		return "", bad(fmt.Sprintf("no version of this resource on or before %s", requested))
	}
	return best, nil
}

// pageSpec is a list request's pagination.
type pageSpec struct {
	includeCount bool
	itemsPerPage int
	pageNum      int
}

func pagination(r *http.Request, list bool) (pageSpec, *sim.Error) {
	p := pageSpec{includeCount: true, itemsPerPage: 100, pageNum: 1}
	if !list {
		return p, nil
	}
	q := r.URL.Query()
	num := func(name string, min, max int, dst *int) *sim.Error {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			e := sim.Errorf(400, "INVALID_QUERY_PARAMETER", "%s must be a whole number from %d to %d, got %q", name, min, max, v)
			e.Parameters = []string{name}
			return e
		}
		*dst = n
		return nil
	}
	if err := num("itemsPerPage", 1, 500, &p.itemsPerPage); err != nil {
		return p, err
	}
	if err := num("pageNum", 1, 1<<30, &p.pageNum); err != nil {
		return p, err
	}
	switch v := q.Get("includeCount"); v {
	case "", "true":
	case "false":
		p.includeCount = false
	default:
		e := sim.Errorf(400, "INVALID_QUERY_PARAMETER", "includeCount must be true or false, got %q", v)
		e.Parameters = []string{"includeCount"}
		return p, e
	}
	return p, nil
}

// apply cuts a list answer ({"results", "totalCount"}) to one page and adds links.
func (p pageSpec) apply(r *http.Request, body any) any {
	m, _ := body.(map[string]any)
	results, _ := m["results"].([]any)
	total := len(results)
	start := min((p.pageNum-1)*p.itemsPerPage, total)
	end := min(start+p.itemsPerPage, total)
	out := map[string]any{"results": slices.Clone(results[start:end])}
	if out["results"] == nil {
		out["results"] = []any{}
	}
	origin := "http://" + r.Host
	if r.TLS != nil {
		origin = "https://" + r.Host
	}
	self := origin + prefixOf(r) + r.URL.RequestURI()
	links := []any{map[string]any{"href": self, "rel": "self"}}
	page := func(n int) string {
		q := r.URL.Query()
		q.Set("pageNum", strconv.Itoa(n))
		q.Set("itemsPerPage", strconv.Itoa(p.itemsPerPage))
		return origin + prefixOf(r) + r.URL.Path + "?" + q.Encode()
	}
	if p.pageNum > 1 {
		links = append(links, map[string]any{"href": page(p.pageNum - 1), "rel": "previous"})
	}
	if end < total {
		links = append(links, map[string]any{"href": page(p.pageNum + 1), "rel": "next"})
	}
	out["links"] = links
	if p.includeCount {
		out["totalCount"] = total
	}
	return out
}

// isLoopback reports whether a request comes from this machine.
func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
