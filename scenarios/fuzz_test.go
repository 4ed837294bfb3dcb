package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// FuzzParse drives the scenario decoder with arbitrary bytes: it never
// panics, every refusal is a *ParseError naming the file, and what it accepts
// runs on the simulator without panicking.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "name: x", "name: x\nsteps: []", "name: x\nsteps:\n  - advance: 60\n", "steps: [\n",
		"name: x\nsteps:\n  - do: GetCluster\n    clusterName: nope\n",
		"name: x\nworld:\n  projects:\n    - endpoints: [{region: US_CENTRAL, status: NOPE}]\nsteps:\n  - advance: 1\n",
		"name: x\nsteps:\n  - do: Advance\n    seconds: -5\nthen:\n  - {path: 'projects[id=x].endpoints.9', count: 1}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			fuzzOne(t, data)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("no answer within 5 s for %q", data)
		}
	})
}

func fuzzOne(t *testing.T, data []byte) {
	{
		s, err := scenarios.Parse("fuzz.yaml", data)
		if err != nil {
			var pe *scenarios.ParseError
			if !errors.As(err, &pe) || pe.File != "fuzz.yaml" {
				t.Errorf("error %v is not a ParseError naming the file", err)
			}
			return
		}
		if _, err := scenarios.Run(s, sim.AllowAll{}, nil); err != nil {
			var pe *scenarios.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("run error %v is not a ParseError", err)
			}
		}
	}
}
