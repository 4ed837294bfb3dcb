package atlasapi

import (
	"crypto/subtle"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/earsim/earsim/sim"
)

// The console (issue 14): a page at /console/ that shows the world and acts
// on it as the Atlas UI's "Private Endpoints for Azure Key Vault" page and
// the Azure portal's private endpoint connection blade do. Its files are
// embedded; everything it shows comes from control routes
// (/_sim/v1/console/world, the live stream /_sim/v1/console/events, and
// the other control routes for its buttons), so it answers where they do:
// loopback, or, when a control token is set, any client that has it (given
// to the page as #token=..., a fragment no request carries; the page's own
// files hold no data and need no token).

//go:embed console
var consoleFiles embed.FS

// consoleAssets are the console's files, by name under /console/.
var consoleAssets = func() map[string][]byte {
	out := map[string][]byte{}
	fs.WalkDir(consoleFiles, "console", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := consoleFiles.ReadFile(p)
			out[strings.TrimPrefix(p, "console/")] = b
		}
		return nil
	})
	return out
}()

var consoleTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
}

// consolePolicy keeps the page to its own files: no inline script, nothing
// fetched from elsewhere, not framed by another site.
const consolePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// serveConsole answers the console's pages and files, and / from a browser
// (which goes to /console/); it reports false for every other path.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	switch {
	case p == "/" && strings.Contains(r.Header.Get("Accept"), "text/html"):
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, prefixOf(r)+"/console/", http.StatusFound)
			return true
		}
		return false
	case p == "/console":
		http.Redirect(w, r, prefixOf(r)+"/console/", http.StatusMovedPermanently)
		return true
	case !strings.HasPrefix(p, "/console/"):
		return false
	}
	if s.opt.ControlToken == "" && !isLoopback(r) { // as the control routes it reads from
		writeError(w, r, sim.Errorf(403, "CONTROL_ROUTES_LOOPBACK_ONLY", "the console answers loopback clients only unless a control token is set"))
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, sim.Errorf(405, "METHOD_NOT_ALLOWED", "%s is not allowed on %s", r.Method, p))
		return true
	}
	name := strings.TrimPrefix(p, "/console/")
	if name == "" {
		name = "index.html"
	}
	body, ok := consoleAssets[name]
	if !ok {
		writeError(w, r, sim.Errorf(404, "RESOURCE_NOT_FOUND", "the console has no file %s", name))
		return true
	}
	h := w.Header()
	h.Set("Content-Type", consoleTypes[path.Ext(name)])
	h.Set("Content-Security-Policy", consolePolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
	return true
}

// controlAllowed is the control routes' door: the control token when one
// is set, else a loopback client. It writes the refusal.
func (s *Server) controlAllowed(w http.ResponseWriter, r *http.Request) bool {
	if s.opt.ControlToken != "" {
		if !s.tokenOK(r) {
			writeError(w, r, sim.Errorf(401, "UNAUTHORIZED", "control routes need Authorization: Bearer TOKEN"))
			return false
		}
		return true
	}
	if !isLoopback(r) {
		writeError(w, r, sim.Errorf(403, "CONTROL_ROUTES_LOOPBACK_ONLY", "control routes answer loopback clients only unless a control token is set"))
		return false
	}
	return true
}

// tokenOK reports whether a request carries the control token (when there
// is one).
func (s *Server) tokenOK(r *http.Request) bool {
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	return s.opt.ControlToken != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.opt.ControlToken)) == 1
}

// Refusal is a request the model refused, kept for the console's timeline.
type Refusal struct {
	After   int       `json:"after"` // effects journalled before it (orders the timeline)
	At      int64     `json:"-"`
	Op      sim.Op    `json:"op"`
	GroupID string    `json:"groupId,omitempty"`
	Error   sim.Error `json:"error"`
}

// refusalLog holds the latest refusals; total counts every one since the
// server started (it tells the console something happened).
type refusalLog struct {
	total int
	items []Refusal
}

// maxRefusals is how many refusals the console's timeline keeps.
const maxRefusals = 200

