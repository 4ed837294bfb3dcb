package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/earsim/earsim/conformance"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
)

// runDemo is the README's main job on its embedded default: the mock on a
// loopback port with the whole conformance suite against it over HTTP with
// digest authentication, then every bundled scenario on the simulator, and
// one summary with counts per rule ID.
func runDemo(ctx context.Context, args []string, e *env) int {
	fs := e.flags("demo", "", "Start the embedded mock on a loopback port and run every Gherkin feature against it\nover HTTP with digest authentication; run every bundled scenario on the simulator;\nprint one summary with counts per rule ID. Exit 0 when all pass.")
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
	type tally struct{ features, featuresPassed, scenarios, scenariosPassed int }
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
	var featureFails []string
	fPassed, fFailed := 0, 0
	var report bytes.Buffer
	conformance.Run(conformance.Options{Driver: d, Output: &report, Context: ctx, Record: func(o conformance.Outcome) {
		for _, t := range o.Tags {
			if id := strings.TrimPrefix(t, "@"); strings.HasPrefix(id, "EAR-") {
				get(id).features++
				if o.Err == nil && !o.Skipped {
					get(id).featuresPassed++
				}
			}
		}
		if o.Err != nil {
			fFailed++
			featureFails = append(featureFails, fmt.Sprintf("%s: %v", o.Name, o.Err))
		} else {
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

	fmt.Fprintf(e.stdout, "earsim demo: %d features over HTTP with digest auth against the embedded mock (%s);\n", fPassed+fFailed, d.BaseURL)
	fmt.Fprintf(e.stdout, "             %d bundled scenarios on the simulator; the Rego policies decide both\n\n", len(rep.Scenarios))
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tFEATURES\tSCENARIOS\tTITLE")
	uncovered := 0
	for _, r := range engine.Catalog() {
		t := get(r.ID)
		if t.features+t.scenarios == 0 {
			uncovered++
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%d/%d\t%s\n", r.ID, t.featuresPassed, t.features, t.scenariosPassed, t.scenarios, r.Title)
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
	fmt.Fprintf(e.stdout, "features: %d passed, %d failed\n", fPassed, fFailed)
	fmt.Fprintf(e.stdout, "scenarios: %d passed, %d failed\n", rep.Passed, rep.Failed)
	if fFailed > 0 || rep.Failed > 0 || uncovered > 0 {
		return exitFound
	}
	return exitOK
}
