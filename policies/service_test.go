package policies

import (
	"testing"

	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// A memo bounded by bytes (as a service's is) keeps under its bound, and
// starting again when full changes no answer: every bundled scenario, with
// a bound small enough that the rules' answers are forgotten again and
// again, answers as the Engine does.
func TestBoundedRuleMemoAgreesWithEngine(t *testing.T) {
	e := MustDefault()
	m, err := NewRuleMemo(e)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 256 << 10
	m.Limit(limit)
	cmp := &comparing{memo: m, engine: e}
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	held := func() (n int64) {
		n += m.docs.m.held() + m.records.held()
		for _, u := range append(append([]*unit{}, m.admit...), m.state...) {
			n += u.cache.held()
		}
		for _, d := range m.derived {
			n += d.cache.held()
		}
		return n
	}
	var most int64
	for _, s := range all {
		if _, err := scenarios.Run(s, cmp, nil); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		most = max(most, held())
	}
	if w := cmp.wrong.Load(); w != 0 {
		t.Errorf("%d answers differ from the Engine's", w)
	}
	if most > limit {
		t.Errorf("the memo held %d bytes, over its bound of %d", most, limit)
	}
	hits, lookups := m.Stats()
	if hits == 0 || hits == lookups {
		t.Errorf("%d of %d answers from memory: the bound is not exercised", hits, lookups)
	}
	t.Logf("at most %d bytes held; %d of %d answers from memory", most, hits, lookups)
}

// A Service answers from its memos once ready, as the Engine would.
func TestServiceAgreesWithEngine(t *testing.T) {
	e := MustDefault()
	s := NewService(e)
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	memo := e.service.memo
	if memo.docs.m.limit != CacheBytes/2 {
		t.Errorf("the service's memo is bounded by %d bytes of digests, want %d", memo.docs.m.limit, CacheBytes/2)
	}
	_, before := memo.Stats()
	m, err := sim.NewMachine(sim.NewWorld(1), s)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := sim.NewMachine(sim.NewWorld(1), e)
	if err != nil {
		t.Fatal(err)
	}
	g := sim.DefaultProjectID
	owner := &sim.Actor{Roles: []string{"ORG_OWNER"}}
	for range 3 {
		for _, c := range []sim.Command{
			{Op: sim.GetEncryptionConfig, GroupID: g, Actor: owner},
			{Op: sim.CreatePrivateEndpoint, GroupID: g, Actor: owner, RegionName: "US_CENTRAL"},
			{Op: sim.ListPrivateEndpoints, GroupID: g, Actor: owner},
		} {
			got, want := m.Step(c), ref.Step(c)
			if !sameJSON(got, want) {
				t.Errorf("%s: service %+v, engine %+v", c.Op, got, want)
			}
		}
	}
	if _, after := memo.Stats(); after == before {
		t.Error("the service did not ask its memo")
	}
}

// A service asked a few questions does not prepare the rule memo (a few
// hundred milliseconds of CPU it would not earn back); one asked many does.
func TestServicePreparesItsMemoOnceAskedEnough(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(e)
	g := sim.DefaultProjectID
	ask := func(n int) {
		for i := range n {
			// a new request each time, so that the identity memo cannot answer
			in := sim.Input{"op": "GetEncryptionConfig", "request": map[string]any{"n": int64(i)}, "now": int64(0), "project": nil, "azure": map[string]any{},
				"actor": map[string]any{"roles": []any{"ORG_OWNER"}}}
			in["request"].(map[string]any)["groupId"] = g
			if _, err := s.Admit(in); err != nil {
				t.Fatal(err)
			}
		}
	}
	ask(warmUp - 1)
	if e.service.ready != nil {
		t.Fatalf("the rule memo was started after %d questions", warmUp-1)
	}
	ask(1)
	if e.service.ready == nil {
		t.Fatalf("the rule memo was not started after %d questions", warmUp)
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}
