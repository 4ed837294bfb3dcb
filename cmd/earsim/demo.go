package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/conformance"
	"github.com/earsim/earsim/examples"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
)

// runDemo is the README's main job on its embedded default: the mock on a
// loopback port with the whole conformance suite against it over HTTP with
// digest authentication, then every bundled scenario on the simulator, and
// `earsim check` on the bundled examples against their golden findings, and
// one summary with counts per rule ID.
func runDemo(ctx context.Context, args []string, e *env) int {
	fs := e.flags("demo", "", "Start the embedded mock on a loopback port and walk through the seed's procedure over\nHTTP (CMK and private networking on, an endpoint from INITIATING to ACTIVE, a vault rename\nrefused with its rule ID, errorCode and seed sentence); run every Gherkin feature against\nthe mock; run every bundled scenario on the simulator; run earsim check on the bundled\nexamples against their golden findings; print one line per rule ID and what to try next.\nExit 0 when all pass.")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "earsim demo: takes no arguments, got %q\n", fs.Arg(0))
		return exitCannot
	}
	engine, err := policies.Default()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim demo: %v\n", err)
		return exitCannot
	}
	type tally struct{ features, featuresPassed, featuresSkipped, scenarios, scenariosPassed, checks int }
	perRule := map[string]*tally{}
	get := func(id string) *tally {
		if perRule[id] == nil {
			perRule[id] = &tally{}
		}
		return perRule[id]
	}

	// 1. The conformance suite against the mock, over HTTP.
	d, stop, err := embedded(nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim demo: %v\n", err)
		return exitCannot
	}
	walked := demoWalk(ctx, e.stdout, d, engine)
	var featureFails, featureSkips []string
	fPassed, fFailed, fSkipped := 0, 0, 0
	var report bytes.Buffer
	conformance.Run(conformance.Options{Driver: d, Output: &report, Context: ctx, Record: func(o conformance.Outcome) {
		for _, t := range o.Tags {
			if id := strings.TrimPrefix(t, "@"); strings.HasPrefix(id, "EAR-") {
				switch {
				case o.Skipped: // not run: counted apart, never as run and not passed
					get(id).featuresSkipped++
				case o.Err == nil:
					get(id).features++
					get(id).featuresPassed++
				default:
					get(id).features++
				}
			}
		}
		switch {
		case o.Skipped:
			fSkipped++
			featureSkips = append(featureSkips, fmt.Sprintf("%q%s: %s", o.Name, ruleIDs(o.Tags), o.Why))
		case o.Err != nil:
			fFailed++
			featureFails = append(featureFails, fmt.Sprintf("%s: %v", o.Name, o.Err))
		default:
			fPassed++
		}
	}})
	stop()
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "earsim demo: interrupted")
		return exitCannot
	}

	// 2. The bundled scenarios on the simulator.
	list, err := scenarios.Bundled()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim demo: bundled scenarios: %v\n", err)
		return exitCannot
	}
	rep, code := execute(ctx, e, list, nil)
	if code == exitCannot {
		return code
	}
	for _, tr := range rep.Scenarios {
		for _, id := range tr.Rules {
			get(id).scenarios++
			if tr.Passed {
				get(id).scenariosPassed++
			}
		}
	}

	// 3. The policy check on the bundled examples, against their goldens.
	exChecked, exFails, err := demoCheck(ctx, engine, func(id string) { get(id).checks++ })
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim demo: %v\n", err)
		return exitCannot
	}

	fmt.Fprintf(e.stdout, "earsim demo: %d features over HTTP with digest auth against the embedded mock;\n", fPassed+fFailed+fSkipped)
	fmt.Fprintf(e.stdout, "             %d bundled scenarios on the simulator; earsim check on %d example inputs;\n", len(rep.Scenarios), exChecked)
	fmt.Fprintf(e.stdout, "             the Rego policies decide all three. Per rule: FEATURES and SCENARIOS passed/run\n")
	fmt.Fprintf(e.stdout, "             that cite it (a feature the mock cannot run is skipped, and said so), CHECK the\n")
	fmt.Fprintf(e.stdout, "             findings it gives on the example inputs.\n\n")
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tFEATURES\tSCENARIOS\tCHECK\tTITLE")
	uncovered := 0
	for _, r := range engine.Catalog() {
		t := get(r.ID)
		if t.features+t.scenarios == 0 {
			uncovered++
		}
		features := fmt.Sprintf("%d/%d", t.featuresPassed, t.features)
		if t.featuresSkipped > 0 {
			features += fmt.Sprintf(" +%d skipped", t.featuresSkipped)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\t%s\n", r.ID, features, t.scenariosPassed, t.scenarios, t.checks, r.Title)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout)
	for _, f := range featureFails {
		fmt.Fprintf(e.stdout, "FAIL feature %s\n", f)
	}
	for _, tr := range rep.Scenarios {
		for _, f := range tr.Failures {
			fmt.Fprintf(e.stdout, "FAIL %s\n", f)
		}
	}
	if uncovered > 0 {
		fmt.Fprintf(e.stdout, "%d rules have neither a feature nor a scenario\n", uncovered)
	}
	for _, s := range featureSkips {
		fmt.Fprintf(e.stdout, "skipped feature %s\n", s)
	}
	if fSkipped > 0 {
		fmt.Fprintf(e.stdout, "features: %d passed, %d failed, %d skipped (what the mock cannot serve, named above)\n", fPassed, fFailed, fSkipped)
	} else {
		fmt.Fprintf(e.stdout, "features: %d passed, %d failed\n", fPassed, fFailed)
	}
	fmt.Fprintf(e.stdout, "scenarios: %d passed, %d failed\n", rep.Passed, rep.Failed)
	for _, f := range exFails {
		fmt.Fprintf(e.stdout, "FAIL check %s\n", f)
	}
	fmt.Fprintf(e.stdout, "check: %d of %d examples report exactly their golden findings\n", exChecked-len(exFails), exChecked)
	if !walked {
		fmt.Fprintln(e.stdout, "FAIL the walk through the seed's procedure answered otherwise than the rules say")
	}
	tryNext(e.stdout, os.Args[0])
	if fFailed > 0 || rep.Failed > 0 || uncovered > 0 || len(exFails) > 0 || !walked {
		return exitFound
	}
	return exitOK
}

// tryNext prints what to try after the demo, in the form that runs from
// where the user stands: after `go run ./cmd/earsim demo` there is no
// earsim on PATH, so the lines say `go run ./cmd/earsim ...` and how to get
// earsim on PATH; a binary run by its path (bin/earsim) is named so.
func tryNext(w io.Writer, argv0 string) {
	name := earsimCommand(argv0)
	fmt.Fprintln(w, "\nTry next:")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, l := range [][2]string{
		{"serve --time-scale 30 --azure-auto-approve 30s", "a local Atlas for Terraform, the SDK, curl; its console at http://127.0.0.1:8080/"},
		{"check plan.json", "a Terraform plan (tofu show -json), judged in apply order"},
		{"explore --depth 6", "search the state space for a broken rule"},
		{"rules", "every rule, its errorCode and seed sentence"},
	} {
		fmt.Fprintf(tw, "  %s %s\t%s\n", name, l[0], l[1])
	}
	tw.Flush()
	if name == goRunEarsim {
		fmt.Fprintln(w, "  (from this checkout; for `earsim` on PATH: go install ./cmd/earsim, or make build and bin/earsim)")
	}
}

const goRunEarsim = "go run ./cmd/earsim"

// earsimCommand is how the user runs this binary again: "go run
// ./cmd/earsim" when it is go run's build (an executable in a temporary
// go-build directory or in the Go build cache), its path as typed when
// run by one (bin/earsim), else "earsim" (found on PATH).
func earsimCommand(argv0 string) string {
	if !strings.ContainsRune(argv0, filepath.Separator) {
		return "earsim"
	}
	dir := filepath.Dir(argv0)
	if strings.Contains(dir, string(filepath.Separator)+"go-build") {
		return goRunEarsim // $TMPDIR/go-build123/b001/exe, $GOCACHE's default ~/.cache/go-build/ab/...
	}
	if c := os.Getenv("GOCACHE"); c != "" && strings.HasPrefix(dir, filepath.Clean(c)+string(filepath.Separator)) {
		return goRunEarsim
	}
	return argv0
}

// demoCheck runs the policy check on each embedded example and compares its
// findings with the example's golden; count is called per finding's rule.
func demoCheck(ctx context.Context, engine *policies.Engine, count func(rule string)) (int, []string, error) {
	c := check.New(engine)
	fsys := examples.FS()
	var fails []string
	inputs := examples.Inputs()
	for _, in := range inputs {
		rep, err := c.Files(ctx, []string{in}, check.Options{FS: fsys})
		if err != nil {
			return 0, nil, fmt.Errorf("example %s: %w", in, err)
		}
		got := rep.Files[0].Findings
		for i := range got {
			got[i].File = path.Join("examples", got[i].File) // as the goldens name it, from the repository root
			count(got[i].Rule)
		}
		want, err := fs.ReadFile(fsys, examples.Golden(in))
		if err != nil {
			return 0, nil, fmt.Errorf("example %s: golden: %w", in, err)
		}
		var golden []check.Finding
		if err := json.Unmarshal(want, &golden); err != nil {
			return 0, nil, fmt.Errorf("example %s: golden: %w", in, err)
		}
		a, _ := json.Marshal(golden)
		b, _ := json.Marshal(got)
		if !bytes.Equal(a, b) {
			fails = append(fails, fmt.Sprintf("examples/%s: findings differ from examples/%s", in, examples.Golden(in)))
		}
	}
	return len(inputs), fails, nil
}
