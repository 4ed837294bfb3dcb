package explore

import (
	"math/rand/v2"
	"testing"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// An accepted request's effect is seen in the state it leads to, and missed
// when the state is left as it was: along random walks of both alphabets
// under the policies, no accepted step is reported, and for every
// kind of request the check knows, a state left unchanged is.
func TestAcceptedEffectsAreVisible(t *testing.T) {
	opt := Options{Checker: policies.MustDefault()}
	m0, err := start(&opt)
	if err != nil {
		t.Fatal(err)
	}
	caught := map[sim.Op]bool{}
	rng := rand.New(rand.NewPCG(8, 13))
	for walk := 0; walk < 100; walk++ {
		m := m0.Fork()
		for step := 0; step < 40; step++ {
			acts := Actions(m.State(), walk%2 == 0) // the small alphabet reaches approvals
			a := acts[rng.IntN(len(acts))]
			before := m.State()
			r := m.Step(a.Cmd)
			if r.Err != nil {
				continue
			}
			if msg := visible(before, m.State(), a.Cmd, r); msg != "" {
				t.Fatalf("%s: %s", a.Step, msg)
			}
			if visible(before, before, a.Cmd, r) != "" {
				caught[a.Cmd.Op] = true
			}
		}
	}
	for _, op := range []sim.Op{
		sim.CreatePrivateEndpoint, sim.DeletePrivateEndpoint, sim.ApproveConnection, sim.UpdateEncryptionConfig,
		sim.SetProjectState, sim.CreateProject, sim.DeleteProject, sim.CreateCluster, sim.DeleteCluster,
		sim.PauseCluster, sim.ResumeCluster, sim.UpdateCluster, sim.CreateSnapshot, sim.CreateKey,
		sim.DisableKey, sim.DeleteKey, sim.RevokeKeyAccess, sim.RestoreKeyAccess, sim.RegisterNetwork,
		sim.UnregisterNetwork, sim.Advance,
	} {
		if !caught[op] {
			t.Errorf("a %s whose effect is missing was never reported", op)
		}
	}
}
