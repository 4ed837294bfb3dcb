package atlasapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/earsim/earsim/sim"
)

// Worlds (API.md "Worlds: one serve for many runs"): every route is also
// served under /w/{world}/, each world a Server of its own (its world, its
// clock, its tokens, its buckets, its lock), so that requests in different
// worlds never wait for each other. The root paths are the world
// "default". A world named in a path is made on first use, from the
// server's seed; POST /_sim/v1/worlds makes one with a seed of its own.
// With a state directory each world lives in a file of its own there,
// written as the single-world state file is; --world-idle drops a world no
// request has touched for that long (it comes back from its file on its
// next request), and --max-worlds bounds how many are held at once.
// Nothing is shared between worlds, so N serves behind a router that routes
// on the prefix scale out.

// DefaultWorld is the world of the root paths.
const DefaultWorld = "default"

var worldName = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// HubOptions configure a Hub: every world's Options (Seed is the seed of
// worlds made on first use), and how worlds are kept.
type HubOptions struct {
	Options
	// StateDir, when set, keeps each world in StateDir/{world}.json.
	// (Options.StatePath, when set instead, keeps the default world alone
	// in that file; other worlds are then in memory only.)
	StateDir string
	// MaxWorlds bounds the worlds held in memory (0: no bound).
	MaxWorlds int
	// WorldIdle, when set, drops a world that no request has touched for
	// this long (saved first when there is a state directory).
	WorldIdle time.Duration
}

// Hub is the handler of earsim serve: the worlds, and the routes that list,
// make and end them.
type Hub struct {
	opt   HubOptions
	hosts *hostGuard // one for every world: the names this server answers to
	trace *tracer    // one for every world, so that lines never interleave
	// entraKey signs Entra ID tokens in every world (Server.entraKey):
	// made at start, so tokens do not outlive the process.
	entraKey []byte

	mu     sync.Mutex
	worlds map[string]*hubWorld
	swept  time.Time
}

type hubWorld struct {
	srv      *Server
	seed     uint64
	last     time.Time
	inFlight int
}

