package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/earsim/earsim/explore"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
	"github.com/open-policy-agent/opa/v1/ast"
)

// comparing answers with the memo and counts the answers that differ from
// the Engine's.
type comparing struct {
	memo   *RuleMemo
	engine *Engine
	wrong  atomic.Int64
}

func (c *comparing) Admit(in sim.Input) (sim.Decision, error) {
	got, err := c.memo.Admit(in)
	if want, werr := c.engine.Decide(in); err != nil || werr != nil || !sameJSON(got, want) {
		c.wrong.Add(1)
	}
	return got, err
}

func (c *comparing) Inspect(in sim.Input) (sim.Report, error) {
	got, err := c.memo.Inspect(in)
	if want, werr := c.engine.Inspect(in); err != nil || werr != nil || !sameJSON(got, want) || got.Clocked != want.Clocked {
		c.wrong.Add(1)
	}
	return got, err
}

// sameJSON compares two answers as JSON values (nil and empty lists alike).
func sameJSON(a, b any) bool {
	norm := func(v any) any {
		data, _ := json.Marshal(v)
		var out any
		_ = json.Unmarshal(data, &out)
		if l, ok := out.([]any); ok && len(l) == 0 {
			return nil
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// What a rule reads is found in the Rego, through lib and sibling rules.
func TestRuleMemoFindsWhatRulesRead(t *testing.T) {
	m, err := NewRuleMemo(MustDefault())
	if err != nil {
		t.Fatal(err)
	}
	reads := m.Reads()
	for rule, want := range map[string][]string{
		// its own refs (input.op, input.request.azureKeyVault[f]) and lib.enc,
		// lib.endpoints (object.get(input, [...]) in lib)
		"admission/imm_01": {"op", "project.encryption", "project.endpoints", "request.azureKeyVault"},
		// lib.cmk_clusters reaches input.project.clusters through a bare name;
		// lib.find_key the index of keys the input carries, else the keys
		"admission/key_01": {"azure.keys", "azure.keysByNorm", "op", "project.clusters", "project.encryption", "request.cluster.paused", "request.clusterName", "request.keyIdentifier"},
		// reads the clock, and answers endpoint by endpoint: its rules
		// iterate the list once at the top of their bodies and read it
		// nowhere else
		"state/pe_02": {"now", "project.endpoints[_]"},
		// not element by element: a PENDING_RECREATION record's rule looks
		// for another record in its region
		"state/pe_04": {"project.endpoints"},
		// its condition uses private_networking of cl_02, and so reads what
		// cl_02 reads: the endpoints only through lib.active_regions, a
		// derived document; not what its admission rule reads
		"state/mig_01": {"project.clusters", "project.encryption", "data.earsim.lib.active_regions"},
		// its admission rule reads the endpoint list itself, record by record
		"admission/mig_01": {"op", "project.clusters", "project.encryption", "request.endpointId", "project.endpoints[_]"},
		// tier_02 uses tier_01's objects
		"admission/tier_02": {"op", "request.cluster"},
	} {
		if !slices.Equal(reads[rule], want) {
			t.Errorf("%s reads %v, want %v", rule, reads[rule], want)
		}
	}
	for rule, paths := range reads {
		if slices.Contains(paths, "*") {
			t.Errorf("%s reads the whole input", rule)
		}
	}
	// The ops a rule can answer at admission, from the input.op test at the
	// top of its bodies; a rule without one (the role check) answers every op.
	ops := map[string][]string{}
	for _, u := range m.admit {
		ops[u.name] = slices.Sorted(maps.Keys(u.ops))
	}
	for rule, want := range map[string][]string{
		"key_01": {"ResumeCluster", "RevokeKeyAccess", "UpdateCluster"},
		"imm_01": {"UpdateEncryptionConfig"},
		"cl_01":  nil,
	} {
		if !slices.Equal(ops[rule], want) {
			t.Errorf("%s answers ops %v, want %v", rule, ops[rule], want)
		}
	}
	if len(m.admit) < 30 || len(m.state) < 10 {
		t.Errorf("%d admission and %d state units", len(m.admit), len(m.state))
	}
}

// Every answer the memo gives equals the Engine's, during every bundled
// scenario and during searches of the built-in world with both alphabets;
// and most answers come from memory. Also with the documents' digests
// bounded to a few (LimitDocuments, as the explorer bounds them): the
// bound holds and the answers are the same.
func TestRuleMemoAgreesWithEngine(t *testing.T) {
	for _, docs := range []int{0, 16} {
		t.Run(fmt.Sprintf("documents=%d", docs), func(t *testing.T) { ruleMemoAgrees(t, docs) })
	}
}

func ruleMemoAgrees(t *testing.T, docs int) {
	e := MustDefault()
	m, err := NewRuleMemo(e)
	if err != nil {
		t.Fatal(err)
	}
	if docs > 0 {
		m.LimitDocuments(docs)
	}
	cmp := &comparing{memo: m, engine: e}
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if _, err := scenarios.Run(s, cmp, nil); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
	for _, opt := range []explore.Options{{Depth: 5}, {Depth: 3, AllOps: true}} {
		opt.Checker, opt.KeepGoing = cmp, true
		res, err := explore.BFS(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		if res.Violation != nil {
			t.Errorf("violation %s: %s\n%s", res.Violation.Property, res.Violation.Msg, strings.Join(res.Violation.Steps, "\n"))
		}
	}
	hits, lookups := m.Stats()
	t.Logf("%d of %d rule answers from memory", hits, lookups)
	if w := cmp.wrong.Load(); w != 0 {
		t.Errorf("%d answers differ from the Engine's", w)
	}
	if hits < lookups*3/4 {
		t.Errorf("only %d of %d answers from memory", hits, lookups)
	}
	if held := len(m.docs.m.cur) + len(m.docs.m.old); docs > 0 && held > docs {
		t.Errorf("%d documents' digests held, bound %d", held, docs)
	}
}

// The memo keys times by their distance from the clock, and hands answers
// back with the asker's ids.
func TestRuleMemoTimesAndIDs(t *testing.T) {
	e := MustDefault()
	m, err := NewRuleMemo(e)
	if err != nil {
		t.Fatal(err)
	}
	input := func(now, since int64, id string) sim.Input {
		return sim.Input{"op": "", "request": nil, "now": now, "azure": map[string]any{}, "project": map[string]any{
			"id": sim.DefaultProjectID, "name": "p", "state": "ACTIVE",
			"encryption": map[string]any{"enabled": false, "requirePrivateNetworking": false},
			"endpoints": []any{map[string]any{"id": id, "regionName": "US_CENTRAL", "status": sim.StatusInitiating,
				"privateEndpointConnectionName": "", "errorMessage": "", "connection": "", "since": since, "approvedAt": int64(0)}}, // 0: not approved (sim.projectInput)
			"clusters": []any{}, "snapshots": []any{},
		}}
	}
	const a, b = "aaaaaaaaaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbbbbbbbbb2"
	for i, in := range []sim.Input{
		input(30, 0, a), input(90, 0, a), // fine, then stuck for 90 s
		input(1030, 1000, b), input(1090, 1000, b), // the same later, another id
		input(1120, 1000, b), // stuck for 120 s
	} {
		hits0, asked0 := m.Stats()
		got, err := m.Inspect(in)
		hits, asked := m.Stats()
		// The same state moved in time: every answer comes from memory.
		if fromMemory, n := hits-hits0, asked-asked0; (i == 2 || i == 3) != (n > 0 && fromMemory == n) {
			t.Errorf("input %d: %d of %d answers from memory", i, fromMemory, n)
		}
		if err != nil {
			t.Fatal(err)
		}
		want, _ := e.Inspect(in)
		if !sameJSON(got, want) {
			t.Errorf("input %d: memo %+v, engine %+v", i, got.Violations, want.Violations)
		}
	}
}

// The rules read a time (since, approvedAt, until, created) only as its
// distance from the clock, `input.now - x`: what lets the memo key times as
// distances (and a rule that does not read the clock read no time at all).
func TestRulesReadTimesOnlyAsDistances(t *testing.T) {
	mods, err := Modules(false)
	if err != nil {
		t.Fatal(err)
	}
	times := map[string]bool{"since": true, "approvedAt": true, "until": true, "created": true}
	found := 0
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		allowed := map[*ast.Term]bool{}
		ast.WalkTerms(mods[name], func(x *ast.Term) bool {
			call, ok := x.Value.(ast.Call)
			if ok && len(call) == 3 && call[0].String() == "minus" && call[1].Value.Compare(ast.MustParseRef("input.now")) == 0 {
				allowed[call[2]] = true
				found++
			}
			return false
		})
		ast.WalkTerms(mods[name], func(x *ast.Term) bool {
			ref, ok := x.Value.(ast.Ref)
			if !ok || allowed[x] {
				return allowed[x]
			}
			for _, p := range ref[1:] {
				if s, ok := p.Value.(ast.String); ok && times[string(s)] {
					t.Errorf("%s:%d: %v is read other than as its distance from input.now", name, x.Location.Row, x)
				}
			}
			return false
		})
	}
	if found < 3 {
		t.Fatalf("found %d distances; the scan does not see them", found)
	}
}

// An input holding a value of a kind sim.Input does not document (here a
// float) is evaluated, never answered from memory under a key that cannot
// tell it apart.
func TestRuleMemoEvaluatesUnknownShapes(t *testing.T) {
	e := MustDefault()
	m, err := NewRuleMemo(e)
	if err != nil {
		t.Fatal(err)
	}
	in := func(since float64) sim.Input {
		return sim.Input{"op": "", "request": nil, "now": int64(120), "azure": map[string]any{}, "project": map[string]any{
			"id": sim.DefaultProjectID, "name": "p", "state": "ACTIVE",
			"encryption": map[string]any{"enabled": false, "requirePrivateNetworking": false},
			"endpoints": []any{map[string]any{"id": "aaaaaaaaaaaaaaaaaaaaaaa1", "regionName": "US_CENTRAL", "status": sim.StatusInitiating,
				"privateEndpointConnectionName": "", "errorMessage": "", "connection": "", "since": since, "approvedAt": int64(0)}},
			"clusters": []any{}, "snapshots": []any{},
		}}
	}
	for _, since := range []float64{100, 0} { // fine, then stuck for 120 s
		got, err := m.Inspect(in(since))
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := e.Inspect(in(since)); !sameJSON(got, want) {
			t.Errorf("since %v: memo %+v, engine %+v", since, got.Violations, want.Violations)
		}
	}
}
