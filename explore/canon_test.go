package explore

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// populated returns a world in which every field of sim.State holds a value,
// with every slice holding one element and every pointer set.
func populated() *sim.State {
	s := &sim.State{}
	fill(reflect.ValueOf(s).Elem(), 0)
	return s
}

func fill(v reflect.Value, n int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i), n+i)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), n)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", n))
	case reflect.Bool:
		v.SetBool(n%2 == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n + 1))
	case reflect.Uint64:
		v.SetUint(uint64(n + 1))
	default:
		panic("fill: " + v.Kind().String())
	}
}

// leaves calls f with every settable leaf of v and its path.
func leaves(v reflect.Value, path string, f func(string, reflect.Value)) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			leaves(v.Field(i), path+"."+v.Type().Field(i).Name, f)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			leaves(v.Index(i), fmt.Sprintf("%s[%d]", path, i), f)
		}
	case reflect.Pointer:
		leaves(v.Elem(), path, f)
	default:
		f(path, v)
	}
}

// Every field of a world, but those that say how it was reached, is part of
// its canonical hash: a field added to sim.State and forgotten in canon
// fails here.
func TestCanonCoversEveryField(t *testing.T) {
	ignored := map[string]bool{".Seed": true, ".Counter": true, ".Timers[0].Seq": true}
	base := newCanon().stateHash(populated())
	n := 0
	leaves(reflect.ValueOf(populated()).Elem(), "", func(path string, _ reflect.Value) {
		n++
		s := populated()
		leaves(reflect.ValueOf(s).Elem(), "", func(p string, v reflect.Value) {
			if p != path {
				return
			}
			switch v.Kind() {
			case reflect.String:
				v.SetString(v.String() + "x")
			case reflect.Bool:
				v.SetBool(!v.Bool())
			case reflect.Int, reflect.Int64:
				v.SetInt(v.Int() + 7)
			case reflect.Uint64:
				v.SetUint(v.Uint() + 7)
			}
		})
		if changed := newCanon().stateHash(s) != base; changed == ignored[path] {
			t.Errorf("%s: hash changed = %v", path, changed)
		}
	})
	if n < 60 {
		t.Fatalf("only %d leaves visited", n)
	}
	// A pointer set or not, and a list one longer, are different worlds.
	s := populated()
	s.Projects[0].Encryption.Rotation = nil
	s.Projects[0].Clusters[0].ReplicationSpecs[0].RegionConfigs[0].ElectableSpecs = nil
	if newCanon().stateHash(s) == base {
		t.Error("nil pointers hash like set ones")
	}
	s = populated()
	s.Projects[0].Endpoints = append(s.Projects[0].Endpoints, sim.Endpoint{})
	if newCanon().stateHash(s) == base {
		t.Error("an extra endpoint does not change the hash")
	}
}

// Worlds that differ only in the ids the generator drew are one state;
// worlds whose ids are arranged differently are not.
func TestCanonRenamesGeneratedIDs(t *testing.T) {
	world := func(a, b string) *sim.State {
		s := sim.NewWorld(1)
		p := &s.Projects[0]
		p.Endpoints = []sim.Endpoint{
			{ID: a, RegionName: "US_CENTRAL", Status: sim.StatusActive, ConnectionName: "earsim-US_CENTRAL-" + a},
			{ID: b, RegionName: "US_EAST_2", Status: sim.StatusInitiating},
		}
		s.Timers = []sim.Timer{{At: 60, Kind: sim.TimerEndpointProvisioned, GroupID: p.ID, EndpointID: b}}
		return s
	}
	const x, y, z = "aaaaaaaaaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbbbbbbbbb2", "ccccccccccccccccccccccc3"
	c := newCanon()
	h := c.stateHash(world(x, y))
	if c.stateHash(world(z, x)) != h {
		t.Error("renamed ids hash differently")
	}
	if c.stateHash(world(x, x)) == h {
		t.Error("two endpoints sharing an id hash like two ids")
	}
	s := world(x, y)
	s.Timers[0].EndpointID = x
	if c.stateHash(s) == h {
		t.Error("a timer pointing at the other endpoint hashes alike")
	}
	s = world(x, y)
	s.Projects[0].ID = "66c9e8f1dd6c9960802420ea"
	if c.stateHash(s) == h {
		t.Error("a project id other than the default one hashes like it")
	}
}