// NewHub returns a Hub holding the default world.
func NewHub(opt HubOptions) (*Hub, error) {
	if opt.MaxWorlds < 0 || opt.WorldIdle < 0 {
		return nil, errors.New("atlasapi: MaxWorlds and WorldIdle must not be negative")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.StateDir != "" {
		if err := os.MkdirAll(opt.StateDir, 0o700); err != nil {
			return nil, err
		}
	}
	h := &Hub{opt: opt, worlds: map[string]*hubWorld{}, hosts: newHostGuard(opt.AllowedHosts), entraKey: make([]byte, 32)}
	rand.Read(h.entraKey)
	if opt.Trace != nil {
		h.trace = &tracer{w: opt.Trace}
	}
	if _, err := h.open(DefaultWorld, opt.Seed, false); err != nil {
		return nil, err
	}
	return h, nil
}

// Default returns the default world's server.
func (h *Hub) Default() *Server {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.worlds[DefaultWorld].srv
}

// statePath is where a world is kept, or "".
func (h *Hub) statePath(name string) string {
	switch {
	case h.opt.StateDir != "":
		return filepath.Join(h.opt.StateDir, name+".json")
	case name == DefaultWorld:
		return h.opt.StatePath
	}
	return ""
}

// open makes (or loads) a world and holds it. The caller does not hold h.mu.
func (h *Hub) open(name string, seed uint64, fresh bool) (*hubWorld, error) {
	opt := h.opt.Options
	opt.Seed, opt.StatePath, opt.World = seed, h.statePath(name), name
	if fresh && opt.StatePath != "" {
		removeWorldFiles(opt.StatePath)
	}
	existed := opt.StatePath != "" && fileExists(opt.StatePath)
	srv, err := New(opt)
	if err != nil {
		return nil, err
	}
	srv.hosts, srv.trace, srv.hubEntraKey = h.hosts, h.trace, h.entraKey
	w := &hubWorld{srv: srv, seed: seed, last: h.opt.Now()}
	h.mu.Lock()
	defer h.mu.Unlock()
	if old := h.worlds[name]; old != nil && !fresh { // made meanwhile by another request
		return old, nil
	}
	if _, held := h.worlds[name]; !held && name != DefaultWorld && h.opt.MaxWorlds > 0 && len(h.worlds) >= h.opt.MaxWorlds {
		w.srv.watchers.stop()
		if opt.StatePath != "" && !existed {
			removeWorldFiles(opt.StatePath) // New wrote the fresh world: it was never made
		}
		return nil, errTooManyWorlds // others were made meanwhile: the bound holds under the lock
	}
	h.worlds[name] = w
	return w, nil
}

var errTooManyWorlds = errors.New("too many worlds")

// acquire finds or makes the world a request names, and counts the
// request in flight there until release. A world is made on first use
// only for a loopback client or one with the control token (the door of
// the control routes, which make worlds too): elsewhere any request could
// make worlds without end; and never for another web origin, whatever the
// method (a page's <img> of a world's path would make it).
func (h *Hub) acquire(name string, r *http.Request) (*hubWorld, *sim.Error) {
	h.sweep()
	h.mu.Lock()
	w := h.worlds[name]
	if w == nil && !isLoopback(r) && !h.worlds[DefaultWorld].srv.tokenOK(r) {
		if p := h.statePath(name); p == "" || !fileExists(p) {
			h.mu.Unlock()
			e := sim.Errorf(404, "WORLD_NOT_FOUND", "no world named %s: from off this machine, make it first with POST /_sim/v1/worlds and the control token", name)
			e.Parameters = []string{name}
			return nil, e
		}
	}
	if w == nil { // making a world changes state, whatever the method: not for another web origin
		if e := h.hosts.foreign(r, "request that makes world "+name); e != nil {
			h.mu.Unlock()
			return nil, e
		}
	}
	if w == nil && h.opt.MaxWorlds > 0 && len(h.worlds) >= h.opt.MaxWorlds {
		h.mu.Unlock()
		return nil, tooManyWorlds(h.opt.MaxWorlds)
	}
	h.mu.Unlock()
	if w == nil {
		var err error
		if w, err = h.open(name, h.opt.Seed, false); errors.Is(err, errTooManyWorlds) {
			return nil, tooManyWorlds(h.opt.MaxWorlds)
		} else if err != nil {
			h.logf("world %s could not be opened: %v", name, err)
			return nil, sim.Errorf(500, "WORLD_NOT_OPENED", "the world %s could not be opened; see the server's log", name)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	w.inFlight++
	w.last = h.opt.Now()
	return w, nil
}

func (h *Hub) release(w *hubWorld) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.inFlight--
	w.last = h.opt.Now()
}

func tooManyWorlds(n int) *sim.Error {
	e := sim.Errorf(503, "TOO_MANY_WORLDS", "this server holds its limit of %d worlds (--max-worlds): end one with DELETE /_sim/v1/worlds/{world}, or wait for idle ones to be dropped (--world-idle)", n)
	e.Parameters = []string{fmt.Sprint(n)}
	return e
}

// sweep drops the worlds idle for longer than WorldIdle (not the default
// world, not one a request is in), at most once a second.
func (h *Hub) sweep() {
	if h.opt.WorldIdle <= 0 {
		return
	}
	now := h.opt.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.swept) < time.Second {
		return
	}
	h.swept = now
	for name, w := range h.worlds {
		if name != DefaultWorld && w.inFlight == 0 && now.Sub(w.last) > h.opt.WorldIdle {
			w.srv.watchers.stop()
			delete(h.worlds, name) // its file, if any, is up to date: every change was saved
		}
	}
}

// stopWatchers ends every world's console streams (at shutdown).
func (h *Hub) stopWatchers() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.worlds {
		w.srv.watchers.stop()
	}
}

