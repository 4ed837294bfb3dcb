package check_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
	"github.com/google/go-cmp/cmp"
	"github.com/mongodb-forks/digest"
)

// One model, two doors: for every example plan, the reference plans and a
// generated variant of each (its changes listed in reverse), the error
// findings of earsim check equal the refusals that sending the plan's
// requests to earsim serve over HTTP, in the same order and from the same
// world, gives; and the hazards a plan carries out on the Azure side
// (approvals, key and vault destroys, Microsoft.Network unregistered, sent
// through serve's control routes) are the errors check reports at those
// steps, rule for rule (RULES.md section 3). A plan of the v1.0 cluster
// shape (mongodbatlas_cluster's legacy backup) has no v2 request and is
// judged by the simulator alone.
func TestCheckAgreesWithServe(t *testing.T) {
	paths := inputs(t)
	ref, _ := filepath.Glob("../shared/reference/terraform-plans/*.json")
	if len(ref) != 3 {
		t.Fatalf("want the three reference plans in ../shared/reference/terraform-plans, found %d", len(ref))
	}
	paths = append(paths, ref...)
	var plans []string
	dir := t.TempDir()
	for _, p := range paths {
		head, _ := os.ReadFile(p)
		if k, _ := check.Detect(head); k != check.KindPlan {
			continue
		}
		plans = append(plans, p, reversed(t, dir, p, head))
	}
	engine := policies.MustDefault()
	c := check.New(engine)
	planRules := map[string]bool{}
	for _, r := range engine.Catalog() {
		if r.Plan == check.LevelError {
			planRules[r.ID] = true
		}
	}
	compared := 0
	azure := map[sim.Op]int{} // the Azure steps serve answered, over every plan
	for _, p := range plans {
		ap, err := c.LoadApply(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if slices.ContainsFunc(ap.Steps, func(s check.Step) bool {
			return s.Command.Cluster != nil && s.Command.Cluster.LegacyBackup != nil && *s.Command.Cluster.LegacyBackup
		}) {
			continue
		}
		rep, err := c.Files(t.Context(), []string{p}, check.Options{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var want []string
		for _, f := range rep.Files[0].Findings {
			if f.Level == check.LevelError && f.Kind == "refusal" {
				want = append(want, f.Resource+" "+f.ErrorCode)
			}
			if f.Level == check.LevelError && f.Kind == "forecast" {
				want = append(want, f.Resource+" hazard "+f.Rule)
			}
		}
		got := serveRefusals(t, engine, ap, planRules, azure)
		slices.Sort(want)
		slices.Sort(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: earsim check and earsim serve disagree (-check +serve):\n%s", p, d)
		}
		compared++
	}
	if compared < 40 {
		t.Fatalf("compared %d plans", compared)
	}
	for _, op := range []sim.Op{sim.ApproveConnection, sim.CreateKey, sim.DeleteKey, sim.UnregisterNetwork} {
		if azure[op] == 0 {
			t.Errorf("no example plan sent %s through serve's control routes (sent: %v)", op, azure)
		}
	}
}

// reversed writes a variant of a plan with its resource changes in reverse.
func reversed(t *testing.T, dir, path string, data []byte) string {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if rcs, ok := doc["resource_changes"].([]any); ok {
		slices.Reverse(rcs)
	}
	out, _ := json.Marshal(doc)
	name := filepath.Join(dir, fmt.Sprintf("reversed-%d-%s", len(path), filepath.Base(path)))
	if err := os.WriteFile(name, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// serveRefusals loads the plan's world into a fresh earsim serve and sends
// its steps over HTTP with digest auth (the Azure events through the
// control routes), as check.Apply.Run orders them. It returns the refusals,
// and the forecasts of the plan-error rules (planRules) that serve's effects
// journal shows for each step; azure counts the Azure steps answered 2xx.
func serveRefusals(t *testing.T, engine sim.Checker, ap *check.Apply, planRules map[string]bool, azure map[sim.Op]int) []string {
	t.Helper()
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: engine})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	world, _ := json.Marshal(map[string]any{"format": "earsim-state/1", "state": ap.World})
	req, _ := http.NewRequest("PUT", hs.URL+"/_sim/v1/state", bytes.NewReader(world))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		body := []byte{}
		if resp != nil {
			body, _ = io.ReadAll(resp.Body)
		}
		t.Fatalf("import the plan's world: %v %s", err, body)
	}
	client, err := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey).Client()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var hazards [][]string // per step sent (not the clock's advances): the plan-error rules serve journaled
	next := 0
	do := func(cmd sim.Command) sim.Result {
		req, err := atlasapi.NewRequest(hs.URL, cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd.Op, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var body map[string]any
		json.Unmarshal(raw, &body)
		if cmd.Op != sim.Advance {
			var rules []string
			rules, next = journaled(t, hs.URL, next, planRules)
			hazards = append(hazards, rules)
		}
		if resp.StatusCode >= 400 {
			code, _ := body["errorCode"].(string)
			return sim.Result{Op: cmd.Op, Status: resp.StatusCode, Err: &sim.Error{Status: resp.StatusCode, Code: code}}
		}
		if spec, _ := sim.Spec(cmd.Op); spec.Kind == "azure" {
			azure[cmd.Op]++
		}
		return sim.Result{Op: cmd.Op, Status: resp.StatusCode, Body: body}
	}
	sent := 0
	for _, o := range ap.Run(do) {
		if o.Skipped != "" {
			continue
		}
		for _, r := range hazards[sent] {
			out = append(out, o.Step.Address+" hazard "+r)
		}
		sent++
		if o.Result.Err != nil {
			out = append(out, o.Step.Address+" "+o.Result.Err.Code)
		}
	}
	return out
}

// journaled reads serve's effects journal from entry since: the rules of
// the forecasts among planRules, and where the journal ends.
func journaled(t *testing.T, base string, since int, planRules map[string]bool) ([]string, int) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/_sim/v1/effects?since=%d", base, since))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j struct {
		Entries []atlasapi.Entry `json:"entries"`
		Next    int              `json:"next"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil || resp.StatusCode != 200 {
		t.Fatalf("effects journal: %v (%s)", err, resp.Status)
	}
	var out []string
	for _, e := range j.Entries {
		if e.Forecast != nil && planRules[e.Forecast.Rule] {
			out = append(out, e.Forecast.Rule)
		}
	}
	return out, j.Next
}