// The memo's answers are the policies' answers: during searches of the
// built-in world (both alphabets) every answer it gives from memory is
// compared with a fresh evaluation, ids and times included.
func TestMemoAgreesWithPolicies(t *testing.T) {
	for _, tc := range []struct {
		depth int
		all   bool
	}{{5, false}, {3, true}} {
		m := newMemo(policies.MustDefault())
		m.verify = true
		res, err := BFS(context.Background(), Options{Depth: tc.depth, AllOps: tc.all, Checker: m, KeepGoing: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Violation != nil {
			t.Fatalf("violation %s: %s", res.Violation.Property, res.Violation.Msg)
		}
		hits, lookups := m.hits.Load(), m.lookups.Load()
		t.Logf("depth %d all-ops %v: %d states, %d of %d answers from memory", tc.depth, tc.all, res.Stats.States, hits, lookups)
		if hits < lookups/4 {
			t.Errorf("only %d of %d answers came from memory", hits, lookups)
		}
		if w := m.wrong.Load(); w != 0 {
			t.Errorf("%d answers from memory differ from the policies'", w)
		}
	}
}

// A search gives the same result with and without the memo, and with one
// worker or several.
func TestSearchIndependentOfMemoAndWorkers(t *testing.T) {
	run := func(opt Options) Result {
		opt.Depth, opt.Checker, opt.KeepGoing = 4, policies.MustDefault(), true
		res, err := BFS(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	want := run(Options{NoMemo: true, Workers: 1})
	for _, opt := range []Options{{Workers: 1}, {Workers: 3}, {NoMemo: true, Workers: 2}} {
		got := run(opt)
		if got.Stats.States != want.Stats.States || got.Stats.Transitions != want.Stats.Transitions || got.Graph.Mermaid() != want.Graph.Mermaid() {
			t.Errorf("%+v: %d states %d transitions, want %d %d", opt, got.Stats.States, got.Stats.Transitions, want.Stats.States, want.Stats.Transitions)
		}
	}
}

// The memo keys times by their distance from the clock: a world moved in
// time whole shares answers, a different distance does not, and the answer
// handed back names the asker's ids.
func TestMemoKeepsTimeDistancesAndIDs(t *testing.T) {
	input := func(now, since int64, id string) sim.Input {
		return sim.Input{"op": "", "request": nil, "now": now, "azure": map[string]any{}, "project": map[string]any{
			"id": sim.DefaultProjectID, "name": "p", "state": "ACTIVE",
			"encryption": map[string]any{"enabled": false, "requirePrivateNetworking": false},
			"endpoints": []any{map[string]any{"id": id, "regionName": "US_CENTRAL", "status": sim.StatusInitiating,
				"privateEndpointConnectionName": "", "errorMessage": "", "connection": "", "since": since, "approvedAt": since}},
			"clusters": []any{}, "snapshots": []any{},
		}}
	}
	engine := policies.MustDefault()
	m := newMemo(engine)
	const a, b = "aaaaaaaaaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbbbbbbbbb2"
	for i, in := range []sim.Input{
		input(30, 0, a), input(90, 0, a), // fine, then stuck for 90 s
		input(1030, 1000, b), input(1090, 1000, b), // the same, later, another id: from memory
		input(1120, 1000, b), // stuck for 120 s: a new answer
	} {
		got, err := m.Inspect(in)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := engine.Inspect(in)
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Errorf("input %d: memo %+v, policies %+v", i, got.Violations, want.Violations)
		}
	}
	if m.hits.Load() != 2 {
		t.Errorf("%d answers from memory, want 2", m.hits.Load())
	}
}
