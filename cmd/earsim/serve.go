package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"text/tabwriter"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func runServe(ctx context.Context, args []string, e *env) int {
	fs := e.flags("serve", "[--addr 127.0.0.1:8080] [--keys FILE] [--state FILE] [--seed N] [--control-token T] [--fault NAME]...",
		"Serve the mock Atlas Administration API (API.md) over HTTP with digest authentication,\nbacked by the simulator with the policies in the loop. Control routes for Azure, the\nclock and faults are under /_sim/v1/. Without --keys, one development key (public\nkey earsimdv, see API.md) and loopback only.")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	keysFile := fs.String("keys", "", "YAML file of API keys and their roles (API.md)")
	stateFile := fs.String("state", "", "keep the world in this file across restarts")
	seed := fs.Uint64("seed", 1, "seed of the world (ids, approval lags)")
	token := fs.String("control-token", "", "require Authorization: Bearer TOKEN on control routes (and allow them off loopback)")
	list := fs.Bool("list-faults", false, "print the faults and the rule each breaks, then exit")
	noAuth := fs.Bool("no-auth", false, "serve every request as the development key without digest authentication (loopback only; for load baselines)")
	var faults multi
	fs.Var(&faults, "fault", "start deliberately wrong: break one rule (repeatable; see --list-faults)")
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
	engine, err := policies.Default()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
		return exitCannot
	}
	srv, err := atlasapi.New(atlasapi.Options{Seed: *seed, Checker: engine, Keys: keys, ControlToken: *token, Faults: faults, StatePath: *stateFile, NoAuth: *noAuth})
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
		return exitCannot
	}
	run, err := srv.Start(*addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
		return exitCannot
	}
	who := "keys from " + *keysFile
	if keys == nil {
		who = "development keys earsimdv (owner) and earsimro (read-only)"
	}
	fmt.Fprintf(e.stderr, "earsim serve: listening on http://%s (%s; control routes at /_sim/v1/)\n", run.Addr, who)
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
		fmt.Fprintln(e.stderr, "earsim serve: stopped")
	}
	return exitOK
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
