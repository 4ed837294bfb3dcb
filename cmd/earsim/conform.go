package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/conformance"
)

func runConform(ctx context.Context, args []string, e *env) int {
	fs := e.flags("conform", "[--target URL] [--public-key K --private-key S | --client-id I --client-secret S] [--tags EXPR] [--format pretty|progress|junit|cucumber] [--output FILE] [--allow-destructive] [--strict-codes] [--ledger FILE] [--faults]",
		"Run the Gherkin features (every rule ID of RULES.md) against a target: without --target,\nthe embedded mock on a loopback port. Keys may come from EARSIM_PUBLIC_KEY /\nEARSIM_PRIVATE_KEY or MONGODB_ATLAS_PUBLIC_API_KEY / MONGODB_ATLAS_PRIVATE_API_KEY;\na service account from --client-id / --client-secret or MONGODB_ATLAS_CLIENT_ID /\nMONGODB_ATLAS_CLIENT_SECRET. Scenarios needing what the target lacks (@needs-azure,\n@needs-clock, @needs-roles) are skipped, each with what the target lacks, and counted\nin the one summary.\n\nAgainst an earsim serve (--target with control routes) the run makes a world of its\nown there (POST /_sim/v1/worlds), runs every scenario in it and ends it: the world you\nwork in is left as it was. An earsim without worlds has its world RESET before each\nscenario; the run says so on stderr before it starts. Against another target (live\nAtlas, a team's mock) each scenario works in a project of its own that the run creates\nand removes.")
	target := fs.String("target", "", "base URL of the endpoint under test (default: the embedded mock)")
	pub := fs.String("public-key", "", "API public key (Project Owner)")
	priv := fs.String("private-key", "", "API private key")
	clientID := fs.String("client-id", "", "a service account's client id (Project Owner), instead of a key")
	clientSecret := fs.String("client-secret", "", "its client secret")
	roPub := fs.String("read-only-public-key", "", "a Project Read Only key, for @needs-roles")
	roPriv := fs.String("read-only-private-key", "", "its private key")
	tags := fs.String("tags", "", "select scenarios by tag expression, e.g. '@EAR-PE-06' or '~@destructive'")
	format := fs.String("format", "progress", "pretty, progress, junit or cucumber")
	output := fs.String("output", "", "write the report to this file instead of stdout")
	destructive := fs.Bool("allow-destructive", false, "run @destructive scenarios on a target that is not earsim")
	strict := fs.Bool("strict-codes", false, "fail, rather than record, an errorCode that differs on a modelling-decision rule")
	ledger := fs.String("ledger", "", "write the divergences as JSON to this file")
	poll := fs.Duration("poll", 15*time.Second, "interval of 'within N minutes' checks on targets without a clock")
	faults := fs.Bool("faults", false, "run the suite against the embedded mock with each fault and print the matrix")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if !checkFormat(e, *format, "pretty", "progress", "junit", "cucumber") {
		return exitCannot
	}
	if *faults {
		return faultMatrix(ctx, e)
	}
	var d *conformance.HTTPDriver
	if *target == "" {
		emb, stop, err := embedded(nil)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim conform: %v\n", err)
			return exitCannot
		}
		defer stop()
		d = emb
	} else {
		owner := conformance.Credentials{PublicKey: first(*pub, os.Getenv("EARSIM_PUBLIC_KEY"), os.Getenv("MONGODB_ATLAS_PUBLIC_API_KEY")),
			PrivateKey: first(*priv, os.Getenv("EARSIM_PRIVATE_KEY"), os.Getenv("MONGODB_ATLAS_PRIVATE_API_KEY"))}
		sa := conformance.Credentials{ClientID: first(*clientID, os.Getenv("MONGODB_ATLAS_CLIENT_ID")),
			ClientSecret: first(*clientSecret, os.Getenv("MONGODB_ATLAS_CLIENT_SECRET"))}
		switch {
		case (*clientID != "" || *clientSecret != "") && (*pub != "" || *priv != ""):
			fmt.Fprintln(e.stderr, "earsim conform: give a key (--public-key, --private-key) or a service account (--client-id, --client-secret), not both")
			return exitCannot
		case *clientID != "" || *clientSecret != "" || (owner.PublicKey == "" && owner.PrivateKey == "" && (sa.ClientID != "" || sa.ClientSecret != "")):
			if sa.ClientID == "" || sa.ClientSecret == "" {
				fmt.Fprintln(e.stderr, "earsim conform: a service account needs --client-id and --client-secret (or MONGODB_ATLAS_CLIENT_ID / MONGODB_ATLAS_CLIENT_SECRET)")
				return exitCannot
			}
			owner = sa
		case owner.PublicKey == "" || owner.PrivateKey == "":
			fmt.Fprintln(e.stderr, "earsim conform: a --target needs --public-key and --private-key (or EARSIM_PUBLIC_KEY / EARSIM_PRIVATE_KEY), or a service account's --client-id and --client-secret")
			return exitCannot
		}
		d = &conformance.HTTPDriver{BaseURL: strings.TrimSuffix(*target, "/"), Owner: owner, Seed: 1}
		switch {
		case *roPub != "":
			d.ReadOnly = &conformance.Credentials{PublicKey: *roPub, PrivateKey: *roPriv}
		case owner.PublicKey == atlasapi.DevKey.PublicKey || owner.ClientID == atlasapi.DevServiceAccount.ClientID: // earsim serve without --keys has both development keys
			d.ReadOnly = &conformance.Credentials{PublicKey: atlasapi.DevReadOnlyKey.PublicKey, PrivateKey: atlasapi.DevReadOnlyKey.PrivateKey}
		}
	}
	world := ""
	if *target != "" {
		var err error
		world, err = d.OpenWorld(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim conform: %v\n", err)
			return exitCannot
		}
		if world != "" {
			fmt.Fprintf(e.stderr, "earsim conform: running in a world of its own at %s (ended after the run): the target's other worlds are not touched\n", d.BaseURL)
			defer func() {
				endCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := d.EndWorld(endCtx); err != nil {
					fmt.Fprintf(e.stderr, "earsim conform: %v: end it with curl -X DELETE %s/_sim/v1/worlds/%s\n", err, strings.TrimSuffix(*target, "/"), world)
				}
			}()
		}
		if err := d.Preflight(ctx); err != nil {
			fmt.Fprintf(e.stderr, "earsim conform: %v\n", err)
			return exitCannot
		}
	}
	caps := d.Capabilities()
	if *target != "" && world == "" {
		fmt.Fprint(e.stderr, targetWarning(d, caps, *destructive))
	}
	// Divergences are for live targets; earsim itself (control routes) must
	// answer the model's codes exactly.
	strictCodes := *strict || caps.Clock
	sel := *tags
	if !caps.Clock && !*destructive { // not earsim: keep its data unless allowed
		sel = joinTags(sel, "~@destructive")
	}
	var out io.Writer = e.stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim conform: %s\n", fileError(err))
			return exitCannot
		}
		defer f.Close()
		out = f
	}
	var passed, failed, skipped int
	var skips []string // said after the report, not amid its progress
	var divergences []conformance.Divergence
	ok := conformance.Run(conformance.Options{
		Driver: d, Tags: sel, Format: *format, Output: out, Poll: *poll, Context: ctx,
		CodeIsMD: codeIsMD(), StrictCodes: strictCodes,
		Diverge: func(dv conformance.Divergence) { divergences = append(divergences, dv) },
		Record: func(o conformance.Outcome) {
			switch {
			case o.Skipped:
				skipped++
				skips = append(skips, fmt.Sprintf("skipped: %q%s: %s", o.Name, ruleIDs(o.Tags), o.Why))
			case o.Err != nil:
				failed++
			default:
				passed++
			}
		},
	})
	if d.Live || !caps.Clock {
		cleanCtx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		left := d.CleanupAll(cleanCtx)
		cancel()
		for _, g := range left {
			fmt.Fprintf(e.stderr, "earsim conform: could not remove project %s (run prefix %s); remove it by hand\n", g, d.RunPrefix)
		}
	}
	for _, dv := range divergences {
		fmt.Fprintf(e.stderr, "divergence: %q (%s): %d %s, the model says %s\n", dv.Scenario, strings.Join(dv.Rules, ", "), dv.Status, dv.Got, dv.Expected)
	}
	if *ledger != "" {
		data, _ := json.MarshalIndent(map[string]any{"target": d.BaseURL, "divergences": divergences}, "", "  ")
		if err := os.WriteFile(*ledger, append(data, '\n'), 0o644); err != nil {
			fmt.Fprintf(e.stderr, "earsim conform: %s\n", fileError(err))
			return exitCannot
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "earsim conform: interrupted")
		return exitCannot
	}
	where := d.BaseURL
	if *target == "" {
		where = "the embedded mock at " + d.BaseURL
	}
	for _, s := range skips {
		fmt.Fprintln(e.stderr, s)
	}
	// The one summary: godog's own counts (which count a skipped scenario as
	// passed) are left out of the report.
	fmt.Fprintf(e.stderr, "earsim conform: %d scenarios against %s: %d passed, %d failed, %d skipped (capabilities: azure=%v clock=%v roles=%v)\n",
		passed+failed+skipped, where, passed, failed, skipped, caps.Azure, caps.Clock, caps.Roles)
	if !ok {
		return exitFound
	}
	return exitOK
}

