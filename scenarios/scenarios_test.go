package scenarios_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
	"github.com/earsim/earsim/sim/simtest"
	"github.com/google/go-cmp/cmp"
)

// ruleIDs reads every rule ID that RULES.md names.
func ruleIDs(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../shared/spec/RULES.md")
	if err != nil {
		t.Fatalf("RULES.md is read from ../shared beside the checkout: %v", err)
	}
	ids := regexp.MustCompile(`EAR-[A-Z]+-\d\d`).FindAllString(string(data), -1)
	slices.Sort(ids)
	return slices.Compact(ids)
}

func TestBundledScenariosPass(t *testing.T) {
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	engine := policies.MustDefault()
	for _, s := range all {
		t.Run(s.File, func(t *testing.T) {
			tr, err := scenarios.Run(s, engine, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tr.Failures {
				t.Error(f)
			}
		})
	}
}

// Same seed, same bytes: every scenario's trace is identical across runs.
func TestTracesAreByteIdentical(t *testing.T) {
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	engine := policies.MustDefault()
	run := func() []string {
		var out []string
		for _, s := range all {
			tr, err := scenarios.Run(s, engine, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(tr, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
		return out
	}
	first, second := run(), run()
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("%s: two runs with the same seed differ (-first +second):\n%s", all[i].File, cmp.Diff(first[i], second[i]))
		}
	}
}

func TestEveryRuleHasAScenario(t *testing.T) {
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, s := range all {
		for _, r := range s.Rules {
			covered[r] = true
		}
	}
	for _, id := range ruleIDs(t) {
		if !covered[id] {
			t.Errorf("no bundled scenario exercises %s", id)
		}
	}
}

// Every procedure of the seed document has a walk-through scenario.
func TestEveryProcedureHasAScenario(t *testing.T) {
	procedures := []string{
		"Enable Customer-Managed Keys for a Project",
		"Enable and Set up Private Endpoint Connections for a Project",
		"Enable Customer Key Management for an Atlas Cluster",
		"Create New Endpoints for a Project",
		"Reject or Remove Private Endpoint Connection",
		"View Private Endpoints and their Statuses",
		"Disable Private Endpoint Connections for a Project",
		"Disable Customer-Managed Keys for a Project",
		"Revoke Access to an Encryption Key",
		"Rotate your Azure Key Identifier",
	}
	seed, err := os.ReadFile("../../shared/seed/000_aad14fa06138606c.txt")
	if err != nil {
		t.Fatal(err)
	}
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procedures {
		if !bytes.Contains(seed, []byte(p)) {
			t.Errorf("the seed has no procedure %q", p)
		}
		if !slices.ContainsFunc(all, func(s *scenarios.Scenario) bool { return s.Proc == p }) {
			t.Errorf("no scenario walks through %q", p)
		}
	}
}

// The Machine's reuse of project documents never serves a stale one: every
// step of every bundled scenario is checked against documents built afresh.
func TestNoStaleDocuments(t *testing.T) {
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		r, err := scenarios.Start(s, policies.MustDefault(), nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Machine.VerifyDocs(true)
		for i := 1; !r.Done(); i++ {
			r.Step()
			if n := r.Machine.StaleDocs(); n > 0 {
				t.Fatalf("%s step %d: %d stale documents used", s.File, i, n)
			}
		}
	}
}

// A step never changes the world it started from (the Machine shares every
// project a step does not change with the world before it, and Forks share
// it with each other): at every step of every bundled scenario the world
// before reads the same after.
func TestStepLeavesTheWorldBefore(t *testing.T) {
	eachStep(t, func(where string, before *sim.State, was []byte, _ *sim.State) {
		if got, _ := json.Marshal(before); !bytes.Equal(got, was) {
			t.Fatalf("%s changed the world it started from", where)
		}
	})
}

// eachStep runs every bundled scenario a step at a time and calls f after
// each step with where it is, the world before (and its JSON, taken before
// the step) and the world after; it returns the number of steps.
func eachStep(t *testing.T, f func(where string, before *sim.State, was []byte, after *sim.State)) int {
	t.Helper()
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for _, s := range all {
		r, err := scenarios.Start(s, policies.MustDefault(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; !r.Done(); i++ {
			before := r.Machine.State()
			was, _ := json.Marshal(before)
			r.Step()
			f(fmt.Sprintf("%s step %d", s.File, i), before, was, r.Machine.State())
			steps++
		}
	}
	return steps
}

// Every bundled scenario replays byte for byte through Prepare and Commit,
// as the server applies a request, as through Step: the answers, the
// effects and the world (issue 24: steps prepared beside each other keep a
// scenario's replay).
func TestPreparedStepsReplayScenarios(t *testing.T) {
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for _, s := range all {
		a, err := scenarios.Start(s, policies.MustDefault(), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := scenarios.Start(s, policies.MustDefault(), nil)
		for i := 1; !a.Done(); i++ {
			want, _ := a.Step()
			got, _ := b.StepPrepared()
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(got)
			if !bytes.Equal(g, w) {
				t.Fatalf("%s step %d:\nprepared %s\nstep     %s", s.File, i, g, w)
			}
			steps++
		}
		w, _ := json.Marshal(a.Machine.State())
		g, _ := json.Marshal(b.Machine.State())
		we, _ := json.Marshal(a.Machine.Effects(0))
		ge, _ := json.Marshal(b.Machine.Effects(0))
		if !bytes.Equal(g, w) || !bytes.Equal(ge, we) || b.Machine.Reruns() != 0 {
			t.Fatalf("%s: the worlds or the effects differ, or %d steps ran again", s.File, b.Machine.Reruns())
		}
	}
	if steps < 200 {
		t.Fatalf("only %d steps compared", steps)
	}
}

// At every step of every bundled scenario, the Change between the world
// before and after (sim.Diff), through JSON as serve's change log keeps it,
// applied to the world before gives the world after byte for byte, and
// leaves the world before as it was.
func TestChangesReplayEveryStep(t *testing.T) {
	smaller := 0
	steps := eachStep(t, func(where string, before *sim.State, was []byte, after *sim.State) {
		c, ok := sim.Diff(before, after)
		if !ok {
			t.Fatalf("%s: no Change from the world before", where)
		}
		logged, _ := json.Marshal(c)
		var back sim.Change
		if err := json.Unmarshal(logged, &back); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(back.Apply(before))
		want, _ := json.Marshal(after)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the Change %s\napplied gives %s\nnot          %s", where, logged, got, want)
		}
		if now, _ := json.Marshal(before); !bytes.Equal(now, was) {
			t.Fatalf("%s: applying the Change changed the world before", where)
		}
		if len(logged) < len(want) {
			smaller++
		}
	})
	if steps < 200 || smaller < steps/2 {
		t.Fatalf("%d steps, %d of them with a Change smaller than the world", steps, smaller)
	}
}

// A YAML merge key on a flow mapping, with an alias as a key ({<<, *a}):
// the known decoder crasher is an error with file and line, not a panic
// (issue 13).
func TestYAMLAliasKeyIsAnError(t *testing.T) {
	for _, src := range []string{
		"name: x\nworld: &a {x: 1}\nsteps: [{<<, *a}]\n",
		"name: x\nworld: &a {projects: []}\nthen: {*a: 1}\n",
		"name: x\nsteps:\n  - {[1, 2]: 3}\n",
	} {
		_, err := scenarios.Parse("crash.yaml", []byte(src))
		var pe *scenarios.ParseError
		if !errors.As(err, &pe) || pe.Line == 0 || !strings.Contains(pe.Msg, "mapping key") {
			t.Errorf("%q: %v, want a ParseError with a line", src, err)
		}
	}
}

// A secret written in a scenario never reaches an error message, whether as
// an alias, an anchor, a mistyped value or a wrong type (issue 13); the
// message still names the line.
func TestYAMLErrorsRedactSecrets(t *testing.T) {
	for _, src := range []string{
		"name: x\nworld:\n  projects:\n    - encryption: {preset: example, secret: *s3cr3t}\n",
		"name: x\nworld:\n  projects:\n    - encryption:\n        preset: example\n        secret: !!int s3cr3t\n",
		"name: x\nworld:\n  projects:\n    - encryption:\n        secret: &s3cr3t [1]\n",
		"name: x\nsteps:\n  - do: UpdateEncryptionConfig\n    azureKeyVault: {secret: \"s3cr3t\", enabled: s3cr3t}\n",
	} {
		_, err := scenarios.Parse("s.yaml", []byte(src))
		var pe *scenarios.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: %v, want a ParseError", src, err)
		}
		if strings.Contains(err.Error(), "s3cr3t") || pe.Line == 0 {
			t.Errorf("%q: %v: the secret is shown or no line is named", src, err)
		}
	}
}

// A Machine skips the policy documents for sim.AllowAll (sim.DocumentFree):
// every bundled scenario's trace is byte for byte the one it gives when the
// documents are built.
func TestAllowAllTracesWithoutDocuments(t *testing.T) {
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		var traces []string
		for _, c := range []sim.Checker{sim.AllowAll{}, simtest.ReadingAllowAll{}} {
			tr, err := scenarios.Run(s, c, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(tr, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			traces = append(traces, string(b))
		}
		if traces[0] != traces[1] {
			t.Errorf("%s: the trace differs without documents (-without +with):\n%s", s.File, cmp.Diff(traces[0], traces[1]))
		}
	}
}