func (h *Hub) logf(format string, args ...any) {
	if h.opt.Log != nil {
		fmt.Fprintf(h.opt.Log, "earsim serve: "+format+"\n", args...)
	}
}

type prefixKey struct{}

// prefixOf is the world prefix ("/w/{world}") a request came under, or "".
func prefixOf(r *http.Request) string {
	p, _ := r.Context().Value(prefixKey{}).(string)
	return p
}

// ServeHTTP routes a request to its world.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The doors first (Host, and Origin for writes): a refused request
	// makes no world.
	if e := h.hosts.guard(r); e != nil {
		writeError(w, r, e)
		return
	}
	name, rest, prefixed := splitWorld(r.URL.Path)
	if prefixed && !worldName.MatchString(name) {
		e := sim.Errorf(400, "INVALID_WORLD_NAME", "a world's name is 1 to 64 of a-z, 0-9 and -, got %q", clip(name))
		e.Parameters = []string{"world"}
		writeError(w, r, e)
		return
	}
	if !prefixed && strings.HasPrefix(strings.TrimSuffix(r.URL.Path, "/"), controlPrefix+"worlds") {
		h.serveWorlds(w, r)
		return
	}
	if !prefixed {
		name = DefaultWorld
	}
	world, err := h.acquire(name, r)
	if err != nil {
		if err.Status == 503 {
			w.Header().Set("Retry-After", "60")
		}
		writeError(w, r, err)
		return
	}
	defer h.release(world)
	if prefixed {
		r2 := r.Clone(context.WithValue(r.Context(), prefixKey{}, "/w/"+name))
		r2.URL.Path, r2.URL.RawPath = rest, ""
		r = r2
	}
	world.srv.ServeHTTP(w, r)
}

// splitWorld splits /w/{world}/rest into the world and /rest.
func splitWorld(p string) (name, rest string, ok bool) {
	after, found := strings.CutPrefix(p, "/w/")
	if !found {
		return "", p, false
	}
	name, rest, _ = strings.Cut(after, "/")
	return name, "/" + rest, true
}

