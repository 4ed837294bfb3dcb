package atlasapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/earsim/earsim/sim"
)

// Chaos (API.md "Rate limits and an unreliable network"): the network as
// unreliable as a real one, for a client's retries to meet. Each rule names
// the requests it matches (method and route template) and what befalls a
// share of them:
//
//   - fail: answered 500 or 503 in Atlas's error shape before anything is
//     applied (a retry is safe);
//   - lose: applied, then answered 500 or 503: the answer is lost, the
//     nastiest case for retries (a retried create meets 409, as in Atlas);
//   - reset: the connection is reset before anything is applied;
//   - latency: added before the answer, to every matched request.
//
// Draws come from a generator seeded from the chaos spec's seed (the
// world's seed when it names none), one draw per matched request in the
// order requests arrive, so a client that sends the same requests in the
// same order meets the same failures. Every injection goes into the effects
// journal (kind ChaosInjected) and the trace (its chaos field), so a test
// can tell an injected failure from a real one. Control routes are never
// touched.

// ChaosRule is one rule of a chaos spec.
type ChaosRule struct {
	Method  string  `json:"method,omitempty" yaml:"method"` // "" or "*": any method
	Path    string  `json:"path,omitempty" yaml:"path"`     // a route template of API.md, "*" for any one segment, a trailing "**" for the rest; "": every Atlas route
	Fail    float64 `json:"fail,omitempty" yaml:"fail"`
	Lose    float64 `json:"lose,omitempty" yaml:"lose"`
	Reset   float64 `json:"reset,omitempty" yaml:"reset"`
	Status  int     `json:"status,omitempty" yaml:"status"`   // of fail and lose: 500 or 503 (default 503)
	Latency string  `json:"latency,omitempty" yaml:"latency"` // e.g. "250ms"

	latency time.Duration
	segs    []string
}

// ChaosSpec is what --chaos reads and PUT /_sim/v1/chaos takes.
type ChaosSpec struct {
	Seed  *uint64     `json:"seed,omitempty" yaml:"seed"`
	Rules []ChaosRule `json:"rules" yaml:"rules"`
}

// ParseChaos reads a chaos spec: YAML or JSON (the value of --chaos, the
// contents of its file, or a PUT body). where names it in errors.
func ParseChaos(where string, data []byte) (ChaosSpec, error) {
	var spec ChaosSpec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&spec); err != nil {
		return ChaosSpec{}, fmt.Errorf("%s: %v (want {seed, rules: [{method, path, fail, lose, reset, status, latency}]})", where, err)
	}
	for i := range spec.Rules {
		r := &spec.Rules[i]
		bad := func(format string, args ...any) (ChaosSpec, error) {
			return ChaosSpec{}, fmt.Errorf("%s: rule %d: %s", where, i+1, fmt.Sprintf(format, args...))
		}
		for _, p := range []float64{r.Fail, r.Lose, r.Reset} {
			if p < 0 || p > 1 {
				return bad("fail, lose and reset are shares from 0 to 1")
			}
		}
		if r.Fail+r.Lose+r.Reset > 1 {
			return bad("fail + lose + reset is %.3g, more than 1", r.Fail+r.Lose+r.Reset)
		}
		switch r.Status {
		case 0:
			r.Status = http.StatusServiceUnavailable
		case http.StatusInternalServerError, http.StatusServiceUnavailable:
		default:
			return bad("status must be 500 or 503, got %d", r.Status)
		}
		if r.Latency != "" {
			d, err := time.ParseDuration(r.Latency)
			if err != nil || d < 0 || d > time.Minute {
				return bad("latency must be a duration from 0 to 1m such as 250ms, got %q", r.Latency)
			}
			r.latency = d
		}
		r.Method = strings.ToUpper(r.Method)
		switch r.Method {
		case "", "*", "GET", "POST", "PATCH", "PUT", "DELETE":
		default:
			return bad("method must be GET, POST, PATCH, PUT, DELETE or *, got %q", r.Method)
		}
		if r.Path != "" {
			if !strings.HasPrefix(r.Path, "/api/") {
				return bad("path must be an Atlas route such as /api/atlas/v2/groups/{groupId}/clusters, got %q", r.Path)
			}
			r.segs = splitPath(r.Path)
		}
	}
	return spec, nil
}

