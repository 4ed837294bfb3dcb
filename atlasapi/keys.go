package atlasapi

import (
	"bytes"
	"fmt"
	"regexp"
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

// ServiceAccount is an Atlas service account (OAuth 2.0 client
// credentials, API.md "Auth") and its roles.
type ServiceAccount struct {
	ClientID     string              `yaml:"clientId"`
	ClientSecret string              `yaml:"clientSecret"`
	Roles        []string            `yaml:"roles"`
	GroupRoles   map[string][]string `yaml:"groupRoles"`
}

// Credentials are what a keys file holds: API keys (digest) and service
// accounts (OAuth).
type Credentials struct {
	Keys            []Key
	ServiceAccounts []ServiceAccount
}

// DevKey is the key of a server started without a keys file (API.md); such
// a server binds only to loopback.
var DevKey = Key{PublicKey: "earsimdv", PrivateKey: "00000000-0000-4000-8000-000000000000", Roles: []string{"ORG_OWNER"}}

// DevReadOnlyKey is a second development key, Organization Read Only, beside
// DevKey on a server started without a keys file, so that role checks
// (EAR-CL-01) can be exercised against it (docs/MODEL.md).
var DevReadOnlyKey = Key{PublicKey: "earsimro", PrivateKey: "00000000-0000-4000-8000-0000000000ff", Roles: []string{"ORG_READ_ONLY"}}

// DevServiceAccount is the service account of a server started without a
// keys file (API.md "Auth"), Organization Owner.
var DevServiceAccount = ServiceAccount{ClientID: "mdb_sa_id_00000000000000000000eada", ClientSecret: "mdb_sa_sk_0000000000000000000000000000000000000000", Roles: []string{"ORG_OWNER"}}

var knownRoles = []string{"ORG_OWNER", "ORG_READ_ONLY", "GROUP_OWNER", "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY"}

// The shapes of Atlas's service account credentials (API.md "Auth").
var (
	clientIDPattern     = regexp.MustCompile(`^mdb_sa_id_[0-9a-f]{24}$`)
	clientSecretPattern = regexp.MustCompile(`^mdb_sa_sk_[A-Za-z0-9]{40}$`)
)

// LoadKeys reads a keys file (API.md). Errors name the file and line.
func LoadKeys(path string) (Credentials, error) {
	data, err := readFile(path, 1<<20)
	if err != nil {
		return Credentials{}, err
	}
	return ParseKeys(path, data)
}

// ParseKeys parses a keys file's contents: `keys:` (API keys) and
// `serviceAccounts:`, at least one entry in all.
func ParseKeys(path string, data []byte) (Credentials, error) {
	var doc struct {
		Keys            []yaml.Node `yaml:"keys"`
		ServiceAccounts []yaml.Node `yaml:"serviceAccounts"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return Credentials{}, fmt.Errorf("%s: %v", path, err)
	}
	if len(doc.Keys) == 0 && len(doc.ServiceAccounts) == 0 {
		return Credentials{}, fmt.Errorf("%s: no keys and no service accounts (want keys: [{publicKey, privateKey, roles, groupRoles}] or serviceAccounts: [{clientId, clientSecret, roles, groupRoles}])", path)
	}
	var out Credentials
	seen := map[string]int{}
	for _, n := range doc.Keys {
		var k Key
		if err := decodeEntry(path, &n, "a key", []string{"publicKey", "privateKey"}, &k); err != nil {
			return Credentials{}, err
		}
		switch {
		case k.PublicKey == "" || k.PrivateKey == "":
			return Credentials{}, fmt.Errorf("%s:%d: a key needs publicKey and privateKey", path, n.Line)
		case seen[k.PublicKey] > 0:
			return Credentials{}, fmt.Errorf("%s:%d: public key %q also at line %d", path, n.Line, k.PublicKey, seen[k.PublicKey])
		case len(k.Roles) == 0 && len(k.GroupRoles) == 0:
			return Credentials{}, fmt.Errorf("%s:%d: key %q has no roles", path, n.Line, k.PublicKey)
		}
		seen[k.PublicKey] = n.Line
		out.Keys = append(out.Keys, k)
	}
	for _, n := range doc.ServiceAccounts {
		var a ServiceAccount
		if err := decodeEntry(path, &n, "a service account", []string{"clientId", "clientSecret"}, &a); err != nil {
			return Credentials{}, err
		}
		switch {
		case !clientIDPattern.MatchString(a.ClientID):
			return Credentials{}, fmt.Errorf("%s:%d: clientId %q is not an Atlas service account id (mdb_sa_id_ and 24 hex digits)", path, n.Line, a.ClientID)
		case !clientSecretPattern.MatchString(a.ClientSecret):
			return Credentials{}, fmt.Errorf("%s:%d: the clientSecret of %s is not an Atlas service account secret (mdb_sa_sk_ and 40 letters or digits)", path, n.Line, a.ClientID)
		case seen[a.ClientID] > 0:
			return Credentials{}, fmt.Errorf("%s:%d: client id %q also at line %d", path, n.Line, a.ClientID, seen[a.ClientID])
		case len(a.Roles) == 0 && len(a.GroupRoles) == 0:
			return Credentials{}, fmt.Errorf("%s:%d: service account %q has no roles", path, n.Line, a.ClientID)
		}
		seen[a.ClientID] = n.Line
		out.ServiceAccounts = append(out.ServiceAccounts, a)
	}
	return out, nil
}

// decodeEntry decodes one entry of a keys file: a mapping of the entry's
// two identifying fields, roles and groupRoles, with known roles only.
func decodeEntry(path string, n *yaml.Node, what string, fields []string, into any) error {
	fields = append(slices.Clone(fields), "roles", "groupRoles")
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: %s is a mapping of %v", path, n.Line, what, fields)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !slices.Contains(fields, n.Content[i].Value) {
			return fmt.Errorf("%s:%d: unknown field %q in %s (known: %v)", path, n.Content[i].Line, n.Content[i].Value, what, fields)
		}
	}
	if err := n.Decode(into); err != nil {
		return fmt.Errorf("%s:%d: %v", path, n.Line, err)
	}
	return checkRoles(path, n)
}

func (k Key) actor() *sim.Actor {
	return &sim.Actor{Roles: k.Roles, GroupRoles: k.GroupRoles}
}

func (a ServiceAccount) actor() *sim.Actor {
	return &sim.Actor{Roles: a.Roles, GroupRoles: a.GroupRoles}
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