func (l *refusalLog) add(r Refusal) {
	l.total++
	if len(l.items) >= maxRefusals {
		l.items = l.items[1:]
	}
	l.items = append(l.items, r)
}

// cleared is the log after a reset or an import: empty, its count kept.
func (l refusalLog) cleared() refusalLog { return refusalLog{total: l.total} }

// watchers wakes the console's live pages when the world changes.
type watchers struct {
	mu     sync.Mutex
	ch     chan struct{} // closed at the next change
	closed bool          // the server is stopping: streams end
}

// wait returns a channel closed at the next change (or when the server
// stops).
func (w *watchers) wait() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.ch = make(chan struct{})
		if w.closed {
			close(w.ch)
		}
	}
	return w.ch
}

func (w *watchers) notify() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}

// stop ends every live stream, for a graceful shutdown (which waits for
// handlers that would otherwise never return).
func (w *watchers) stop() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.notify()
}

func (w *watchers) stopping() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// ctlEvents is the console's live stream (server-sent events): an event
// "world" at once and at every change, the clock's own moves included
// (checked each second when the clock runs by itself), and a comment every
// 15 s to keep the connection alive. The page then reads the world once
// per event: no polling.
func (s *Server) ctlEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream outlives the write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	alive := time.NewTicker(15 * time.Second)
	defer alive.Stop()
	seq := 0
	send := func() bool {
		seq++
		if _, err := fmt.Fprintf(w, "event: world\nid: %d\ndata: %d\n\n", seq, seq); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	for {
		next := s.watchers.wait()
		if s.watchers.stopping() || !send() {
			return
		}
		for wake := false; !wake; {
			select {
			case <-r.Context().Done():
				return
			case <-next:
				wake = true
			case <-tick.C:
				if s.opt.TimeScale > 0 { // fixed at start (s.clock is s.mu's)
					s.tick() // notifies when timers fired
				}
			case <-alive.C:
				if _, err := fmt.Fprint(w, ": alive\n\n"); err != nil || rc.Flush() != nil {
					return
				}
			}
		}
	}
}

// tick brings the world to the wall clock's time (what any request does
// first), so that a page watching sees timers fire when they are due.
func (s *Server) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Timers that fire journal their effects: those wake the page. A failed
	// save is logged and put back; the next tick retries.
	s.caughtUp(true)
}

// caughtUp brings the world to the wall clock's time and saves it; quiet
// wakes the console only for effects, not for the clock alone. The caller
// holds s.mu.
func (s *Server) caughtUp(quiet bool) *sim.Error {
	tx := s.begin()
	tx.quiet = quiet
	s.catchUp()
	return s.commit(tx)
}

// RuleInfo is what the console says of a rule: its title and the sentence
// of the seed document it comes from (policies.Engine.Catalog gives them).
type RuleInfo struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Severity string `json:"severity,omitempty"`
	Source   string `json:"source,omitempty"`
}

// consoleWorld is the world as the console shows it: no secret, no digest,
// no key of the world's digests.
type consoleWorld struct {
	Now       string              `json:"now"`
	TimeScale float64             `json:"timeScale"`
	Projects  []consoleProject    `json:"projects"`
	Azure     consoleAzure        `json:"azure"`
	Timeline  []consoleEvent      `json:"timeline"`
	Rules     map[string]RuleInfo `json:"rules"`
}

type consoleProject struct {
	ID         string                `json:"id"`
	Name       string                `json:"name"`
	State      string                `json:"state"`
	Encryption sim.AzureKeyVaultView `json:"encryption"`
	// KeyInUse is the Azure key version the enabled configuration names, as
	// the model finds it (Azure.Key: vault names in any case), or "".
	KeyInUse   string             `json:"keyInUse"`
	Endpoints  []sim.EndpointView `json:"endpoints"`
	Clusters   []consoleCluster   `json:"clusters"`
	Conditions []sim.Condition    `json:"conditions"`
}

