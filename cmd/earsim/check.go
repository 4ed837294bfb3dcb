package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/policies"
)

func runCheck(ctx context.Context, args []string, e *env) int {
	fs := e.flags("check", "[--format text|json|junit|sarif] [--fail-on error|warning] [--suppressions FILE] [--policy DIR]... [--interruptions] [--input-kind plan|state|request] FILE...",
		`Evaluate the policies on inputs before they are applied:
  plan     a Terraform plan as 'terraform show -json' writes it (provider 1.x or 2.x
           shapes), its Azure half included: azapi approvals of the vault's private
           endpoint connections, azurerm keys and vaults, Microsoft.Network's
           registration (a key, vault or registration the plan destroys while in use
           is an error)
  state    a desired state: the world of a scenario YAML
  request  an Atlas request with the state it meets: {"op", "project", "request"}
The kind is detected; --input-kind forces it. Findings carry rule ID, level
(error, warning, note), message, remediation, resource and file:line.

--interruptions: an apply can stop after any step (a refusal, a timeout,
Ctrl-C, a CI runner killed). For each plan, the world the apply leaves if it
stops after step k (each step but the last, with the provider's wait) is
judged by the same state rules as the world the completed apply leaves
(EAR-MR-01's uncovered region, EAR-KEY-02's key gone while in use, ...).
What a cut exhibits that neither the world before the apply nor the
completed apply's does is a finding ("if the apply stops after step 2 of 4
(ADDRESS create) ...: ...; step 4 (...) ends it"), on the resource it is
about; its fix names the depends_on that closes the window when the simulator,
applying the plan in that order, finds nothing else changed. Suppressions and
--fail-on apply as to any finding. Desired states and requests have no
steps. A team's rules (--policy) judge requests, not states: they are not
asked at the cuts, but their refusals shape the apply that is cut.

Exit 0 when no unsuppressed finding reaches --fail-on, 1 when one does,
2 when an input cannot be read (nothing is written then).`)
	format := formatFlag(fs, check.Formats...)
	failOn := fs.String("fail-on", "error", "lowest level that fails the check: error or warning")
	supFile := fs.String("suppressions", "", "YAML list of {rule, resource, reason, expires: YYYY-MM-DD}")
	kind := fs.String("input-kind", "", "force the input kind: "+strings.Join(check.Kinds, ", "))
	today := fs.String("today", "", "the date suppressions expire against (YYYY-MM-DD; default: today, UTC)")
	interruptions := fs.Bool("interruptions", false, "also judge each plan's apply cut off after every step (see above)")
	var policyDirs multi
	fs.Var(&policyDirs, "policy", "also judge with a team's own Rego rules in `DIR` (package earsim.team.<name>, deny/warn; repeatable; policies/README.md)")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if !checkFormat(e, *format, check.Formats...) {
		return exitCannot
	}
	if *failOn != check.LevelError && *failOn != check.LevelWarning {
		fmt.Fprintf(e.stderr, "earsim check: --fail-on must be error or warning, got %q\n", *failOn)
		return exitCannot
	}
	if *kind != "" && !slices.Contains(check.Kinds, *kind) {
		fmt.Fprintf(e.stderr, "earsim check: --input-kind must be one of %s, got %q\n", strings.Join(check.Kinds, ", "), *kind)
		return exitCannot
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(e.stderr, "earsim check: no input files (try 'earsim check examples/*.json')")
		return exitCannot
	}
	opt := check.Options{Kind: *kind, Today: time.Now().UTC(), Interruptions: *interruptions}
	if *today != "" {
		t, err := time.Parse(time.DateOnly, *today)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim check: --today must be a date YYYY-MM-DD, got %q\n", *today)
			return exitCannot
		}
		opt.Today = t
	}
	if *supFile != "" {
		sups, err := check.LoadSuppressions(*supFile)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim check: %v\n", err)
			return exitCannot
		}
		opt.Suppressions = sups
	}
	// Compiling the policies is most of a one-file run; its garbage is
	// short-lived and a few MB, so the collector waits until it is done
	// (docs/BENCHMARKS.md, issue 15).
	gc := debug.SetGCPercent(-1)
	engine, err := policies.Default()
	debug.SetGCPercent(gc)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim check: %v\n", err)
		return exitCannot
	}
	paths, err := expandInputs(fs.Args())
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim check: %v\n", err)
		return exitCannot
	}
	checker := check.New(engine)
	if len(policyDirs) > 0 {
		team, err := policies.LoadTeam(policyDirs...)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim check: %v\n", err) // a *policies.TeamError names file and line
			return exitCannot
		}
		checker.SetTeam(team)
	}
	rep, err := checker.Files(ctx, paths, opt)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim check: %v\n", err) // an *check.InputError names file and line
		return exitCannot
	}
	if err := rep.Write(e.stdout, *format, *failOn); err != nil {
		fmt.Fprintf(e.stderr, "earsim check: %v\n", err)
		return exitCannot
	}
	if rep.Fails(*failOn) {
		return exitFound
	}
	return exitOK
}

// expandInputs replaces each folder among the arguments by the inputs in it
// (*.json, *.yaml, *.yml, recursively, in lexical order), as earsim run
// takes folders of scenarios.
func expandInputs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		info, err := os.Stat(a)
		if err != nil || !info.IsDir() {
			out = append(out, a) // the checker names a missing file
			continue
		}
		n := len(out)
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".json", ".yaml", ".yml":
				if !d.IsDir() {
					out = append(out, p)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s: a folder with no .json, .yaml or .yml input", a)
		}
	}
	return out, nil
}
