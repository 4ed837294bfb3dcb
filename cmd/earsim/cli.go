package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// Exit codes (CLI.md).
const (
	exitOK     = 0 // everything passed
	exitFound  = 1 // something was found or failed
	exitCannot = 2 // could not run: bad flags, unreadable or invalid input
	// exitInterrupted: stopped by Ctrl-C (SIGINT) before it finished; never
	// a pass. SIGTERM exits 143 (128 + 15), the shell's convention.
	exitInterrupted = 130
)

const usage = `earsim: check, simulate and conformance-test Atlas encryption at rest
with customer keys in Azure Key Vault over private endpoints.

Usage:
  earsim <command> [flags] [arguments]

Commands:
  demo     walk through the seed's procedure against the embedded mock (a refusal with its rule),
           then run every feature, scenario and example check, one line per rule ID
  run      apply scenario files to the simulator and check their expectations
  check    evaluate the policies on Terraform plans, desired states or Atlas requests
  rules    list every rule: id, title, severity, HTTP status, errorCode, source
  test     run a team's own Rego tests with earsim's library, and print their coverage
  serve    the mock Atlas Administration API over HTTP (digest auth), backed by the simulator
  conform  run the Gherkin features against a target (default: the embedded mock)
  explore  search the state space for a broken rule; print the shortest counterexample

  version  print earsim's module version and commit

Run 'earsim help <command>' (or 'earsim <command> -h') for a command's flags and examples.
Exit codes: 0 all passed, 1 something found or failed, 2 could not run.
`

type command struct {
	run   func(ctx context.Context, args []string, env *env) int
	brief string
}

var commands = map[string]command{
	"demo":    {runDemo, "run the bundled scenarios and print one summary"},
	"run":     {runScenarios, "apply scenario files to the simulator"},
	"check":   {runCheck, "evaluate the policies on plans, desired states and requests"},
	"rules":   {runRules, "list every rule"},
	"test":    {runTest, "run a team's Rego tests with coverage"},
	"serve":   {runServe, "serve the mock Atlas endpoint and its web console"},
	"conform": {runConform, "run the conformance features against a target"},
	"explore": {runExplore, "search the state space for broken rules"},
}

// helpExamples are each command's help examples.
var helpExamples = map[string]string{
	"demo": "  earsim demo",
	"run": `  earsim run scenarios/
  earsim run --format json --seed 7 scenarios/ear-imm-01-frozen-vault.yaml
  earsim run --break EAR-IMM-01 counterexample.yaml`,
	"check": `  tofu show -json plan.out > plan.json && earsim check plan.json
  earsim check --format sarif examples/clean/ > earsim.sarif
  earsim check --fail-on warning examples/multi-cloud-under-private-networking.json
  earsim check --policy examples/team-policy/policy examples/team-policy/plans/
  earsim check --interruptions examples/clean/azure-provider-example-cluster-unordered.json`,
	"rules": `  earsim rules
  earsim rules --format json
  earsim rules --policy examples/team-policy/policy`,
	"test": `  earsim test examples/team-policy/policy
  earsim test --threshold 100 --format json policy/`,
	"serve": `  earsim serve
  earsim serve --time-scale 30 --azure-auto-approve 30s --trace requests.jsonl
  earsim serve --state world.json --addr 127.0.0.1:9090
  earsim serve --tls --time-scale 30      # HTTPS for azapi and the Azure SDKs (ARM, Entra ID)
  earsim serve --policy examples/team-policy/policy`,
	"conform": `  earsim conform
  earsim conform --target http://127.0.0.1:8080 --public-key earsimdv --private-key 00000000-0000-4000-8000-000000000000
  earsim conform --faults`,
	"explore": `  earsim explore --depth 8
  earsim explore --depth 5 --break EAR-IMM-01 > counterexample.yaml
  earsim explore --depth 6 --format mermaid`,
}

// env is what a command writes to.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// Run is the whole command line: it returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitCannot
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "help":
		if len(args) == 1 {
			fmt.Fprint(stdout, usage)
			return exitOK
		}
		if _, ok := commands[args[1]]; !ok {
			fmt.Fprintf(stderr, "earsim help: %s\n", unknownCommand(args[1]))
			return exitCannot
		}
		args = []string{args[1], "-h"}
	case "version", "--version":
		fmt.Fprintln(stdout, version())
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "earsim: %s\n", unknownCommand(args[0]))
		return exitCannot
	}
	code := cmd.run(ctx, args[1:], e)
	if ctx.Err() != nil && args[0] != "serve" && code != exitInterrupted {
		// One interrupt contract for every command: whatever it was doing,
		// an interrupted run says so and never passes. serve's stop is its
		// normal end and says so itself.
		fmt.Fprintf(stderr, "earsim %s: interrupted before it finished: what it printed is partial\n", args[0])
		return exitInterrupted
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return code
}