type consoleCluster struct {
	Name                     string   `json:"name"`
	Tier                     string   `json:"tier"`
	Regions                  []string `json:"regions"`
	EncryptionAtRestProvider string   `json:"encryptionAtRestProvider"`           // as Atlas answers it; the page shows it as it is
	RequirePrivateNetworking string   `json:"requirePrivateNetworking,omitempty"` // ACTIVE or INACTIVE (EAR-CL-02)
	StateName                string   `json:"stateName"`
	Paused                   bool     `json:"paused"`
	PauseReason              string   `json:"pauseReason,omitempty"`
}

type consoleAzure struct {
	Vaults        []consoleVault     `json:"vaults"`
	Keys          []sim.Key          `json:"keys"`
	Subscriptions []sim.Subscription `json:"subscriptions"`
}

type consoleVault struct {
	Name              string              `json:"name"`
	SubscriptionID    string              `json:"subscriptionID"`
	ResourceGroupName string              `json:"resourceGroupName"`
	Connections       []consoleConnection `json:"connections"`
}

// consoleConnection is a private endpoint connection as the vault's
// networking blade in the Azure portal lists it.
type consoleConnection struct {
	Name       string `json:"name"`
	State      string `json:"state"` // PENDING, APPROVED, REJECTED, REMOVED
	GroupID    string `json:"groupId"`
	EndpointID string `json:"endpointId"`
	RegionName string `json:"regionName"`
	Status     string `json:"status"` // the Atlas side's
}

// consoleEvent is one line of the timeline: an effect, a warning or a
// refusal, in the order they happened.
type consoleEvent struct {
	Kind      string            `json:"kind"` // effect, warning, refusal
	At        string            `json:"at,omitempty"`
	Op        sim.Op            `json:"op,omitempty"`
	Rule      string            `json:"rule,omitempty"`
	What      string            `json:"what"`
	Msg       string            `json:"msg,omitempty"`
	GroupID   string            `json:"groupId,omitempty"`
	Target    map[string]string `json:"target,omitempty"`
	Status    int               `json:"status,omitempty"`
	ErrorCode string            `json:"errorCode,omitempty"`
}

// maxTimeline bounds the timeline the console is sent.
const maxTimeline = 200

func (s *Server) ctlConsoleWorld(*controlCall) (int, any, *sim.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.caughtUp(false); err != nil {
		return 0, nil, err
	}
	st := s.m.State()
	out := consoleWorld{Now: sim.Timestamp(st.Now), TimeScale: s.clock.scale, Projects: []consoleProject{}, Rules: map[string]RuleInfo{}}
	for _, r := range s.opt.Rules {
		out.Rules[r.ID] = r
	}
	vaults := map[*sim.Vault]*consoleVault{} // the vault a project names, as the model finds it (Azure.Vault)
	out.Azure.Vaults = make([]consoleVault, len(st.Azure.Vaults))
	for i := range st.Azure.Vaults {
		v := &st.Azure.Vaults[i]
		out.Azure.Vaults[i] = consoleVault{Name: v.Name, SubscriptionID: v.SubscriptionID, ResourceGroupName: v.ResourceGroupName, Connections: []consoleConnection{}}
		vaults[v] = &out.Azure.Vaults[i]
	}
	for _, p := range st.Projects.All() {
		rep := s.m.Report(p.ID)
		cp := consoleProject{ID: p.ID, Name: p.Name, State: p.State, Encryption: p.Encryption.View(rep.Valid).AzureKeyVault,
			Endpoints: []sim.EndpointView{}, Clusters: []consoleCluster{}, Conditions: rep.Conditions}
		if cp.Conditions == nil {
			cp.Conditions = []sim.Condition{}
		}
		if k := st.Azure.Key(p.Encryption.KeyIdentifier); k != nil && p.Encryption.Enabled {
			cp.KeyInUse = k.Identifier
		}
		vault := vaults[st.Azure.Vault(p.Encryption.KeyVaultName)]
		for j := range p.Endpoints {
			ep := &p.Endpoints[j]
			cp.Endpoints = append(cp.Endpoints, ep.View())
			if vault != nil && ep.ConnectionName != "" {
				vault.Connections = append(vault.Connections, consoleConnection{Name: ep.ConnectionName, State: ep.Connection, GroupID: p.ID,
					EndpointID: ep.ID, RegionName: ep.RegionName, Status: ep.Status})
			}
		}
		for j := range p.Clusters {
			c := &p.Clusters[j]
			cc := consoleCluster{Name: c.Name, EncryptionAtRestProvider: c.EncryptionAtRestProvider, RequirePrivateNetworking: rep.Clusters[c.Name],
				StateName: c.StateName, Paused: c.Paused, PauseReason: c.PauseReason, Regions: []string{}}
			for _, spec := range c.ReplicationSpecs {
				for _, rc := range spec.RegionConfigs {
					cc.Regions = append(cc.Regions, rc.ProviderName+" "+rc.RegionName)
					if rc.ElectableSpecs != nil && cc.Tier == "" {
						cc.Tier = rc.ElectableSpecs.InstanceSize
					}
				}
			}
			cp.Clusters = append(cp.Clusters, cc)
		}
		out.Projects = append(out.Projects, cp)
	}
	out.Azure.Keys = append([]sim.Key{}, st.Azure.Keys...) // [] rather than null for the page
	out.Azure.Subscriptions = append([]sim.Subscription{}, st.Azure.Subscriptions...)
	out.Timeline = s.timeline()
	return 200, out, nil
}

