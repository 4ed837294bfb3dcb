package check_test

import (
	"context"
	"testing"

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