// matches reports whether a rule applies to a request.
func (r *ChaosRule) matches(method, path string) bool {
	if r.Method != "" && r.Method != "*" && r.Method != method {
		return false
	}
	if r.segs == nil {
		return true
	}
	segs := splitPath(path)
	for i, p := range r.segs {
		if p == "**" && i == len(r.segs)-1 {
			return true
		}
		if i >= len(segs) {
			return false
		}
		if p != "*" && !strings.HasPrefix(p, "{") && p != segs[i] {
			return false
		}
	}
	return len(segs) == len(r.segs)
}

// chaos is a world's chaos: its spec and generator.
type chaos struct {
	mu   sync.Mutex
	spec ChaosSpec
	rng  *rand.Rand
}

func (c *chaos) set(spec ChaosSpec, worldSeed uint64) {
	seed := worldSeed
	if spec.Rules == nil {
		spec.Rules = []ChaosRule{}
	}
	if spec.Seed != nil {
		seed = *spec.Seed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spec, c.rng = spec, rand.New(rand.NewPCG(seed, 0xc4a05))
}

// injection is what chaos does to one request.
type injection struct {
	kind    string // "", "fail", "lose" or "reset"
	status  int
	latency time.Duration
}

func (i injection) String() string {
	s := i.kind
	if i.kind == "fail" || i.kind == "lose" {
		s += " " + strconv.Itoa(i.status)
	}
	if i.latency > 0 {
		if s != "" {
			s += ", "
		}
		s += "latency " + i.latency.String()
	}
	return s
}

// draw decides what befalls a request.
func (c *chaos) draw(method, path string) injection {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.spec.Rules {
		r := &c.spec.Rules[i]
		if !r.matches(method, path) {
			continue
		}
		in := injection{latency: r.latency, status: r.Status}
		if r.Fail+r.Lose+r.Reset > 0 {
			u := c.rng.Float64()
			switch {
			case u < r.Reset:
				in.kind = "reset"
			case u < r.Reset+r.Fail:
				in.kind = "fail"
			case u < r.Reset+r.Fail+r.Lose:
				in.kind = "lose"
			}
		}
		return in
	}
	return injection{}
}

// inject records an injection in the journal and the trace.
func (s *Server) inject(w http.ResponseWriter, r *http.Request, in injection) {
	if c, ok := w.(*capture); ok {
		c.chaos = in.String()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := sim.Effect{At: s.m.State().Now, Kind: "ChaosInjected", Target: map[string]string{"method": r.Method, "path": r.URL.Path, "injected": in.String()},
		Msg: "earsim --chaos: " + in.String() + " injected into " + r.Method + " " + r.URL.Path}
	s.journal.add(Entry{Effect: &e})
}

// chaosFailure writes an injected 500 or 503.
func chaosFailure(w http.ResponseWriter, r *http.Request, in injection) {
	detail := "the server could not answer (earsim --chaos: injected before anything was applied)"
	if in.kind == "lose" {
		detail = "the server could not answer (earsim --chaos: injected after the request was applied; the change stands)"
	}
	code := "SERVICE_UNAVAILABLE"
	if in.status == http.StatusInternalServerError {
		code = "UNEXPECTED_ERROR"
	}
	writeAtlasError(w, r, in.status, code, detail, nil)
}

// resetConnection resets the request's connection (TCP RST), or aborts the
// answer where the connection cannot be taken over.
func resetConnection(w http.ResponseWriter) {
	for {
		if c, ok := w.(*capture); ok {
			c.status = 0
			w = c.ResponseWriter
			continue
		}
		break
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tcp, ok := underlyingTCP(conn); ok {
				tcp.SetLinger(0)
			}
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func underlyingTCP(c net.Conn) (*net.TCPConn, bool) {
	for {
		switch x := c.(type) {
		case *net.TCPConn:
			return x, true
		case interface{ NetConn() net.Conn }:
			c = x.NetConn()
		default:
			return nil, false
		}
	}
}

func (s *Server) ctlChaos(c *controlCall) (int, any, *sim.Error) {
	if c.r.Method == http.MethodPut {
		spec, err := ParseChaos("the chaos spec", c.body)
		if err != nil {
			return 0, nil, sim.Errorf(400, "INVALID_ATTRIBUTE", "%v", err)
		}
		s.chaos.set(spec, s.opt.Seed)
	}
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	out, err := json.Marshal(s.chaos.spec)
	if err != nil {
		return 0, nil, sim.Errorf(500, "UNEXPECTED_ERROR", "internal error")
	}
	var v any
	json.Unmarshal(out, &v)
	return 200, v, nil
}
