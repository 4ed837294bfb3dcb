package atlasapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/earsim/earsim/sim"
)

type controlCall struct {
	r      *http.Request
	params map[string]string
	body   []byte
}

// control answers the /_sim/v1/ routes.
func (s *Server) control(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.controlAllowed(w, r) {
		return
	}
	rt, params, found := matchControl(r.Method, r.URL.Path)
	if rt == nil {
		if found {
			writeError(w, r, sim.Errorf(405, "METHOD_NOT_ALLOWED", "%s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		writeError(w, r, sim.Errorf(404, "RESOURCE_NOT_FOUND", "no control route at %s", r.URL.Path))
		return
	}
	for name, v := range params {
		if (name == "groupId" || name == "endpointId") && !hexID.MatchString(v) {
			e := sim.Errorf(400, "INVALID_PATH_PARAMETER", "path parameter %s must be 24 hexadecimal digits, got %q", name, v)
			e.Parameters = []string{name}
			writeError(w, r, e)
			return
		}
	}
	if rt.stream != nil {
		rt.stream(s, w, r)
		return
	}
	status, out, err := rt.handle(s, &controlCall{r: r, params: params, body: body})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, "application/json", status, out)
}

// run steps the world with a control command (no actor: outside Atlas).
func (s *Server) run(cmd sim.Command) (int, any, *sim.Error) {
	res, err := s.step(cmd)
	if err != nil {
		return 0, nil, err
	}
	if res.Err != nil {
		return 0, nil, res.Err
	}
	out, jerr := toJSON(res.Body)
	if jerr != nil {
		return 0, nil, sim.Errorf(500, "UNEXPECTED_ERROR", "internal error")
	}
	return 200, out, nil
}

func (s *Server) ctlReset(c *controlCall) (int, any, *sim.Error) {
	var in struct {
		Seed *uint64 `json:"seed"`
	}
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := strict(c.body, &in); err != nil {
			return 0, nil, err
		}
	}
	seed := s.opt.Seed
	if in.Seed != nil {
		seed = *in.Seed
	}
	m, err := sim.NewMachine(s.newWorld(seed), s.checker)
	if err != nil {
		return 0, nil, sim.Errorf(500, "UNEXPECTED_ERROR", "internal error")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.begin()
	s.m, s.journal, s.refusals = m, journal{}, s.refusals.cleared()
	s.clock.rebase(s.m.State().Now, s.opt.Now())
	if err := s.commit(tx); err != nil {
		return 0, nil, err
	}
	return 200, map[string]any{"seed": seed, "now": sim.Timestamp(0)}, nil
}

// clockAnswer is the answer of the clock routes.
type clockAnswer struct {
	Now       string  `json:"now"`
	TimeScale float64 `json:"timeScale"`
}

func (s *Server) clockNow() clockAnswer {
	return clockAnswer{Now: sim.Timestamp(s.m.State().Now), TimeScale: s.clock.scale}
}

func (s *Server) ctlClock(*controlCall) (int, any, *sim.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.caughtUp(false); err != nil {
		return 0, nil, err
	}
	return 200, s.clockNow(), nil
}

func (s *Server) ctlAdvance(c *controlCall) (int, any, *sim.Error) {
	var in struct {
		Seconds *int64 `json:"seconds"`
	}
	if err := strict(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.Seconds == nil {
		return 0, nil, sim.Errorf(400, "MISSING_ATTRIBUTE", "advance needs seconds")
	}
	if *in.Seconds < 0 || *in.Seconds > maxAdvance {
		e := sim.Errorf(400, "INVALID_ATTRIBUTE", "seconds must be a whole number from 0 to %d, got %d", maxAdvance, *in.Seconds)
		e.Parameters = []string{"seconds"}
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.begin()
	s.catchUp()
	s.advanceTo(s.m.State().Now + *in.Seconds)
	s.clock.rebase(s.m.State().Now, s.opt.Now())
	if err := s.commit(tx); err != nil {
		return 0, nil, err
	}
	return 200, s.clockNow(), nil
}

// maxAdvance bounds one move of the clock: ten years.
const maxAdvance = 10 * 365 * 24 * 3600

func (s *Server) ctlExport(*controlCall) (int, any, *sim.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catchUp()
	return 200, stateFile{Format: stateFormat, State: s.m.State().Clone()}, nil
}

func (s *Server) ctlImport(c *controlCall) (int, any, *sim.Error) {
	st, err := decodeState("request body", c.body)
	if err != nil {
		return 0, nil, sim.Errorf(400, "INVALID_STATE", "%v", err)
	}
	m, merr := openWorld(st, s.checker)
	if merr != nil {
		return 0, nil, sim.Errorf(400, "INVALID_STATE", "%v", merr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.begin()
	s.m, s.journal, s.refusals = m, journal{}, s.refusals.cleared()
	s.clock.rebase(s.m.State().Now, s.opt.Now())
	if err := s.commit(tx); err != nil {
		return 0, nil, err
	}
	return 200, map[string]any{"imported": true}, nil
}

func (s *Server) ctlConnection(c *controlCall) (int, any, *sim.Error) {
	verb := c.r.URL.Path[strings.LastIndex(c.r.URL.Path, "/")+1:]
	op := map[string]sim.Op{"approve": sim.ApproveConnection, "reject": sim.RejectConnection, "remove": sim.RemoveConnection}[verb]
	return s.run(sim.Command{Op: op, GroupID: c.params["groupId"], EndpointID: c.params["endpointId"]})
}

func (s *Server) ctlProjectState(c *controlCall) (int, any, *sim.Error) {
	var in struct {
		State string `json:"state"`
	}
	if err := strict(c.body, &in); err != nil {
		return 0, nil, err
	}
	return s.run(sim.Command{Op: sim.SetProjectState, GroupID: c.params["groupId"], State: in.State})
}

func (s *Server) ctlKeyAccess(c *controlCall) (int, any, *sim.Error) {
	var in struct {
		GroupID string `json:"groupId"`
		Granted *bool  `json:"granted"`
	}
	if err := strict(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.Granted == nil || !hexID.MatchString(in.GroupID) {
		return 0, nil, sim.Errorf(400, "MISSING_ATTRIBUTE", "key access needs groupId (24 hex) and granted")
	}
	op := sim.RevokeKeyAccess
	if *in.Granted {
		op = sim.RestoreKeyAccess
	}
	return s.run(sim.Command{Op: op, GroupID: in.GroupID})
}

func (s *Server) ctlCreateKey(c *controlCall) (int, any, *sim.Error) {
	var in struct {
		KeyIdentifier string `json:"keyIdentifier"`
		Enabled       *bool  `json:"enabled"`
	}
	if err := strict(c.body, &in); err != nil {
		return 0, nil, err
	}
	return s.run(sim.Command{Op: sim.CreateKey, KeyIdentifier: in.KeyIdentifier, Enabled: in.Enabled})
}

func (s *Server) ctlKeyEvent(c *controlCall) (int, any, *sim.Error) {
	var in struct {
		KeyIdentifier string `json:"keyIdentifier"`
	}
	if err := strict(c.body, &in); err != nil {
		return 0, nil, err
	}
	op := sim.DisableKey
	if strings.HasSuffix(c.r.URL.Path, "/delete") {
		op = sim.DeleteKey
	}
	return s.run(sim.Command{Op: op, KeyIdentifier: in.KeyIdentifier})
}

func (s *Server) ctlNetwork(c *controlCall) (int, any, *sim.Error) {
	var in struct {
		Registered *bool `json:"registered"`
	}
	if err := strict(c.body, &in); err != nil {
		return 0, nil, err
	}
	if in.Registered == nil {
		return 0, nil, sim.Errorf(400, "MISSING_ATTRIBUTE", "network registration needs registered")
	}
	op := sim.UnregisterNetwork
	if *in.Registered {
		op = sim.RegisterNetwork
	}
	return s.run(sim.Command{Op: op, SubscriptionID: c.params["subscriptionId"]})
}

func (s *Server) ctlEffects(c *controlCall) (int, any, *sim.Error) {
	since := 0
	if v := c.r.URL.Query().Get("since"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, nil, sim.Errorf(400, "INVALID_QUERY_PARAMETER", "since must be a whole number from 0, got %q", v)
		}
		since = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catchUp()
	out := map[string]any{"entries": s.journal.since(since), "next": s.journal.total()}
	if since < s.journal.dropped {
		out["dropped"] = s.journal.dropped // the oldest entries are no longer kept (maxJournal)
	}
	return 200, out, nil
}

func (s *Server) ctlFaults(*controlCall) (int, any, *sim.Error) {
	out := []Fault{}
	for _, f := range Faults {
		if s.faults.has(f.Name) {
			out = append(out, f)
		}
	}
	return 200, map[string]any{"faults": out}, nil
}
