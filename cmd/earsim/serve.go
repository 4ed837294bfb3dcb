package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func runServe(ctx context.Context, args []string, e *env) int {
	fs := e.flags("serve", "[--addr 127.0.0.1:8080] [--time-scale N] [--azure-auto-approve D] [--keys FILE] [--state FILE|DIR] [--seed N] [--rate-limits off|atlas|FILE] [--chaos SPEC] [--tls [--tls-dir DIR]] [--max-worlds N] [--world-idle D] [--policy DIR]... [--control-token T] [--fault NAME]...",
		"Serve the mock Atlas Administration API (API.md) over HTTP with digest authentication\nand service accounts, backed by the simulator with the policies in the loop. Control\nroutes for Azure, the clock and faults are under /_sim/v1/; a web console that shows\nthe world live and approves like the Azure portal is at /console/ (open\nhttp://127.0.0.1:8080/ in a browser). Every route is also under /w/{world}/: one serve\nholds many independent worlds (README \"One serve for a team\"). Without --keys, the\ndevelopment keys earsimdv (owner) and earsimro (read-only, see API.md) and the\ndevelopment service account mdb_sa_id_00000000000000000000eada (owner); control routes\nand console on loopback only. The Azure side answers as Azure does too: Azure Resource\nManager (a vault's private endpoint connections, Microsoft.Network) and Entra ID tokens\nfor the world's app registrations; Azure's clients need --tls.")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	keysFile := fs.String("keys", "", "YAML `FILE` of API keys and service accounts with their roles (API.md: keys:, serviceAccounts:)")
	stateFile := fs.String("state", "", "keep the world in this `FILE` across restarts (each change logged in FILE.changes before its answer, folded into FILE when the log outgrows it and at start); or, when it names a directory (an existing one, or a path ending in /), every world in a file of its own there")
	maxWorlds := fs.Int("max-worlds", 0, "hold at most `N` worlds at once (0: no bound); past it, making a world answers 503 TOO_MANY_WORLDS")
	worldIdle := fs.Duration("world-idle", 0, "drop a world no request has touched for this `DURATION` (e.g. 30m; saved first with --state DIR, and back on its next request; without it, ended)")
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
	rateLimits := fs.String("rate-limits", "off", "`off|atlas|FILE`: off reports the RateLimit headers only; atlas enforces Atlas's endpoint sets (429 RATE_LIMITED_TOKEN_BUCKET, refilling in logical time); FILE takes the sets from a YAML file (README \"Rate limits\")")
	chaosSpec := fs.String("chaos", "", "make the network unreliable: `SPEC` is a YAML or JSON file, or inline JSON, of {seed, rules: [{method, path, fail, lose, reset, status, latency}]} (README \"An unreliable network\"); also PUT /_sim/v1/chaos")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a certificate from a local CA that serve creates once (ARM and Entra ID clients, the Azure SDKs among them, send tokens only over TLS); its path is printed for SSL_CERT_FILE")
	tlsDir := fs.String("tls-dir", "", "keep the local CA of --tls in `DIR` (implies --tls; default: the user's cache directory, earsim/tls; kept across restarts so that it is trusted once)")
	var policyDirs multi
	fs.Var(&policyDirs, "policy", "also refuse what a team's own Rego rules in `DIR` deny (package earsim.team.<name>; repeatable; policies/README.md)")
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
	var creds atlasapi.Credentials
	if *keysFile != "" {
		k, err := atlasapi.LoadKeys(*keysFile)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
			return exitCannot
		}
		creds = k
	} else if !loopbackAddr(*addr) {
		fmt.Fprintf(e.stderr, "earsim serve: without --keys the development key is used and serve binds to loopback only; %q is not loopback\n", *addr)
		return exitCannot
	}
	if *noAuth && !loopbackAddr(*addr) {
		fmt.Fprintf(e.stderr, "earsim serve: --no-auth binds to loopback only; %q is not loopback\n", *addr)
		return exitCannot
	}
	limits, err := rateLimitsFlag(*rateLimits)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: --rate-limits: %v\n", err)
		return exitCannot
	}
	chaos, err := chaosFlag(*chaosSpec)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: --chaos: %v\n", err)
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
	// remembered by what it reads (policies.Service); a team's rules
	// (--policy) after them, evaluated apart (policies.Team.Judge).
	var checker sim.Checker = policies.NewService(engine)
	rules := consoleRules(engine.Catalog())
	if len(policyDirs) > 0 {
		team, err := policies.LoadTeam(policyDirs...)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
			return exitCannot
		}
		checker, rules = team.Checker(checker), append(rules, consoleRules(team.Rules())...)
	}
	statePath, stateDir := *stateFile, ""
	if info, err := os.Stat(*stateFile); *stateFile != "" && (strings.HasSuffix(*stateFile, "/") || err == nil && info.IsDir()) {
		statePath, stateDir = "", *stateFile
	} else if dir := filepath.Dir(*stateFile); *stateFile != "" {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			fmt.Fprintf(e.stderr, "earsim serve: --state %s: the folder %s does not exist (make it, or end the path with / to keep every world in a new folder there)\n", *stateFile, dir)
			return exitCannot
		}
	}
	if *maxWorlds < 0 || *worldIdle < 0 {
		fmt.Fprintln(e.stderr, "earsim serve: --max-worlds and --world-idle must not be negative")
		return exitCannot
	}
	srv, err := atlasapi.NewHub(atlasapi.HubOptions{StateDir: stateDir, MaxWorlds: *maxWorlds, WorldIdle: *worldIdle, Options: atlasapi.Options{Seed: *seed, Checker: checker, Keys: creds.Keys, ServiceAccounts: creds.ServiceAccounts, RateLimits: limits, Chaos: chaos, ControlToken: *token, Faults: faults, StatePath: statePath, NoAuth: *noAuth,
		TimeScale: *scale, AutoApprove: approve.d, Trace: trace, AllowedHosts: allowHosts, Log: e.stderr, Rules: rules}})
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim serve: %v\n", err)
		return exitCannot
	}
	var tlsConfig *tls.Config
	var caPath string
	if *useTLS || *tlsDir != "" {
		if tlsConfig, caPath, err = serveTLS(*tlsDir, *addr, allowHosts); err != nil {
			fmt.Fprintf(e.stderr, "earsim serve: --tls: %v\n", err)
			return exitCannot
		}
	}
	run, err := srv.StartTLS(*addr, tlsConfig)
	if err != nil {
		hint := ""
		if errors.Is(err, syscall.EADDRINUSE) {
			hint = " (another server holds that port: stop it, or choose another with --addr 127.0.0.1:PORT; 127.0.0.1:0 takes any free port)"
		}
		fmt.Fprintf(e.stderr, "earsim serve: %v%s\n", err, hint)
		return exitCannot
	}
	who := "keys from " + *keysFile
	if *keysFile == "" {
		who = "development keys earsimdv (owner) and earsimro (read-only), service account " + atlasapi.DevServiceAccount.ClientID + " (owner)"
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	fmt.Fprintf(e.stderr, "earsim serve: listening on %s://%s (%s; control routes at /_sim/v1/)\n", scheme, run.Addr, who)
	if tlsConfig != nil {
		fmt.Fprintf(e.stderr, "earsim serve: TLS certificate from the local CA %s: trust it with SSL_CERT_FILE=%s; Azure Resource Manager at %s://%s/, Entra ID (active_directory_authority_host) at %s://%s/\n", caPath, caPath, scheme, run.Addr, scheme, run.Addr)
	}
	clock := fmt.Sprintf("time scale %g: logical time runs %g× real time", *scale, *scale)
	if *scale == 0 {
		clock = "time scale 0: the clock moves only through POST /_sim/v1/clock/advance"
	}
	if approve.d != nil {
		clock += fmt.Sprintf("; Azure approves each connection %s after PENDING_ACCEPTANCE", approve.d)
	}
	fmt.Fprintf(e.stderr, "earsim serve: %s\n", clock)
	console := scheme + "://" + run.Addr + "/console/"
	if *token != "" {
		console += "#token=YOUR_CONTROL_TOKEN" // the page reads it from the fragment, which no request carries
	}
	fmt.Fprintf(e.stderr, "earsim serve: console at %s\n", console)
	worlds := "every route also under /w/{world}/ (a world per CI job: POST /_sim/v1/worlds, or name one in a path)"
	if *maxWorlds > 0 {
		worlds += fmt.Sprintf("; at most %d held", *maxWorlds)
	}
	if *worldIdle > 0 {
		worlds += fmt.Sprintf("; dropped after %s idle", *worldIdle)
	}
	fmt.Fprintf(e.stderr, "earsim serve: worlds: %s\n", worlds)
	if *noAuth {
		fmt.Fprintln(e.stderr, "earsim serve: --no-auth: every request acts as the development key")
	}
	switch {
	case limits != nil && *rateLimits == "atlas":
		fmt.Fprintln(e.stderr, "earsim serve: rate limits: Atlas's endpoint sets enforced (429 RATE_LIMITED_TOKEN_BUCKET; GET /api/atlas/v2/rateLimits lists them)")
	case limits != nil:
		fmt.Fprintf(e.stderr, "earsim serve: rate limits: the endpoint sets of %s enforced (429 RATE_LIMITED_TOKEN_BUCKET)\n", *rateLimits)
	}
	if chaos != nil {
		fmt.Fprintf(e.stderr, "earsim serve: chaos: %d rule(s) make the network unreliable; every injection is in GET /_sim/v1/effects\n", len(chaos.Rules))
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

// rateLimitsFlag reads --rate-limits: nil for off (headers only).
func rateLimitsFlag(v string) ([]atlasapi.EndpointSet, error) {
	switch v {
	case "off", "":
		return nil, nil
	case "atlas":
		return atlasapi.AtlasEndpointSets, nil
	}
	data, err := os.ReadFile(v)
	if err != nil {
		return nil, fmt.Errorf("%v (want off, atlas or a YAML file of endpointSets)", err)
	}
	return atlasapi.ParseRateLimits(v, data)
}

// chaosFlag reads --chaos: inline JSON, or a YAML or JSON file.
func chaosFlag(v string) (*atlasapi.ChaosSpec, error) {
	if v == "" {
		return nil, nil
	}
	where, data := "the inline spec", []byte(v)
	if !strings.HasPrefix(strings.TrimSpace(v), "{") {
		b, err := os.ReadFile(v)
		if err != nil {
			return nil, err
		}
		where, data = v, b
	}
	spec, err := atlasapi.ParseChaos(where, data)
	if err != nil {
		return nil, err
	}
	return &spec, nil
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

// serveTLS loads or creates the local CA of --tls in dir (default
// atlasapi.DefaultTLSDir) and makes the server certificate for the
// loopback names, the listen host and the --allow-host names. It returns
// the configuration and the path of the CA certificate.
func serveTLS(dir, addr string, allowHosts []string) (*tls.Config, string, error) {
	if dir == "" {
		d, err := atlasapi.DefaultTLSDir()
		if err != nil {
			return nil, "", err
		}
		dir = d
	}
	ca, err := atlasapi.LoadOrCreateCA(dir)
	if err != nil {
		return nil, "", err
	}
	hosts := append([]string{addr}, allowHosts...)
	cfg, err := ca.ServerConfig(hosts...)
	if err != nil {
		return nil, "", err
	}
	return cfg, ca.CertPath, nil
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
func consoleRules(rules []policies.Rule) []atlasapi.RuleInfo {
	var out []atlasapi.RuleInfo
	for _, r := range rules {
		out = append(out, atlasapi.RuleInfo{ID: r.ID, Title: r.Title, Severity: r.Severity, Source: r.Source})
	}
	return out
}
