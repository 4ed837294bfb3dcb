package explore

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
	"github.com/google/go-cmp/cmp"
)

// Every action's scenario step decodes to the very command the search sent,
// so a counterexample replays what the search did; and with --all-ops the
// alphabet holds every operation that changes state.
func TestActionsAreTheirSteps(t *testing.T) {
	opt := Options{Checker: sim.AllowAll{}}
	m0, err := start(&opt)
	if err != nil {
		t.Fatal(err)
	}
	world, err := worldYAML([]byte(builtIn))
	if err != nil {
		t.Fatal(err)
	}
	// A step is decoded after the steps that create what it may name (the
	// further cluster), as in a counterexample's path.
	group := regexp.MustCompile(`, groupId: [0-9a-f]{24}`)
	decode := func(step string) sim.Command {
		prefix := "  - {do: CreateCluster" + group.FindString(step) + ", cluster: " + extraClusterYAML + "}\n"
		s, err := scenarios.Parse("step", []byte("name: step\n"+world+"steps:\n"+prefix+"  - "+step+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		r, err := scenarios.Start(s, sim.AllowAll{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Step()
		return r.Command()
	}
	seen := map[sim.Op]bool{}
	rng := rand.New(rand.NewPCG(3, 5))
	checked := map[string]bool{}
	for walk := 0; walk < 40; walk++ {
		m := m0.Fork()
		for step := 0; step < 25; step++ {
			acts := Actions(m.State(), true)
			for _, a := range acts {
				seen[a.Cmd.Op] = true
				sent, _ := json.Marshal(a.Cmd)
				k := a.Step + string(sent)
				if checked[k] {
					continue
				}
				checked[k] = true
				if d := cmp.Diff(a.Cmd, decode(a.Step)); d != "" {
					t.Errorf("%s decodes to another command (-sent +decoded):\n%s", a.Step, d)
				}
			}
			m.Step(acts[rng.IntN(len(acts))].Cmd)
		}
	}
	for _, spec := range sim.Ops {
		if !spec.Read && !seen[spec.Op] {
			t.Errorf("the --all-ops alphabet never offers %s", spec.Op)
		}
	}
	if len(checked) < 100 {
		t.Errorf("only %d distinct steps checked", len(checked))
	}
}