// targetWarning says, before the run, exactly what conform will change on a
// --target that gave it no world of its own: the world of an earsim without
// worlds is reset before every scenario; on a target without earsim's
// control routes (live Atlas, a team's mock), each scenario works in a
// project of its own that the run creates and removes.
func targetWarning(d *conformance.HTTPDriver, caps conformance.Capabilities, destructive bool) string {
	if caps.Clock && !d.Live {
		return fmt.Sprintf(`earsim conform: WARNING: %s is an earsim without worlds, and this run resets its world before each
  scenario (POST %s/_sim/v1/reset, seed %d): every project, encryption configuration, private
  endpoint, cluster, Azure key and the clock of that world are replaced by a fresh one, and what
  the last scenario left stays there after the run. Anything you made in that serve (Terraform,
  curl, the console) is lost. To keep it, run conform against a serve of its own (another
  --addr) or without --target (the embedded mock).
`, d.BaseURL, d.BaseURL, d.Seed)
	}
	if d.RunPrefix == "" {
		d.RunPrefix = "earsim-" + time.Now().UTC().Format("20060102-150405")
	}
	what := "@destructive scenarios are left out (--allow-destructive runs them, in those projects too)"
	if destructive {
		what = "@destructive scenarios delete and disable things, in those projects only (--allow-destructive)"
	}
	return fmt.Sprintf(`earsim conform: %s has no earsim control routes: each scenario creates a project named
  %s-N in the organization of the key and works only there; the run removes those projects
  at the end (what it cannot remove, it names). Nothing else in the organization is changed;
  %s.
`, d.BaseURL, d.RunPrefix, what)
}

