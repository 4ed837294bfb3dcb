package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
)

// runDemo is the README's main job on its embedded default: every bundled
// scenario on the simulator, with the Rego policies deciding, and one
// summary with counts per rule ID.
func runDemo(ctx context.Context, args []string, e *env) int {
	fs := e.flags("demo", "", "Run the bundled scenarios (one or more per rule ID of RULES.md and one per\nprocedure of the seed document) on the simulator with the Rego policies in\nthe loop, and print one summary with counts per rule ID. Exit 0 when all pass.")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "earsim demo: takes no arguments, got %q\n", fs.Arg(0))
		return exitCannot
	}
	list, err := scenarios.Bundled()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim demo: bundled scenarios: %v\n", err)
		return exitCannot
	}
	engine, err := policies.Default()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim demo: %v\n", err)
		return exitCannot
	}
	rep, code := execute(ctx, e, list, nil)
	if code == exitCannot {
		return code
	}
	type tally struct{ scenarios, passed int }
	perRule := map[string]*tally{}
	for _, tr := range rep.Scenarios {
		for _, id := range tr.Rules {
			if perRule[id] == nil {
				perRule[id] = &tally{}
			}
			perRule[id].scenarios++
			if tr.Passed {
				perRule[id].passed++
			}
		}
		for _, f := range tr.Failures {
			fmt.Fprintf(e.stdout, "FAIL %s\n", f)
		}
	}
	fmt.Fprintf(e.stdout, "earsim demo: %d bundled scenarios on the simulator, Rego policies in the loop\n\n", len(rep.Scenarios))
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSCENARIOS\tPASSED\tTITLE")
	uncovered := 0
	for _, r := range engine.Catalog() {
		t := perRule[r.ID]
		if t == nil {
			t = &tally{}
			uncovered++
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", r.ID, t.scenarios, t.passed, r.Title)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout)
	if uncovered > 0 {
		fmt.Fprintf(e.stdout, "%d rules have no scenario\n", uncovered)
		code = exitFound
	}
	fmt.Fprintf(e.stdout, "scenarios: %d passed, %d failed\n", rep.Passed, rep.Failed)
	return code
}
