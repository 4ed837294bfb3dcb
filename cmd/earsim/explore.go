package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/earsim/earsim/explore"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

func runExplore(ctx context.Context, args []string, e *env) int {
	fs := e.flags("explore", "[--depth N] [--seed N] [--walks K --steps M] [--all-ops] [--workers N] [--format text|json|dot|mermaid] [--break RULE]... [FILE]",
		"Search the state space from a scenario file's world (or the built-in one: one project, two\nAzure regions, a single-region and a multi-region CMK cluster, a multi-cloud cluster) for a\nbroken invariant or safety property, breadth first to --depth or by random walks. A\nviolation is printed as a scenario that earsim run replays; exit 1. --format dot|mermaid\ndraws the lifecycle the search saw. The search runs with GOGC=400 unless GOGC is set.")
	depth := fs.Int("depth", 6, "breadth-first depth bound")
	seed := fs.Uint64("seed", 1, "seed of the world and of random walks")
	walks := fs.Int("walks", 0, "random walks instead of breadth-first search")
	steps := fs.Int("steps", 50, "steps per random walk")
	allOps := fs.Bool("all-ops", false, "every operation: add clusters (pause, CMK on/off, snapshots, create, delete), projects (create,\ndelete, INACTIVE), keys (create, rotate, disable, delete), Microsoft.Network (un)registration and\nremoving an approved connection: a much larger space (depth 4: about 32,000 states)")
	workers := fs.Int("workers", 0, "goroutines expanding each level (0: one per CPU); the result does not depend on it")
	format := formatFlag(fs, "text", "json", "dot", "mermaid")
	output := fs.String("output", "", "with --format text, write the counterexample scenario to `FILE` instead of stdout")
	var breaks multi
	maxMemory := defaultMaxMemory()
	fs.Var(byteSize{&maxMemory}, "max-memory", "stop with what was found so far once the search's heap passes `SIZE` (e.g. 4GiB, 512MB; 0: no limit;\nthe default is half of this machine's memory)")
	fs.Var(&breaks, "break", "plant a broken `RULE`: drop its refusals and consequences (repeatable, e.g. EAR-IMM-01)")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if !checkFormat(e, *format, "text", "json", "dot", "mermaid") {
		return exitCannot
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(e.stderr, "earsim explore: at most one scenario file")
		return exitCannot
	}
	engine, err := policies.Default()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim explore: %v\n", err)
		return exitCannot
	}
	// The search asks the policies rule by rule, each answer remembered by
	// what the rule reads; --break drops rules from those answers.
	memo, err := policies.NewRuleMemo(engine)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim explore: %v\n", err)
		return exitCannot
	}
	memo.LimitDocuments(1 << 10) // the search's documents are new at every state

	checker, err := breaking(engine, memo, breaks)
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim explore: %v\n", err)
		return exitCannot
	}
	switch {
	case *depth < 0 || *depth > 30:
		fmt.Fprintf(e.stderr, "earsim explore: --depth must be from 0 to 30, got %d (depth 10 already holds about 330,000 states)\n", *depth)
		return exitCannot
	case *walks < 0:
		fmt.Fprintf(e.stderr, "earsim explore: --walks must not be negative, got %d\n", *walks)
		return exitCannot
	case *walks > 0 && *steps < 1:
		fmt.Fprintf(e.stderr, "earsim explore: --steps must be at least 1, got %d\n", *steps)
		return exitCannot
	}
	if *workers < 0 {
		fmt.Fprintln(e.stderr, "earsim explore: --workers must not be negative")
		return exitCannot
	}
	if os.Getenv("GOGC") == "" {
		// A search allocates fast and keeps its frontier: collecting less
		// often takes about a quarter less time at depth 8 for about twice
		// the peak memory (docs/BENCHMARKS.md). GOGC in the environment wins.
		debug.SetGCPercent(400)
	}
	if maxMemory > 0 && os.Getenv("GOMEMLIMIT") == "" {
		// Near the limit the collector works harder instead of the heap
		// growing by GOGC: the search stops on what it keeps, not on garbage.
		debug.SetMemoryLimit(int64(maxMemory))
	}
	opt := explore.Options{Depth: *depth, Checker: checker, AllOps: *allOps, Workers: *workers, MaxHeap: maxMemory}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			opt.Seed = seed
		}
	})
	if fs.NArg() == 1 {
		text, err := scenarios.ReadFile(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim explore: %s: %v\n", fs.Arg(0), err)
			return exitCannot
		}
		s, err := scenarios.Parse(fs.Arg(0), text)
		if err != nil {
			fmt.Fprintf(e.stderr, "earsim explore: %v\n", err)
			return exitCannot
		}
		opt.World, opt.Text = s, text
	}
	prog := newProgress(e.stderr, 0)
	opt.Progress = func(st explore.Stats) {
		if prog.on {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Fprintf(e.stderr, "\r\033[Kdepth %d: %d states, %.0f states/s, %d MB", st.Depth, st.States, st.Rate(), ms.HeapInuse>>20)
		}
	}
	var res explore.Result
	if *walks > 0 {
		res, err = explore.Walk(ctx, opt, *walks, *steps, *seed)
	} else {
		res, err = explore.BFS(ctx, opt)
	}
	prog.done()
	if err != nil {
		fmt.Fprintf(e.stderr, "earsim explore: %v\n", err)
		return exitCannot
	}
	var counter string
	if res.Violation != nil {
		if counter, err = explore.Scenario(opt, res.Violation); err != nil {
			fmt.Fprintf(e.stderr, "earsim explore: %v\n", err)
			return exitCannot
		}
		if len(breaks) > 0 {
			counter = "# replay: earsim run --break " + strings.Join(breaks, " --break ") + " FILE\n" + counter
		}
	}
	switch *format {
	case "json":
		writeJSON(e.stdout, map[string]any{"stats": res.Stats, "statesPerSecond": int(res.Stats.Rate()), "violation": res.Violation, "counterexample": counter, "stopped": res.Stopped, "outOfMemory": res.OutOfMemory})
	case "dot":
		fmt.Fprint(e.stdout, res.Graph.Dot())
	case "mermaid":
		fmt.Fprint(e.stdout, res.Graph.Mermaid())
	default:
		how := fmt.Sprintf("depth %d", res.Stats.Depth)
		if *walks > 0 {
			how = fmt.Sprintf("%d walks of %d steps", *walks, *steps)
		}
		// The summary goes to stderr; stdout (or --output) holds only the
		// counterexample, a scenario earsim run reads as it is.
		fmt.Fprintf(e.stderr, "explored %d states (%d transitions), %s, in %.1fs: %.0f states/s\n",
			res.Stats.States, res.Stats.Transitions, how, res.Stats.Elapsed.Seconds(), res.Stats.Rate())
		switch {
		case res.Violation == nil && res.OutOfMemory:
			fmt.Fprintf(e.stderr, "stopped at --max-memory %s before the bound (depth %d finished, %d states): no violation in the states explored so far, which proves nothing about the rest; lower --depth or raise --max-memory\n", formatBytes(maxMemory), res.Stats.Depth, res.Stats.States)
		case res.Violation == nil && res.Stopped:
			fmt.Fprintln(e.stderr, "interrupted before the bound: no violation in the states explored so far, which proves nothing about the rest")
		case res.Violation == nil:
			fmt.Fprintln(e.stderr, "no violation")
		default:
			fmt.Fprintf(e.stderr, "VIOLATION %s: %s\n", res.Violation.Property, res.Violation.Msg)
			if *output != "" {
				if err := os.WriteFile(*output, []byte(counter), 0o644); err != nil {
					fmt.Fprintf(e.stderr, "earsim explore: %s\n", fileError(err))
					return exitCannot
				}
				fmt.Fprintf(e.stderr, "counterexample written to %s\n", *output)
			} else {
				fmt.Fprint(e.stdout, counter)
			}
		}
	}
	if res.Violation != nil {
		return exitFound
	}
	if res.OutOfMemory {
		if *format != "text" {
			fmt.Fprintf(e.stderr, "earsim explore: stopped at --max-memory %s before the bound\n", formatBytes(maxMemory))
		}
		return exitCannot // not a pass: the bound was not reached
	}
	return exitOK
}

// breakingChecker is the policies with the given rules broken on purpose.
func breakingChecker(rules []string) (sim.Checker, error) {
	engine, err := policies.Default()
	if err != nil {
		return nil, err
	}
	return breaking(engine, engine, rules)
}

// breaking is checker with the given rules broken on purpose; engine lists
// the rules that exist.
func breaking(engine *policies.Engine, checker sim.Checker, rules []string) (sim.Checker, error) {
	if len(rules) == 0 {
		return checker, nil
	}
	known := map[string]bool{}
	for _, r := range engine.Catalog() {
		known[r.ID] = true
	}
	drop := map[string]bool{}
	for _, r := range rules {
		if !known[r] {
			return nil, fmt.Errorf("--break %s: no such rule (see earsim rules)", r)
		}
		drop[r] = true
	}
	return sim.Breaking(checker, drop, drop), nil
}
