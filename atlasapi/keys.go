package atlasapi

import (
	"bytes"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/earsim/earsim/sim"
)

// Key is an API key pair and its roles.
type Key struct {
	PublicKey  string              `yaml:"publicKey"`
	PrivateKey string              `yaml:"privateKey"`
	Roles      []string            `yaml:"roles"`      // organization-wide
	GroupRoles map[string][]string `yaml:"groupRoles"` // per project id
}

// DevKey is the key of a server started without a keys file (API.md); such
// a server binds only to loopback.
var DevKey = Key{PublicKey: "earsimdv", PrivateKey: "00000000-0000-4000-8000-000000000000", Roles: []string{"ORG_OWNER"}}

// DevReadOnlyKey is a second development key, Organization Read Only, beside
// DevKey on a server started without a keys file, so that role checks
// (EAR-CL-01) can be exercised against it (docs/MODEL.md).
var DevReadOnlyKey = Key{PublicKey: "earsimro", PrivateKey: "00000000-0000-4000-8000-0000000000ff", Roles: []string{"ORG_READ_ONLY"}}

var knownRoles = []string{"ORG_OWNER", "ORG_READ_ONLY", "GROUP_OWNER", "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY"}

// LoadKeys reads a keys file (API.md). Errors name the file and line.
func LoadKeys(path string) ([]Key, error) {
	data, err := readFile(path, 1<<20)
	if err != nil {
		return nil, err
	}
	return ParseKeys(path, data)
}

// ParseKeys parses a keys file's contents.
func ParseKeys(path string, data []byte) ([]Key, error) {
	var doc struct {
		Keys []yaml.Node `yaml:"keys"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(doc.Keys) == 0 {
		return nil, fmt.Errorf("%s: no keys (want keys: [{publicKey, privateKey, roles, groupRoles}])", path)
	}
	var keys []Key
	seen := map[string]int{}
	for _, n := range doc.Keys {
		var k Key
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: a key is a mapping of publicKey, privateKey, roles, groupRoles", path, n.Line)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch n.Content[i].Value {
			case "publicKey", "privateKey", "roles", "groupRoles":
			default:
				return nil, fmt.Errorf("%s:%d: unknown field %q in a key", path, n.Content[i].Line, n.Content[i].Value)
			}
		}
		if err := n.Decode(&k); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n.Line, err)
		}
		switch {
		case k.PublicKey == "" || k.PrivateKey == "":
			return nil, fmt.Errorf("%s:%d: a key needs publicKey and privateKey", path, n.Line)
		case seen[k.PublicKey] > 0:
			return nil, fmt.Errorf("%s:%d: public key %q also at line %d", path, n.Line, k.PublicKey, seen[k.PublicKey])
		case len(k.Roles) == 0 && len(k.GroupRoles) == 0:
			return nil, fmt.Errorf("%s:%d: key %q has no roles", path, n.Line, k.PublicKey)
		}
		if err := checkRoles(path, &n); err != nil {
			return nil, err
		}
		seen[k.PublicKey] = n.Line
		keys = append(keys, k)
	}
	return keys, nil
}

func (k Key) actor() *sim.Actor {
	return &sim.Actor{Roles: k.Roles, GroupRoles: k.GroupRoles}
}

// checkRoles refuses unknown roles and malformed project ids, naming the
// line of the offending value.
func checkRoles(path string, key *yaml.Node) error {
	for i := 0; i+1 < len(key.Content); i += 2 {
		name, value := key.Content[i].Value, key.Content[i+1]
		var lists []*yaml.Node
		switch name {
		case "roles":
			lists = []*yaml.Node{value}
		case "groupRoles":
			for j := 0; j+1 < len(value.Content); j += 2 {
				if g := value.Content[j]; !hexID.MatchString(g.Value) {
					return fmt.Errorf("%s:%d: groupRoles key %q is not a 24-hex project id", path, g.Line, g.Value)
				}
				lists = append(lists, value.Content[j+1])
			}
		}
		for _, l := range lists {
			for _, r := range l.Content {
				if !slices.Contains(knownRoles, r.Value) {
					return fmt.Errorf("%s:%d: unknown role %q (known: %v)", path, r.Line, r.Value, knownRoles)
				}
			}
		}
	}
	return nil
}