// serveWorlds answers the world routes: POST and GET /_sim/v1/worlds,
// DELETE /_sim/v1/worlds/{world}. They are control routes (loopback or the
// control token), on the default world's door.
func (h *Hub) serveWorlds(w http.ResponseWriter, r *http.Request) {
	if !h.Default().controlAllowed(w, r) {
		return
	}
	body, e := readBody(w, r, MaxBody)
	if e != nil {
		writeError(w, r, e)
		return
	}
	if e := jsonBody(r, body); e != nil {
		writeError(w, r, e)
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	if name, one := strings.CutPrefix(path, controlPrefix+"worlds/"); one {
		if r.Method != http.MethodDelete {
			w.Header().Set("Allow", "DELETE")
			writeError(w, r, sim.Errorf(405, "METHOD_NOT_ALLOWED", "%s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		if e := h.end(name); e != nil {
			writeError(w, r, e)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, r, "application/json", http.StatusOK, h.list())
	case http.MethodPost:
		var in struct {
			Seed *uint64 `json:"seed"`
			Name *string `json:"name"`
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := strict(body, &in); err != nil {
				writeError(w, r, err)
				return
			}
		}
		seed := h.opt.Seed
		if in.Seed != nil {
			seed = *in.Seed
		}
		name := ""
		if in.Name != nil {
			name = *in.Name
		} else {
			var b [6]byte
			rand.Read(b[:])
			name = "w-" + hex.EncodeToString(b[:])
		}
		if e := h.make(name, seed); e != nil {
			writeError(w, r, e)
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		writeJSON(w, r, "application/json", http.StatusCreated, map[string]any{
			"name": name, "seed": seed, "baseURL": scheme + "://" + r.Host + "/w/" + name + "/",
		})
	default:
		w.Header().Set("Allow", "GET, POST")
		writeError(w, r, sim.Errorf(405, "METHOD_NOT_ALLOWED", "%s is not allowed on %s", r.Method, r.URL.Path))
	}
}

// make makes a new world; a name in use is refused (409).
func (h *Hub) make(name string, seed uint64) *sim.Error {
	if !worldName.MatchString(name) {
		e := sim.Errorf(400, "INVALID_WORLD_NAME", "a world's name is 1 to 64 of a-z, 0-9 and -, got %q", clip(name))
		e.Parameters = []string{"name"}
		return e
	}
	h.mu.Lock()
	_, held := h.worlds[name]
	full := h.opt.MaxWorlds > 0 && len(h.worlds) >= h.opt.MaxWorlds
	h.mu.Unlock()
	if p := h.statePath(name); held || name == DefaultWorld || p != "" && fileExists(p) {
		e := sim.Errorf(409, "WORLD_ALREADY_EXISTS", "a world named %s exists: choose another name, or end it first (DELETE /_sim/v1/worlds/%s)", name, name)
		e.Parameters = []string{name}
		return e
	}
	if full {
		return tooManyWorlds(h.opt.MaxWorlds)
	}
	if _, err := h.open(name, seed, true); errors.Is(err, errTooManyWorlds) {
		return tooManyWorlds(h.opt.MaxWorlds)
	} else if err != nil {
		h.logf("world %s could not be made: %v", name, err)
		return sim.Errorf(500, "WORLD_NOT_OPENED", "the world %s could not be made; see the server's log", name)
	}
	return nil
}

// end ends a world and forgets its file.
func (h *Hub) end(name string) *sim.Error {
	if name == DefaultWorld {
		return sim.Errorf(400, "INVALID_WORLD_NAME", "the default world is not ended: reset it with POST /_sim/v1/reset")
	}
	if !worldName.MatchString(name) {
		return sim.Errorf(400, "INVALID_WORLD_NAME", "a world's name is 1 to 64 of a-z, 0-9 and -, got %q", clip(name))
	}
	h.mu.Lock()
	w, held := h.worlds[name]
	delete(h.worlds, name)
	h.mu.Unlock()
	p := h.statePath(name)
	saved := p != "" && fileExists(p)
	if !held && !saved {
		e := sim.Errorf(404, "WORLD_NOT_FOUND", "no world named %s", name)
		e.Parameters = []string{name}
		return e
	}
	if held {
		w.srv.watchers.stop()
	}
	if saved {
		removeWorldFiles(p)
	}
	return nil
}

// list is GET /_sim/v1/worlds: the worlds held, and those saved and
// dropped (idle), by name.
func (h *Hub) list() map[string]any {
	type row struct {
		Name     string `json:"name"`
		Seed     uint64 `json:"seed"`
		Projects int    `json:"projects"`
		Held     bool   `json:"held"`
	}
	h.mu.Lock()
	held := map[string]*hubWorld{}
	for n, w := range h.worlds {
		held[n] = w
	}
	h.mu.Unlock()
	var rows []row
	for n, w := range held {
		w.srv.mu.Lock()
		st := w.srv.m.State()
		rows = append(rows, row{Name: n, Seed: st.Seed, Projects: st.Projects.Len(), Held: true})
		w.srv.mu.Unlock()
	}
	if h.opt.StateDir != "" {
		files, _ := filepath.Glob(filepath.Join(h.opt.StateDir, "*.json"))
		for _, f := range files {
			n := strings.TrimSuffix(filepath.Base(f), ".json")
			if _, ok := held[n]; ok || !worldName.MatchString(n) {
				continue
			}
			r := row{Name: n}
			if st, err := loadState(f); err == nil && st != nil {
				r.Seed, r.Projects = st.Seed, st.Projects.Len()
			}
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.Name, b.Name) })
	if rows == nil {
		rows = []row{}
	}
	return map[string]any{"results": rows, "totalCount": len(rows)}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
