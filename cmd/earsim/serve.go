package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func runServe(ctx context.Context, args []string, e *env) int {
	fs := e.flags("serve", "[--addr 127.0.0.1:8080] [--time-scale N] [--azure-auto-approve D] [--keys FILE] [--state FILE] [--seed N] [--control-token T] [--fault NAME]...",
		"Serve the mock Atlas Administration API (API.md) over HTTP with digest authentication,\nbacked by the simulator with the policies in the loop. Control routes for Azure, the\nclock and faults are under /_sim/v1/; a web console that shows the world live and\napproves like the Azure portal is at /console/ (open http://127.0.0.1:8080/ in a\nbrowser). Without --keys, the development keys earsimdv (owner) and earsimro\n(read-only, see API.md); control routes and console on loopback only.")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	keysFile := fs.String("keys", "", "YAML file of API keys and their roles (API.md)")
	stateFile := fs.String("state", "", "keep the world in this file across restarts")
	seed := fs.Uint64("seed", 1, "seed of the world (ids, approval lags)")
	token := fs.String("control-token", "", "require Authorization: Bearer TOKEN on control routes (and allow them off loopback)")
	list := fs.Bool("list-faults", false, "print the faults and the rule each breaks, then exit")
	noAuth := fs.Bool("no-auth", false, "serve every request as the development key without digest authentication (loopback only; for load baselines)")
	scale := fs.Float64("time-scale", 1, "logical seconds per real second: 1 runs Atlas's own times (provisioning 60 s, approval lag up to 180 s), 60 an hour a minute, 0 moves the clock only through POST /_sim/v1/clock/advance")
	var approve autoApprove
	fs.Var(&approve, "azure-auto-approve", "have the simulated Azure side approve each endpoint's connection this `DURATION` (logical, e.g. 30s) after it reaches PENDING_ACCEPTANCE; default: approval only through the control routes")
	traceFile := fs.String("trace", "", "append every request and its answer to `FILE` as JSON lines (secrets redacted), to see what a client sends")
	var allowHosts multi
	fs.Var(&allowHosts, "allow-host", "also answer requests whose Host (or, for writes, Origin) is `NAME` (repeatable); localhost, loopback IPs and the listen address always are, any other name is refused (DNS rebinding)")
	var faults multi
	fs.Var(&faults, "fault", "start deliberately wrong: the fault `NAME` breaks one rule (repeatable; see --list-faults)")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "earsim serve: takes no arguments, got %q\n", fs.Arg(0))
		return exitCannot
	}
	if *list {
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "FAULT\tRULE\tWHAT")
		for _, f := range atlasapi.Faults {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Rule, f.What)
		}
		tw.Flush()
		return exitOK
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: --addr must be HOST:PORT, such as 127.0.0.1:8080 (or 127.0.0.1:0 for any free port), got %q\n", *addr)
		return exitCannot
	}
	var keys []atlasapi.Key
	if *keysFile != "" {
		k, err := atlasapi.LoadKeys(*keysFile)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
			return exitCannot
		}
		keys = k
	} else if !loopbackAddr(*addr) {
		fmt.Fprintf(e.stderr, "earsim serve: without --keys the development key is used and serve binds to loopback only; %q is not loopback\n", *addr)
		return exitCannot
	}
	if *noAuth && !loopbackAddr(*addr) {
		fmt.Fprintf(e.stderr, "earsim serve: --no-auth binds to loopback only; %q is not loopback\n", *addr)
		return exitCannot
	}
	if *scale < 0 || math.IsNaN(*scale) || math.IsInf(*scale, 0) {
		fmt.Fprintf(e.stderr, "earsim serve: --time-scale must be a number from 0 (0: the clock moves only through the control route), got %v\n", *scale)
		return exitCannot
	}
	var trace io.Writer
	if *traceFile != "" {
		f, err := os.OpenFile(*traceFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim serve: %s\n", fileError(err))
			return exitCannot
		}
		defer f.Close()
		trace = f
	}
	engine, err := policies.Default()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
		return exitCannot
	}
	// The policies through the service's memo: each rule's answer
	// remembered by what it reads (policies.Service).
	srv, err := atlasapi.New(atlasapi.Options{Seed: *seed, Checker: policies.NewService(engine), Keys: keys, ControlToken: *token, Faults: faults, StatePath: *stateFile, NoAuth: *noAuth,
		TimeScale: *scale, AutoApprove: approve.d, Trace: trace, AllowedHosts: allowHosts, Log: e.stderr, Rules: consoleRules(engine)})
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
		return exitCannot
	}
	run, err := srv.Start(*addr)
	if err != nil {
		hint := ""
		if errors.Is(err, syscall.EADDRINUSE) {
			hint = " (another server holds that port: stop it, or choose another with --addr 127.0.0.1:PORT; 127.0.0.1:0 takes any free port)"
		}
		fmt.Fprintf(e.stderr, "earsim serve: %v%s\n", err, hint)
		return exitCannot
	}
	who := "keys from " + *keysFile
	if keys == nil {
		who = "development keys earsimdv (owner) and earsimro (read-only)"
	}
	fmt.Fprintf(e.stderr, "earsim serve: listening on http://%s (%s; control routes at /_sim/v1/)\n", run.Addr, who)
	clock := fmt.Sprintf("time scale %g: logical time runs %g× real time", *scale, *scale)
	if *scale == 0 {
		clock = "time scale 0: the clock moves only through POST /_sim/v1/clock/advance"
	}
	if approve.d != nil {
		clock += fmt.Sprintf("; Azure approves each connection %s after PENDING_ACCEPTANCE", approve.d)
	}
	fmt.Fprintf(e.stderr, "earsim serve: %s\n", clock)
	console := "http://" + run.Addr + "/console/"
	if *token != "" {
		console += "#token=YOUR_CONTROL_TOKEN" // the page reads it from the fragment, which no request carries
	}
	fmt.Fprintf(e.stderr, "earsim serve: console at %s\n", console)
	if *noAuth {
		fmt.Fprintln(e.stderr, "earsim serve: --no-auth: every request acts as the development key")
	}
	if len(faults) > 0 {
		fmt.Fprintf(e.stderr, "earsim serve: deliberately faulty: %s\n", strings.Join(faults, ", "))
	}
	select {
	case err := <-run.Done():
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
			return exitCannot
		}
	case <-ctx.Done():
		run.Stop()
		fmt.Fprintln(e.stderr, "earsim serve: interrupted: stopped after finishing the requests in flight")
	}
	return exitOK
}

// autoApprove is --azure-auto-approve: a duration ("30s", "2m") or whole seconds.
type autoApprove struct{ d *time.Duration }

func (a *autoApprove) String() string {
	if a.d == nil {
		return ""
	}
	return a.d.String()
}

func (a *autoApprove) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.ParseUint(v, 10, 32)
		if nerr != nil {
			return fmt.Errorf("want a duration such as 30s or 2m, or whole seconds")
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return fmt.Errorf("must not be negative")
	}
	a.d = &d
	return nil
}

// loopbackAddr reports whether a listen address is on loopback only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// consoleRules are the rules' titles and seed sentences for the console.
func consoleRules(engine *policies.Engine) []atlasapi.RuleInfo {
	var out []atlasapi.RuleInfo
	for _, r := range engine.Catalog() {
		out = append(out, atlasapi.RuleInfo{ID: r.ID, Title: r.Title, Severity: r.Severity, Source: r.Source})
	}
	return out
}
