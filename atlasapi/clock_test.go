package atlasapi_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

// fakeWall is a wall clock the test moves.
type fakeWall struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeWall) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeWall) add(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (s *testServer) status(id string) string {
	s.t.Helper()
	a := s.do("GET", endpoints+"/"+id, accept, nil)
	if a.Status != 200 {
		s.t.Fatalf("GET endpoint: %d %s", a.Status, a.Raw)
	}
	return a.Body["status"].(string)
}

func (s *testServer) effects() []atlasapi.Entry {
	s.t.Helper()
	var out struct{ Entries []atlasapi.Entry }
	if err := json.Unmarshal([]byte(s.control("GET", "effects", nil).Raw), &out); err != nil {
		s.t.Fatal(err)
	}
	return out.Entries
}

// API.md "Time and the Azure side in serve": with a time scale the world
// follows the wall clock, so a client that only polls sees an endpoint move
// from INITIATING to ACTIVE (EAR-PE-02, EAR-PE-03), the automatic approval
// coming D logical seconds after PENDING_ACCEPTANCE, in logical-time order.
func TestTimeScaleAndAutoApprove(t *testing.T) {
	wall := &fakeWall{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	d := 30 * time.Second
	s := newServer(t, atlasapi.Options{Seed: 1, Now: wall.Now, TimeScale: 60, AutoApprove: &d})
	s.enable(true)
	a := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"})
	if a.Status != 202 {
		t.Fatalf("create: %d %s", a.Status, a.Raw)
	}
	id := a.Body["id"].(string)
	created := s.effects()
	wall.add(500 * time.Millisecond) // 30 logical seconds: still provisioning
	if got := s.status(id); got != sim.StatusInitiating {
		t.Fatalf("after 30 logical seconds: %s, want INITIATING", got)
	}
	wall.add(500 * time.Millisecond) // 60: provisioned (EAR-PE-02), approval due at 90
	if got := s.status(id); got != sim.StatusPendingAcceptance {
		t.Fatalf("after 60 logical seconds: %s, want PENDING_ACCEPTANCE", got)
	}
	// A single late poll must still see every step in logical order: the
	// approval at 90, the lag of at most 180 s after it (EAR-LAG-01).
	wall.add(5 * time.Second) // logical 360
	if got := s.status(id); got != sim.StatusActive {
		t.Fatalf("after 360 logical seconds: %s, want ACTIVE", got)
	}
	var kinds []string
	var at []int64
	for _, e := range s.effects()[len(created):] {
		if e.Effect != nil && (e.Effect.Kind == "EndpointProvisioned" || e.Effect.Kind == "EndpointApproved" || e.Effect.Kind == "EndpointActivated") {
			kinds, at = append(kinds, e.Effect.Kind), append(at, e.Effect.At)
		}
	}
	if len(kinds) != 3 || kinds[0] != "EndpointProvisioned" || kinds[1] != "EndpointApproved" || kinds[2] != "EndpointActivated" {
		t.Fatalf("effects %v, want provisioned, approved, activated", kinds)
	}
	if at[0] != 60 || at[1] != 90 || at[2] < 90 || at[2] > 90+sim.MaxApprovalLag {
		t.Fatalf("effects at %v, want 60, 90 and within 180 s of 90", at)
	}
	var clock struct {
		Now       string  `json:"now"`
		TimeScale float64 `json:"timeScale"`
	}
	if err := json.Unmarshal([]byte(s.control("GET", "clock", nil).Raw), &clock); err != nil || clock.TimeScale != 60 || clock.Now != sim.Timestamp(360) {
		t.Fatalf("clock: %+v %v, want now %s and timeScale 60", clock, err, sim.Timestamp(360))
	}
	// The control route moves the clock on top of the wall clock.
	adv := s.control("POST", "clock/advance", map[string]any{"seconds": 100})
	if adv.Body["now"] != sim.Timestamp(460) || adv.Body["timeScale"] != 60.0 {
		t.Fatalf("advance: %s", adv.Raw)
	}
	wall.add(time.Second)
	if err := json.Unmarshal([]byte(s.control("GET", "clock", nil).Raw), &clock); err != nil || clock.Now != sim.Timestamp(520) {
		t.Fatalf("clock after advance and a second: %+v, want %s", clock, sim.Timestamp(520))
	}
}

// At time scale 0 nothing moves by itself; an advance fires the automatic
// approval at its own logical time, not at the end of the move.
func TestTimeScaleZeroIsDeterministic(t *testing.T) {
	wall := &fakeWall{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	d := 30 * time.Second
	s := newServer(t, atlasapi.Options{Seed: 1, Now: wall.Now, AutoApprove: &d})
	s.enable(true)
	id := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"}).Body["id"].(string)
	wall.add(time.Hour)
	if got := s.status(id); got != sim.StatusInitiating {
		t.Fatalf("after an hour of wall time at scale 0: %s, want INITIATING", got)
	}
	if a := s.control("POST", "clock/advance", map[string]any{"seconds": 1000}); a.Status != 200 {
		t.Fatalf("advance: %d %s", a.Status, a.Raw)
	}
	if got := s.status(id); got != sim.StatusActive {
		t.Fatalf("after advancing 1000 s: %s, want ACTIVE", got)
	}
	for _, e := range s.effects() {
		if e.Effect != nil && e.Effect.Kind == "EndpointApproved" && e.Effect.At != 90 {
			t.Fatalf("approved at %d, want 90 (60 s provisioning + 30 s)", e.Effect.At)
		}
	}
	for _, bad := range []any{-1, 1e12, "60"} {
		if a := s.control("POST", "clock/advance", map[string]any{"seconds": bad}); a.Status != 400 {
			t.Errorf("advance %v: %d, want 400", bad, a.Status)
		}
	}
	// Without automatic approval, the endpoint waits for the control route.
	s2 := newServer(t, atlasapi.Options{Seed: 1, Now: wall.Now})
	s2.enable(true)
	id2 := s2.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"}).Body["id"].(string)
	s2.control("POST", "clock/advance", map[string]any{"seconds": 10000})
	if got := s2.status(id2); got != sim.StatusPendingAcceptance {
		t.Fatalf("without auto-approve: %s, want PENDING_ACCEPTANCE", got)
	}
}
