package explore

import (
	"fmt"
	"strings"

	"github.com/earsim/earsim/scenarios"
)

// Scenario writes a violation as a scenario file that `earsim run` replays
// to the same violation: the world it started from, the path as steps, and
// on the last step what the rules say it should have answered (a Rego
// invariant needs nothing more: earsim run fails on a broken invariant).
func Scenario(opt Options, v *Violation) (string, error) {
	if opt.World == nil {
		opt.World, opt.Text = BuiltIn(), []byte(builtIn)
	}
	world, err := worldYAML(opt.Text)
	if err != nil {
		return "", err
	}
	seed := scenarios.DefaultSeed
	if opt.World.Seed != nil {
		seed = *opt.World.Seed
	}
	if opt.Seed != nil {
		seed = *opt.Seed
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# earsim explore: the shortest path to a broken %s\n", v.Property)
	fmt.Fprintf(&b, "# %s\n", strings.ReplaceAll(v.Msg, "\n", " "))
	fmt.Fprintf(&b, "name: %q\n", "explore: "+v.Property+" after "+fmt.Sprint(len(v.Path))+" steps")
	fmt.Fprintf(&b, "seed: %d\n", seed)
	b.WriteString(world)
	b.WriteString("steps:\n")
	for i, a := range v.Path {
		step := a.Step
		if i == len(v.Path)-1 && v.Expect != "" {
			step = strings.TrimSuffix(step, "}") + ", expect: {" + v.Expect + "}}"
		}
		fmt.Fprintf(&b, "  - %s\n", step)
	}
	return b.String(), nil
}