// unknownCommand words an unknown command for people: the nearest command
// ("did you mean"), and where the list is, rather than the whole usage.
func unknownCommand(name string) string {
	names := []string{"help", "version"}
	for n := range commands {
		names = append(names, n)
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if best, ok := sim.Closest(name, names); ok {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return msg + "\nRun 'earsim -h' for the commands."
}

// flags returns a FlagSet for a subcommand whose -h prints synopsis and flags.
func (e *env) flags(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: earsim %s %s\n\n%s\n", name, synopsis, about)
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			printFlags(fs)
		}
		if ex := helpExamples[name]; ex != "" {
			fmt.Fprintf(fs.Output(), "\nExamples:\n%s\n", ex)
		}
	}
	return fs
}

// printFlags is flag.PrintDefaults with the flags written as the synopsis,
// the examples and the error messages write them: --name.
func printFlags(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		placeholder, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if placeholder != "" {
			line += " " + placeholder
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		isString := false // quoted as flag.PrintDefaults quotes a string flag's default
		if g, ok := f.Value.(flag.Getter); ok {
			_, isString = g.Get().(string)
		}
		switch def := f.DefValue; {
		case def == "" || def == "false" || def == "0":
		case isString:
			line += fmt.Sprintf(" (default %q)", def)
		default:
			line += fmt.Sprintf(" (default %v)", def)
		}
		fmt.Fprintln(fs.Output(), line)
	})
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses flags, wherever they stand on the line (before, between or
// after the arguments; "--" ends them); done is true when the command must
// stop with code. -h prints the command's help on stdout; a flag error goes
// to stderr with the usage.
func (e *env) parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return exitOK, true
		}
	}
	fs.SetOutput(io.Discard) // errors are reported below, in one line
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK, true
			}
			fmt.Fprintf(e.stderr, "earsim %s: %s\nRun 'earsim %s -h' for its flags.\n", fs.Name(), flagError(fs, err), fs.Name())
			return exitCannot, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...) // after "--": all arguments
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	fs.Parse(append([]string{"--"}, positional...)) // fs.Args() is every argument, in order
	return 0, false
}

// flagError words a flag parsing error for people: an unknown flag gets
// the closest defined one ("did you mean --format?"), and flags are
// written with two dashes as the help writes them.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	const unknown = "flag provided but not defined: -"
	if name, ok := strings.CutPrefix(msg, unknown); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if best, ok := sim.Closest(name, names); ok {
			return fmt.Sprintf("unknown flag --%s (did you mean --%s?)", name, best)
		}
		return fmt.Sprintf("unknown flag --%s", name)
	}
	msg = strings.Replace(msg, "for flag -", "for --", 1)                      // invalid value "x" for flag -depth
	msg = strings.Replace(msg, "needs an argument: -", "needs a value: --", 1) // flag needs an argument: -format
	return msg
}

// version is the module version and the commit the binary was built from.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "earsim (no build information)"
	}
	v, commit, dirty := info.Main.Version, "", ""
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " (modified)"
			}
		}
	}
	if commit == "" {
		commit = "unknown (built without version control information, e.g. go run or -buildvcs=false)"
	}
	return fmt.Sprintf("earsim %s, commit %s%s, %s", v, commit, dirty, info.GoVersion)
}

// formatFlag adds --format with the allowed values.
func formatFlag(fs *flag.FlagSet, allowed ...string) *string {
	return fs.String("format", allowed[0], "output format: "+strings.Join(allowed, ", "))
}

func checkFormat(e *env, got string, allowed ...string) bool {
	if slices.Contains(allowed, got) {
		return true
	}
	fmt.Fprintf(e.stderr, "earsim: --format must be one of %s, got %q\n", strings.Join(allowed, ", "), got)
	return false
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runRules(_ context.Context, args []string, e *env) int {
	fs := e.flags("rules", "[--format text|json] [--policy DIR]...", "List every rule of the policies with its id, title, severity, HTTP status,\nerrorCode and the seed sentence it comes from; with --policy, a team's own rules too.")
	format := formatFlag(fs, "text", "json")
	var policyDirs multi
	fs.Var(&policyDirs, "policy", "also list a team's own Rego rules in `DIR` (repeatable)")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if !checkFormat(e, *format, "text", "json") {
		return exitCannot
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "earsim rules: takes no arguments, got %q\n", fs.Arg(0))
		return exitCannot
	}
	engine, err := policies.Default()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim rules: %v\n", err)
		return exitCannot
	}
	rules := engine.Catalog()
	if len(policyDirs) > 0 {
		team, err := policies.LoadTeam(policyDirs...)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim rules: %v\n", err)
			return exitCannot
		}
		rules = append(rules, team.Rules()...)
	}
	if *format == "json" {
		if err := writeJSON(e.stdout, rules); err != nil {
			return exitCannot
		}
		return exitOK
	}
	fmt.Fprintf(e.stdout, "%-12s %-8s %-4s %s\n", "ID", "SEVERITY", "HTTP", "TITLE / errorCode, source")
	for _, r := range rules {
		code, status := r.ErrorCode, fmt.Sprint(r.Status)
		if code == "" {
			code, status = "-", "-"
		}
		fmt.Fprintf(e.stdout, "%-12s %-8s %-4s %s\n", r.ID, r.Severity, status, r.Title)
		if r.Team && r.Source == "" {
			fmt.Fprintf(e.stdout, "%-27s %s: team rule, %s\n", "", code, r.File)
		} else if code == "-" {
			fmt.Fprintf(e.stdout, "%-27s %q\n", "", r.Source)
		} else {
			fmt.Fprintf(e.stdout, "%-27s %s: %q\n", "", code, r.Source)
		}
	}
	return exitOK
}

