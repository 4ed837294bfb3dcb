package explore

import (
	"context"
	"encoding/json"

	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
)

// unregistered is a world whose Key Vault subscription has not registered
// Microsoft.Network, where provisioning fails (EAR-NET-01): the built-in
// world never reaches FAILED.
const unregistered = `name: earsim explore, Microsoft.Network not registered
seed: 1
world:
  projects:
    - encryption: {preset: example, requirePrivateNetworking: true}
  azure:
    subscriptions:
      - {id: a39012fb-d604-4cd1-8841-77f705f3e6d5, networkRegistered: false}
steps:
  - advance: 0
`

// LifecycleEdge is one transition of the private endpoint lifecycle.
type LifecycleEdge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Label string `json:"label"`
}

// Lifecycle is the private endpoint lifecycle the explorer finds: the
// union of a search of the built-in world to depth 6 and of a world
// without Microsoft.Network to depth 5 (every status, FAILED included). It
// is what the console of earsim serve draws (atlasapi/console/lifecycle.json,
// kept current by a test).
func Lifecycle(ctx context.Context, checker sim.Checker) ([]LifecycleEdge, error) {
	g := newGraph()
	world, err := scenarios.Parse("unregistered world", []byte(unregistered))
	if err != nil {
		return nil, err
	}
	for _, o := range []Options{{Depth: 6}, {Depth: 5, World: world, Text: []byte(unregistered)}} {
		o.Checker = checker
		res, err := BFS(ctx, o)
		if err != nil {
			return nil, err
		}
		g.merge(res.Graph)
	}
	var out []LifecycleEdge
	for _, e := range sorted(g.Endpoint) {
		out = append(out, LifecycleEdge{From: dotName(e[0]), To: dotName(e[1]), Label: e[2]}) // "(none)": no endpoint
	}
	return out, nil
}

// LifecycleJSON is Lifecycle as the console's file holds it.
func LifecycleJSON(edges []LifecycleEdge) []byte {
	b, _ := json.MarshalIndent(map[string]any{
		"generatedBy": "earsim explore (explore.Lifecycle); regenerate with go generate ./atlasapi",
		"edges":       edges,
	}, "", "  ")
	return append(b, '\n')
}
