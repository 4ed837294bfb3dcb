package check_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/policies"
)

// BenchmarkCheckPlan: one example plan through a warm Checker (read, decode,
// evaluate, locate lines); the start-up cost is in scripts/check-bench.sh.
func BenchmarkCheckPlan(b *testing.B) {
	e, err := policies.Default()
	if err != nil {
		b.Fatal(err)
	}
	c := check.New(e)
	paths := []string{"../examples/mr-01-region-without-endpoint.json"}
	for b.Loop() {
		if _, err := c.Files(context.Background(), paths, check.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngineStart: what every earsim check run pays before its first
// file: parsing and compiling the embedded policies.
func BenchmarkEngineStart(b *testing.B) {
	for b.Loop() {
		e, err := policies.New()
		if err != nil {
			b.Fatal(err)
		}
		check.New(e)
	}
}

// BenchmarkCheckTeamPolicy: what a team directory of ten rules adds to a
// check of 1,000 plans (the example plans, round-robin, as
// scripts/check-bench.sh). "step": the three of examples/team-policy and
// seven of testdata/team-bench that read the step's input; "plan": one of
// those seven replaced by a rule that reads input.plan at every step. Each
// iteration checks the 1,000 with the built-in rules alone and with the
// team's, alternately first, on one warm engine, so the two are measured in
// the same run under the same load; team/builtin is the ratio of their
// times, wall and CPU (docs/BENCHMARKS.md).
func BenchmarkCheckTeamPolicy(b *testing.B) {
	for _, bc := range []struct{ name, last string }{{"step", "testdata/team-bench/seventh"}, {"plan", "testdata/team-bench/plan"}} {
		b.Run(bc.name, func(b *testing.B) {
			benchTeam(b, "../examples/team-policy/policy", "testdata/team-bench/step", bc.last)
		})
	}
}

func benchTeam(b *testing.B, dirs ...string) {
	e, err := policies.Default()
	if err != nil {
		b.Fatal(err)
	}
	team, err := policies.LoadTeam(dirs...)
	if err != nil {
		b.Fatal(err)
	}
	if n := len(team.Rules()); n != 10 {
		b.Fatalf("%d team rules, want 10", n)
	}
	plans, _ := filepath.Glob("../examples/*.json")
	clean, _ := filepath.Glob("../examples/clean/*.json")
	plans = append(plans, clean...)
	paths := make([]string, 1000)
	for i := range paths {
		paths[i] = plans[i%len(plans)]
	}
	base, withTeam := check.New(e), check.New(e)
	withTeam.SetTeam(team)
	// Wall time, and the process's CPU time (user and system, the
	// collector's included): on a shared machine the second is the steadier.
	run := func(c *check.Checker) (wall, cpu time.Duration) {
		before, start := cpuTime(b), time.Now()
		if _, err := c.Files(context.Background(), paths, check.Options{}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start), cpuTime(b) - before
	}
	run(base) // warm: the Service's rule memo starts after 200 questions
	run(withTeam)
	var wb, wt, cb, ct time.Duration
	for i := 0; b.Loop(); i++ { // alternately first: neither pays the other's garbage more
		if i%2 == 0 {
			w, c := run(base)
			wb, cb = wb+w, cb+c
		}
		w, c := run(withTeam)
		wt, ct = wt+w, ct+c
		if i%2 == 1 {
			w, c := run(base)
			wb, cb = wb+w, cb+c
		}
	}
	n := float64(b.N)
	b.ReportMetric(wb.Seconds()/n, "builtin-s/1000plans")
	b.ReportMetric(wt.Seconds()/n, "team-s/1000plans")
	b.ReportMetric(float64(wt)/float64(wb), "team/builtin")
	b.ReportMetric(cb.Seconds()/n, "builtin-cpu-s/1000plans")
	b.ReportMetric(ct.Seconds()/n, "team-cpu-s/1000plans")
	b.ReportMetric(float64(ct)/float64(cb), "team/builtin-cpu")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