// timeline merges the journal and the refusals in the order they happened,
// the latest maxTimeline of them. The caller holds s.mu.
func (s *Server) timeline() []consoleEvent {
	out := []consoleEvent{}
	// Only the journal's last maxTimeline entries can be shown: the page
	// reads the world at every change, and the journal keeps every entry
	// since the last reset, so walking all of it grew with the mock's age.
	start := max(s.journal.dropped, s.journal.total()-maxTimeline)
	refusals := s.refusals.items
	k := 0
	for k < len(refusals) && refusals[k].After < start {
		k++
	}
	flush := func(upTo int) {
		for ; k < len(refusals) && refusals[k].After <= upTo; k++ {
			r := refusals[k]
			out = append(out, consoleEvent{Kind: "refusal", At: sim.Timestamp(r.At), Op: r.Op, Rule: r.Error.Rule, What: r.Error.Code,
				Msg: r.Error.Detail, GroupID: r.GroupID, Status: r.Error.Status, ErrorCode: r.Error.Code})
		}
	}
	for i := start; i < s.journal.total(); i++ {
		e := s.journal.at(i)
		flush(i)
		switch {
		case e.Effect != nil:
			out = append(out, consoleEvent{Kind: "effect", At: sim.Timestamp(e.Effect.At), Op: e.Op, Rule: e.Effect.Rule, What: e.Effect.Kind,
				Msg: e.Effect.Msg, GroupID: e.Effect.GroupID, Target: e.Effect.Target})
		case e.Forecast != nil:
			f := e.Forecast
			out = append(out, consoleEvent{Kind: "warning", Op: e.Op, Rule: f.Rule, What: f.Effect, Msg: f.Msg, Target: f.Target})
		}
	}
	flush(s.journal.total())
	if len(out) > maxTimeline {
		out = out[len(out)-maxTimeline:]
	}
	return out
}

// ctlConsoleDelete is the console's Delete button on an endpoint: the
// Atlas DELETE as the owner of the development key would send it, through
// the same model and policies (EAR-PE-05, EAR-PE-06).
func (s *Server) ctlConsoleDelete(c *controlCall) (int, any, *sim.Error) {
	cmd := sim.Command{Op: sim.DeletePrivateEndpoint, GroupID: c.params["groupId"], EndpointID: c.params["endpointId"], Actor: DevKey.actor()}
	res, err := s.step(cmd)
	if err != nil {
		return 0, nil, err
	}
	if res.Err != nil {
		return 0, nil, res.Err
	}
	return 200, map[string]any{"status": res.Status}, nil
}