// ruleIDs is " (EAR-TIER-03)" for a scenario's rule ID tags, or "".
func ruleIDs(tags []string) string {
	var ids []string
	for _, t := range tags {
		if id := strings.TrimPrefix(t, "@"); strings.HasPrefix(id, "EAR-") {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return " (" + strings.Join(ids, ", ") + ")"
}

// faultMatrix runs the suite against the embedded mock with each fault.
func faultMatrix(ctx context.Context, e *env) int {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tRULE\tCAUGHT\tFAILING SCENARIOS")
	missed := 0
	done := 0
	for _, f := range atlasapi.Faults {
		if ctx.Err() != nil {
			break
		}
		d, stop, err := embedded([]string{f.Name})
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim conform: %v\n", err)
			return exitCannot
		}
		var failing []string
		conformance.Run(conformance.Options{Driver: d, Output: &bytes.Buffer{}, Context: ctx, Record: func(o conformance.Outcome) {
			if o.Err != nil {
				failing = append(failing, o.Name)
			}
		}})
		stop()
		if ctx.Err() != nil { // its scenarios were cancelled, not failed: no verdict
			break
		}
		done++
		caught := "yes"
		if len(failing) == 0 {
			caught, missed = "NO", missed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, f.Rule, caught, strings.Join(failing, "; "))
	}
	tw.Flush()
	if ctx.Err() != nil {
		fmt.Fprintf(e.stdout, "interrupted after %d of %d faults: %d caught so far\n", done, len(atlasapi.Faults), done-missed)
		return exitInterrupted
	}
	fmt.Fprintf(e.stdout, "%d of %d faults caught\n", len(atlasapi.Faults)-missed, len(atlasapi.Faults))
	if missed > 0 {
		return exitFound
	}
	return exitOK
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func joinTags(a, b string) string {
	if a == "" {
		return b
	}
	return "(" + a + ") && " + b
}