// loadScenarios parses every file (a folder stands for its *.yaml files, in
// name order), reporting each bad one as file:line.
func loadScenarios(e *env, args []string) ([]*scenarios.Scenario, bool) {
	var out []*scenarios.Scenario
	ok := true
	var files []string
	for _, a := range args {
		if st, err := os.Stat(a); err == nil && st.IsDir() {
			matches, _ := filepath.Glob(filepath.Join(a, "*.yaml"))
			if len(matches) == 0 {
				fmt.Fprintf(e.stderr, "earsim run: %s: no *.yaml scenario files in this folder\n", a)
				ok = false
			}
			files = append(files, matches...)
			continue
		}
		files = append(files, a)
	}
	for _, f := range files {
		s, err := scenarios.Load(f)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim run: %v\n", err) // FILE:LINE: what is wrong (CLI.md)
			ok = false
			continue
		}
		out = append(out, s)
	}
	return out, ok
}

// runReport is the JSON document of `earsim run --format json`.
type runReport struct {
	Scenarios []*scenarios.Trace `json:"scenarios"`
	Passed    int                `json:"passed"`
	Failed    int                `json:"failed"`
}

func runScenarios(ctx context.Context, args []string, e *env) int {
	fs := e.flags("run", "[--seed N] [--format text|json] FILE|DIR...", "Apply scenario files (a folder: its *.yaml files) to the simulator with the policies in the loop, check\ntheir expectations and print the trace. --seed overrides every scenario's seed.")
	seed := fs.Uint64("seed", 0, "seed for every scenario (default: each scenario's own, else 1)")
	format := formatFlag(fs, "text", "json")
	var breaks multi
	fs.Var(&breaks, "break", "run with `RULE` broken on purpose, to replay an explorer counterexample (repeatable)")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if !checkFormat(e, *format, "text", "json") {
		return exitCannot
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(e.stderr, "earsim run: no scenario files (try: earsim run scenarios/*.yaml)")
		return exitCannot
	}
	var override *uint64
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			override = seed
		}
	})
	list, ok := loadScenarios(e, fs.Args())
	if !ok {
		return exitCannot
	}
	checker, err := breakingChecker(breaks)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim run: %v\n", err)
		return exitCannot
	}
	rep, code := executeWith(ctx, e, list, override, checker)
	if code == exitCannot {
		return code
	}
	if *format == "json" {
		if err := writeJSON(e.stdout, rep); err != nil {
			return exitCannot
		}
		return code
	}
	printTraces(e.stdout, rep)
	return code
}

// execute runs scenarios with the policy engine; progress goes to a terminal only.
func execute(ctx context.Context, e *env, list []*scenarios.Scenario, seed *uint64) (runReport, int) {
	engine, err := policies.Default()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim: %v\n", err)
		return runReport{Scenarios: []*scenarios.Trace{}}, exitCannot
	}
	return executeWith(ctx, e, list, seed, engine)
}

func executeWith(ctx context.Context, e *env, list []*scenarios.Scenario, seed *uint64, engine sim.Checker) (runReport, int) {
	rep := runReport{Scenarios: []*scenarios.Trace{}}
	progress := newProgress(e.stderr, len(list))
	for _, s := range list {
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "earsim: interrupted")
			return rep, exitCannot
		}
		progress.step(s.File)
		tr, err := scenarios.Run(s, engine, seed)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim: %v\n", err)
			return rep, exitCannot
		}
		rep.Scenarios = append(rep.Scenarios, tr)
		if tr.Passed {
			rep.Passed++
		} else {
			rep.Failed++
		}
	}
	progress.done()
	if rep.Failed > 0 {
		return rep, exitFound
	}
	return rep, exitOK
}

func printTraces(w io.Writer, rep runReport) {
	for _, tr := range rep.Scenarios {
		verdict := "PASS"
		if !tr.Passed {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "%s  %s  %s (%d steps, seed %d)\n", verdict, tr.File, tr.Name, len(tr.Steps), tr.Seed)
		for _, f := range tr.Failures {
			fmt.Fprintf(w, "      %s\n", f)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", rep.Passed, rep.Failed)
}

// progress writes a one-line progress indicator to a terminal, and nothing
// elsewhere, so logs and pipes stay clean.
type progress struct {
	w     io.Writer
	total int
	n     int
	on    bool
}

func newProgress(w io.Writer, total int) *progress {
	f, ok := w.(*os.File)
	on := false
	if ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progress{w: w, total: total, on: on}
}

func (p *progress) step(what string) {
	p.n++
	if p.on {
		fmt.Fprintf(p.w, "\r\033[K[%d/%d] %s", p.n, p.total, what)
	}
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
