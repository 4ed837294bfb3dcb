package policies

import (
	"encoding/json"
	"testing"

	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// recorder keeps every admission input a Machine asks about.
type recorder struct {
	*Engine
	inputs []sim.Input
}

func (r *recorder) Admit(in sim.Input) (sim.Decision, error) {
	r.inputs = append(r.inputs, in)
	return r.Engine.Admit(in)
}

// The per-op queries decide exactly as the admission entry point, on every
// admission input that the bundled scenarios produce.
func TestDispatchMatchesEntryPoint(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Engine: e}
	for _, s := range all {
		if _, err := scenarios.Run(s, rec, nil); err != nil {
			t.Fatal(err)
		}
	}
	ops := map[string]bool{}
	for _, in := range rec.inputs {
		op := in["op"].(string)
		ops[op] = true
		fast, err := e.admitRaw(in)
		if err != nil {
			t.Fatal(err)
		}
		full, err := e.Evaluate(AdmissionQuery, in)
		if err != nil {
			t.Fatal(err)
		}
		// Compare as sets: order within deny and warn carries no meaning.
		a, _ := json.Marshal(map[string]any{"deny": sortJSON(list(fast["deny"])), "warn": sortJSON(list(fast["warn"]))})
		b, _ := json.Marshal(map[string]any{"deny": sortJSON(list(full["deny"])), "warn": sortJSON(list(full["warn"]))})
		if string(a) != string(b) {
			t.Fatalf("op %s: per-op query says\n%s\nthe entry point says\n%s", op, a, b)
		}
	}
	if len(rec.inputs) < 150 || len(ops) < 20 {
		t.Fatalf("only %d inputs over %d ops compared", len(rec.inputs), len(ops))
	}
	t.Logf("%d admission inputs over %d ops decided alike", len(rec.inputs), len(ops))
}

// Every rule package's deny and warn documents carry op guards except the
// role check, which applies to every Atlas op: a new unguarded rule would
// silently slow every decision.
func TestOnlyTheRoleCheckIsUnguarded(t *testing.T) {
	mods, err := Modules(false)
	if err != nil {
		t.Fatal(err)
	}
	for doc, ops := range guards(mods) {
		if ops == nil && doc != "data.earsim.rules.cl_01.deny" {
			t.Errorf("%s has a rule without an input.op guard", doc)
		}
	}
}
