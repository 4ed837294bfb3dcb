package main

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/earsim/earsim/policies"
)

// runTest is earsim test: a team's Rego tests with earsim's lib on the path,
// and their coverage of the team's rules.
func runTest(ctx context.Context, args []string, e *env) int {
	fs := e.flags("test", "[--format text|json] [--threshold PERCENT] DIR...",
		`Run a team's Rego tests (_test.rego) in the folders, with earsim's library
(data.earsim.lib) and the folders' data files on the path, under the
capabilities the rules get in 'earsim check --policy' and 'earsim serve
--policy', and print each test and the line coverage of the team's rule files.
The same files work with OPA itself:
  go tool opa test DIR policies/lib/lib.rego --coverage
Exit 0 when every test passes (and coverage reaches --threshold), 1 when one
fails, 2 when a file does not load or compile (file and line named).`)
	format := formatFlag(fs, "text", "json")
	threshold := fs.Float64("threshold", 0, "fail when the coverage of the team's rule files is below `PERCENT`")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if !checkFormat(e, *format, "text", "json") {
		return exitCannot
	}
	if *threshold < 0 || *threshold > 100 || math.IsNaN(*threshold) {
		fmt.Fprintf(e.stderr, "earsim test: --threshold must be a percentage from 0 to 100, got %v\n", *threshold)
		return exitCannot
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(e.stderr, "earsim test: no policy folder (try 'earsim test examples/team-policy/policy')")
		return exitCannot
	}
	rep, err := policies.TestTeam(ctx, fs.Args()...)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim test: %v\n", err) // a *policies.TeamError names file and line
		return exitCannot
	}
	below := rep.Percent < *threshold
	if *format == "json" {
		if err := writeJSON(e.stdout, rep); err != nil {
			return exitCannot
		}
	} else {
		var b strings.Builder
		passed, failed, skipped := 0, 0, 0
		for _, t := range rep.Tests {
			status := "PASS"
			switch {
			case t.Skip:
				status = "SKIP"
				skipped++
			case t.Pass:
				passed++
			default:
				status = "FAIL"
				failed++
			}
			fmt.Fprintf(&b, "%-4s  %s:%d  %s.%s\n", status, t.File, t.Line, t.Package, t.Name)
			if t.Error != "" {
				fmt.Fprintf(&b, "      %s\n", t.Error)
			}
		}
		fmt.Fprintf(&b, "%d test(s): %d passed, %d failed, %d skipped\n", len(rep.Tests), passed, failed, skipped)
		fmt.Fprintf(&b, "coverage: %.1f%% of the team's rule lines\n", rep.Percent)
		for _, c := range rep.Coverage {
			fmt.Fprintf(&b, "  %5.1f%%  %s", c.Percent, c.File)
			if len(c.Gaps) > 0 {
				fmt.Fprintf(&b, "  not covered: %s", strings.Join(c.Gaps, ", "))
			}
			b.WriteString("\n")
		}
		if below {
			fmt.Fprintf(&b, "coverage %.1f%% is below --threshold %g%%\n", rep.Percent, *threshold)
		}
		fmt.Fprint(e.stdout, b.String())
	}
	if len(rep.Tests) == 0 {
		fmt.Fprintf(e.stderr, "earsim test: no tests (rules named test_* in _test.rego files) in %s\n", strings.Join(fs.Args(), ", "))
		return exitFound
	}
	if !rep.Passed() || below {
		return exitFound
	}
	return exitOK
}
