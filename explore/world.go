package explore

import (
	"bytes"
	"fmt"

	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
	"go.yaml.in/yaml/v3"
)

// builtIn is the built-in initial world, as a scenario, so that it is built
// exactly as `earsim run` builds it and a counterexample can name its ids:
// one project with customer keys, two Azure regions, a single-region CMK
// cluster, a multi-region CMK cluster, a multi-cloud cluster, and a second
// key version to rotate to.
const builtIn = `name: earsim explore built-in world
seed: 1
world:
  projects:
    - encryption: {preset: example}
      clusters:
        - {name: single, encryptionAtRestProvider: AZURE, regions: [US_CENTRAL]}
        - {name: multi, encryptionAtRestProvider: AZURE, regions: [US_CENTRAL, US_EAST_2]}
        - name: mc
          regionConfigs:
            - {providerName: AZURE, regionName: US_CENTRAL}
            - {providerName: AWS, regionName: US_EAST_1}
  azure:
    keys:
      - {keyIdentifier: "` + rotatedKey + `"}
steps:
  - advance: 0
`

const (
	thirdKey   = "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/c0ffee0e3d364e9eb99fbd3e11124b23"
	exampleKey = "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86"
	rotatedKey = "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/a241124e3d364e9eb99fbd3e11124b23"
)

// BuiltIn returns the built-in world as a scenario.
func BuiltIn() *scenarios.Scenario {
	s, err := scenarios.Parse("built-in world", []byte(builtIn))
	if err != nil {
		panic(err) // the constant above is tested to parse
	}
	return s
}

// worldYAML returns the world section of a scenario file's text.
func worldYAML(text []byte) (string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(text, &root); err != nil || len(root.Content) == 0 {
		return "", fmt.Errorf("not a scenario: %v", err)
	}
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "world" {
			var buf bytes.Buffer
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			wrapper := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{doc.Content[i], doc.Content[i+1]}}
			if err := enc.Encode(wrapper); err != nil {
				return "", err
			}
			return buf.String(), nil
		}
	}
	return "", nil
}

// stepCommand decodes one scenario step into the command earsim run sends.
func stepCommand(step string) sim.Command {
	s, err := scenarios.Parse("step", []byte("name: step\nsteps:\n  - "+step+"\n"))
	if err != nil {
		panic(err) // constant steps, tested to parse
	}
	r, err := scenarios.Start(s, sim.AllowAll{}, nil)
	if err != nil {
		panic(err)
	}
	return r.Command()
}
