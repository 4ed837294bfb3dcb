// Package scenarios reads earsim's YAML scenarios (an initial world, steps,
// expectations; the format is documented in README.md beside this file),
// runs them on the simulator and reports a deterministic trace. The bundled
// scenarios, one or more per rule ID of RULES.md and one per procedure of
// the seed document, are embedded.
package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/earsim/earsim/sim"
	"go.yaml.in/yaml/v3"
)

// Scenario is one decoded scenario file.
type Scenario struct {
	File  string      `yaml:"-"`
	Name  string      `yaml:"name"`
	Rules []string    `yaml:"rules"`     // rule IDs it exercises
	Proc  string      `yaml:"procedure"` // the seed procedure it walks through, if any
	Seed  *uint64     `yaml:"seed"`
	World World       `yaml:"world"`
	Steps []Step      `yaml:"steps"`
	Then  []Check     `yaml:"then"`
	lines []stepLines `yaml:"-"`
	line  int         `yaml:"-"` // line of "then"
}

// World is what the scenario changes in the default world of API.md.
type World struct {
	Projects []WorldProject `yaml:"projects"`
	Azure    WorldAzure     `yaml:"azure"`
}

// WorldProject configures a project; without id it is the default project.
type WorldProject struct {
	ID         string           `yaml:"id"`
	Name       string           `yaml:"name"`
	As         string           `yaml:"as"`
	State      string           `yaml:"state"`
	Encryption *WorldEncryption `yaml:"encryption"`
	Clusters   []ClusterArgs    `yaml:"clusters"`
	Endpoints  []WorldEndpoint  `yaml:"endpoints"`
}

// WorldEncryption is a project's stored configuration: a preset of the seed's
// examples, or fields, or both (fields win).
type WorldEncryption struct {
	KeyVaultArgs `yaml:",inline"` // preset: test-tf-export or example, then fields
}

// WorldEndpoint is an endpoint record placed in a status.
type WorldEndpoint struct {
	As     string `yaml:"as"`
	Region string `yaml:"region"`
	Status string `yaml:"status"`
}

// WorldAzure changes the Azure side.
type WorldAzure struct {
	Subscriptions []struct {
		ID                string `yaml:"id"`
		NetworkRegistered bool   `yaml:"networkRegistered"`
	} `yaml:"subscriptions"`
	Keys []struct {
		KeyIdentifier string `yaml:"keyIdentifier"`
		Enabled       *bool  `yaml:"enabled"`
		Deleted       bool   `yaml:"deleted"`
		AccessGranted *bool  `yaml:"accessGranted"`
	} `yaml:"keys"`
}

// Step is one operation, Azure event or clock move, and what it must answer.
type Step struct {
	Name           string        `yaml:"name"`
	Do             sim.Op        `yaml:"do"`
	Advance        *int64        `yaml:"advance"` // shorthand for do: Advance, seconds: N
	GroupID        string        `yaml:"groupId"`
	Group          string        `yaml:"group"` // a project bound with as
	CloudProvider  string        `yaml:"cloudProvider"`
	EndpointID     string        `yaml:"endpointId"`
	Endpoint       string        `yaml:"endpoint"` // an endpoint bound with as
	RegionName     string        `yaml:"regionName"`
	ClusterName    string        `yaml:"clusterName"`
	AzureKeyVault  *KeyVaultArgs `yaml:"azureKeyVault"`
	Cluster        *ClusterArgs  `yaml:"cluster"`
	Project        *ProjectArgs  `yaml:"project"`
	Snapshot       *SnapshotArgs `yaml:"snapshot"`
	State          string        `yaml:"state"`
	KeyIdentifier  string        `yaml:"keyIdentifier"`
	Enabled        *bool         `yaml:"enabled"`
	SubscriptionID string        `yaml:"subscriptionId"`
	Seconds        *int64        `yaml:"seconds"`
	Actor          *ActorArgs    `yaml:"actor"`
	As             string        `yaml:"as"`
	Expect         *Expect       `yaml:"expect"`
}

// KeyVaultArgs is an azureKeyVault object as a client sends it. In a step,
// preset fills every field (the secret included) from one of the seed's
// examples, so that a scenario need not spell a secret; given fields win.
type KeyVaultArgs struct {
	Preset                   *string `yaml:"preset,omitempty"`
	AzureEnvironment         *string `yaml:"azureEnvironment"`
	ClientID                 *string `yaml:"clientID"`
	TenantID                 *string `yaml:"tenantID"`
	Secret                   *string `yaml:"secret"`
	SubscriptionID           *string `yaml:"subscriptionID"`
	ResourceGroupName        *string `yaml:"resourceGroupName"`
	KeyVaultName             *string `yaml:"keyVaultName"`
	KeyIdentifier            *string `yaml:"keyIdentifier"`
	RoleID                   *string `yaml:"roleId"`
	Enabled                  *bool   `yaml:"enabled"`
	RequirePrivateNetworking *bool   `yaml:"requirePrivateNetworking"`
	Valid                    *bool   `yaml:"valid"` // read-only: accepted and ignored, as Atlas does
}

// ClusterArgs is a cluster: the API's replicationSpecs, or the shorthand
// provider/regions/instanceSize (one region config per region), or
// regionConfigs (one replication spec).
type ClusterArgs struct {
	Name                     string            `yaml:"name"`
	ClusterType              string            `yaml:"clusterType"`
	Provider                 string            `yaml:"provider"`
	Regions                  []string          `yaml:"regions"`
	InstanceSize             string            `yaml:"instanceSize"`
	RegionConfigs            []RegionArgs      `yaml:"regionConfigs"`
	ReplicationSpecs         []ReplicationArgs `yaml:"replicationSpecs"`
	EncryptionAtRestProvider string            `yaml:"encryptionAtRestProvider"`
	BackupEnabled            *bool             `yaml:"backupEnabled"`
	LegacyBackup             *bool             `yaml:"legacyBackup"`
	Paused                   *bool             `yaml:"paused"`
}

// ReplicationArgs is one replication spec.
type ReplicationArgs struct {
	RegionConfigs []RegionArgs `yaml:"regionConfigs"`
}

// RegionArgs is one region config.
type RegionArgs struct {
	ProviderName        string `yaml:"providerName"`
	BackingProviderName string `yaml:"backingProviderName"`
	RegionName          string `yaml:"regionName"`
	InstanceSize        string `yaml:"instanceSize"`
	Priority            int    `yaml:"priority"`
}

// ProjectArgs is the body of a project creation.
type ProjectArgs struct {
	Name  string `yaml:"name"`
	OrgID string `yaml:"orgId"`
}

// SnapshotArgs is the body of a snapshot creation.
type SnapshotArgs struct {
	Description     string `yaml:"description"`
	RetentionInDays int    `yaml:"retentionInDays"`
}

// ActorArgs sends the step as an API key with these roles.
type ActorArgs struct {
	Roles      []string            `yaml:"roles"`
	GroupRoles map[string][]string `yaml:"groupRoles"`
}

// Expect is what a step must answer. Without it a step must succeed.
type Expect struct {
	Status     int            `yaml:"status"`
	ErrorCode  string         `yaml:"errorCode"`
	Rule       string         `yaml:"rule"`
	Parameters []string       `yaml:"parameters"` // the error's parameters, in order
	Body       map[string]any `yaml:"body"`       // path: value, paths as in Check
	Effects    []EffectMatch  `yaml:"effects"`
	NoEffects  []string       `yaml:"noEffects"`
	Warnings   []EffectMatch  `yaml:"warnings"`
	Violations []string       `yaml:"violations"` // rule IDs of invariants the step may break
}

// EffectMatch matches an effect or warning: a kind, optionally the rule and
// target fields. A plain string is a kind.
type EffectMatch struct {
	Kind   string            `yaml:"kind"`
	Rule   string            `yaml:"rule"`
	Target map[string]string `yaml:"target"`
}

// UnmarshalYAML accepts "Kind" or {kind, rule, target}.
func (m *EffectMatch) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		m.Kind = n.Value
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; k != "kind" && k != "rule" && k != "target" {
			return fmt.Errorf("line %d: field %s not found in an effect (kind, rule, target)", n.Content[i].Line, k)
		}
	}
	type plain EffectMatch
	return n.Decode((*plain)(m))
}

// Check is a final expectation on the world's state (sim.State as JSON).
// Path segments are separated by dots: a field, an index, or a selector
// field[key=value]; ${name} stands for a bound id.
type Check struct {
	Path   string `yaml:"path"`
	Equals any    `yaml:"equals"`
	Count  *int   `yaml:"count"`
	Absent bool   `yaml:"absent"`
	line   int
}

type stepLines struct {
	step int
	keys map[string]int
}

// ParseError is a scenario the decoder refuses, with its file and line.
type ParseError = sim.FileError

// MaxFile is the most earsim reads of a scenario, desired state, world or
// suppressions file: 64 MiB.
const MaxFile = 64 << 20

// ReadFile reads a file of at most MaxFile bytes; a larger one (or an
// endless one such as /dev/zero) is an error naming the limit. Its errors
// do not name the file: every caller does ("FILE: no such file or
// directory", not the file twice).
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer f.Close()
	return ReadAll(f)
}

// ReadAll reads r up to MaxFile bytes.
func ReadAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFile {
		return nil, fmt.Errorf("larger than %d MiB, the most earsim reads of such a file", MaxFile>>20)
	}
	return data, nil
}

// Load reads and parses a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, &ParseError{File: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

var (
	yamlLine     = regexp.MustCompile(`line (\d+): (.*)`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type`)
)

// Parse decodes and validates a scenario. Every error is a *ParseError
// naming the file and, where there is one, the line.
func Parse(file string, data []byte) (*Scenario, error) { return parse(file, data, false) }

// ParseState parses a desired state: the scenario format, where steps and
// name may be left out (earsim check judges the world as written).
func ParseState(file string, data []byte) (*Scenario, error) { return parse(file, data, true) }

// ScalarKeys refuses a YAML document with a mapping key that is not a
// scalar (a mapping or list as a key, directly or through an alias, as in
// the flow mapping {<<, *a}): Go cannot hold such keys, and YAML decoders
// fail on them with a runtime error instead of a line.
func ScalarKeys(file string, n *yaml.Node) error {
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
		if n == nil || seen[n] {
			return nil
		}
		seen[n] = true
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				target := k
				if k.Kind == yaml.AliasNode && k.Alias != nil {
					target = k.Alias
				}
				if target.Kind != yaml.ScalarNode {
					return &ParseError{File: file, Line: k.Line, Msg: "a mapping key must be a plain value, not a mapping or a list (an alias such as *name cannot be a key)"}
				}
			}
		}
		for _, c := range n.Content {
			if err := walk(c); err != nil {
				return err
			}
		}
		return walk(n.Alias)
	}
	return walk(n)
}

func parse(file string, data []byte, state bool) (*Scenario, error) {
	fail := func(line int, format string, args ...any) error {
		return &ParseError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(file, data, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fail(0, "empty scenario")
	}
	if err := ScalarKeys(file, &root); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	s := &Scenario{File: file}
	if err := dec.Decode(s); err != nil {
		return nil, yamlError(file, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail(extra.Line, "one scenario per file: a second YAML document follows")
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fail(doc.Line, "a scenario is a mapping with name, world, steps and then")
	}
	s.line = doc.Line
	if steps := child(doc, "steps"); steps != nil {
		for _, n := range steps.Content {
			sl := stepLines{step: n.Line, keys: map[string]int{}}
			for j := 0; j+1 < len(n.Content); j += 2 {
				sl.keys[n.Content[j].Value] = n.Content[j].Line
			}
			s.lines = append(s.lines, sl)
		}
	}
	if then := child(doc, "then"); then != nil {
		for i, n := range then.Content {
			if i < len(s.Then) {
				s.Then[i].line = n.Line
			}
		}
	}
	if err := s.validate(state); err != nil {
		return nil, err
	}
	return s, nil
}

func child(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// syntaxError is yamlError for a document that does not parse, at the line
// where the problem is. yaml.v3 names the line where the enclosing
// collection began ("line 2: did not find expected '-' indicator" for a
// bad indentation on line 5): the problem's line is the first after it at
// which the document, cut there, fails with the same message. Only the
// next 200 lines are tried (each try parses the prefix again).
func syntaxError(file string, data []byte, err error) error {
	perr := yamlError(file, data, err)
	pe, ok := perr.(*ParseError)
	if !ok || pe.Line == 0 {
		return perr
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	end := 0
	for i := 0; i < pe.Line-1 && i < len(lines); i++ {
		end += len(lines[i])
	}
	for n := pe.Line; n <= len(lines) && n < pe.Line+200; n++ {
		end += len(lines[n-1])
		var node yaml.Node
		e := yaml.Unmarshal(data[:end], &node)
		if e == nil {
			continue
		}
		if cut, ok := yamlError(file, data[:end], e).(*ParseError); ok && cut.Msg == pe.Msg {
			pe.Line = n
			break
		}
	}
	return pe
}

// yamlError turns a yaml.v3 error into a ParseError with the first line it names.
func yamlError(file string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if i := strings.Index(msg, "\n"); i >= 0 {
			msg = msg[:i]
		}
		if f := unknownField.FindStringSubmatch(msg); f != nil {
			msg = fmt.Sprintf("unknown field %q", f[1])
			if best, ok := sim.Closest(f[1], scenarioFields()); ok {
				msg += fmt.Sprintf(" (did you mean %s?)", best)
			}
		}
	}
	msg = goTypes.ReplaceAllStringFunc(msg, plainType)
	msg = yamlTags.ReplaceAllStringFunc(msg, func(m string) string {
		sub := yamlTags.FindStringSubmatch(m)
		kind := map[string]string{"!!seq": "a list", "!!map": "a mapping", "!!str": "the text", "!!int": "the number",
			"!!float": "the number", "!!bool": "the value", "!!null": "nothing"}[sub[1]]
		if kind == "" {
			kind = "a " + strings.TrimPrefix(sub[1], "!!")
		}
		return "found " + kind + sub[2]
	})
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil && line == 0 {
		line = lineOf(data, "*"+m[1])
	}
	// A secret never appears in a message, even as an anchor's name or a
	// value the decoder quotes back (issue 13).
	for _, sec := range secretValues(data) {
		if strings.Contains(msg, sec.text) {
			msg = strings.ReplaceAll(msg, sec.text, "(redacted)")
			if line == 0 {
				line = sec.line
			}
		}
	}
	return &ParseError{File: file, Line: line, Msg: msg}
}

// scenarioFields are every key the scenario format knows, for "did you mean".
func scenarioFields() []string {
	seen := map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t.String()] {
			return
		}
		seen[t.String()] = true
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name != "" && name != "-" {
				seen["field:"+name] = true
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(Scenario{}))
	var out []string
	for k := range seen {
		if name, ok := strings.CutPrefix(k, "field:"); ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// goTypes are the Go types a YAML decoder names ("into []scenarios.Step");
// plainType says what the file must hold there instead.
var yamlTags = regexp.MustCompile("cannot unmarshal (!![a-z]+)( `[^`]*`)?")

var goTypes = regexp.MustCompile(`into (\[\])?(\*?[a-zA-Z_][\w.]*)`)

func plainType(m string) string {
	sub := goTypes.FindStringSubmatch(m)
	what := "a mapping"
	switch strings.TrimPrefix(sub[2], "*") {
	case "int", "int64", "uint64", "int32":
		what = "a whole number"
	case "bool":
		what = "true or false"
	case "string", "sim.Op", "sim.Secret":
		what = "a text"
	case "float64":
		what = "a number"
	}
	if sub[1] != "" {
		return "where a list of " + strings.TrimPrefix(what, "a ") + "s belongs"
	}
	return "where " + what + " belongs"
}

var (
	unknownAnchor = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)
	secretLine    = regexp.MustCompile(`(?i)\bsecret\s*:\s*([^,}\n]*)`)
)

type secretText struct {
	text string
	line int
}

// secretValues are the texts written as secrets in a YAML file: the value
// after each secret key, and any anchor or alias written there.
func secretValues(data []byte) []secretText {
	var out []secretText
	for i, l := range strings.Split(string(data), "\n") {
		for _, m := range secretLine.FindAllStringSubmatch(l, -1) {
			for _, f := range strings.Fields(m[1]) {
				if strings.HasPrefix(f, "!!") { // a type tag (!!int), not the secret
					continue
				}
				f = strings.Trim(strings.TrimLeft(f, "*&!"), `"'[]`)
				if len(f) >= 3 && f != "secret" {
					out = append(out, secretText{f, i + 1})
				}
			}
		}
	}
	return out
}

// lineOf is the 1-based line of the first occurrence of needle, 0 if none.
func lineOf(data []byte, needle string) int {
	i := strings.Index(string(data), needle)
	if i < 0 {
		return 0
	}
	return strings.Count(string(data[:i]), "\n") + 1
}

var hexID = regexp.MustCompile(`^[a-f0-9]{24}$`)

// commonKeys are step keys every op takes.
var commonKeys = []string{"name", "do", "groupId", "group", "actor", "as", "expect"}

// stepKeys maps Command JSON names to the step keys that set them.
var stepKeys = map[string][]string{"endpointId": {"endpointId", "endpoint"}}

func (s *Scenario) validate(state bool) error {
	fail := func(line int, format string, args ...any) error {
		return &ParseError{File: s.File, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if s.Name == "" && !state {
		return fail(s.line, "the scenario needs a name")
	}
	if len(s.Steps) == 0 && !state {
		return fail(s.line, "the scenario needs at least one step")
	}
	groups := map[string]bool{}
	endpoints := map[string]bool{}
	clusters := map[string]map[string]bool{sim.DefaultProjectID: {}}
	for _, wp := range s.World.Projects {
		id := wp.ID
		if id == "" {
			id = sim.DefaultProjectID
		} else if !hexID.MatchString(id) {
			return fail(0, "world project id %q is not 24 hex digits", id)
		}
		if wp.As != "" {
			groups[wp.As] = true
		}
		if clusters[id] == nil {
			clusters[id] = map[string]bool{}
		}
		for _, c := range wp.Clusters {
			clusters[id][c.Name] = true
		}
		for _, e := range wp.Endpoints {
			if e.As != "" {
				endpoints[e.As] = true
			}
		}
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		ln := s.lines[i]
		at := func(key string) int {
			if l, ok := ln.keys[key]; ok {
				return l
			}
			return ln.step
		}
		if st.Advance != nil {
			if st.Do != "" || st.Seconds != nil {
				return fail(at("advance"), "advance is a step of its own: use either advance: N or do: Advance with seconds")
			}
			st.Do, st.Seconds = sim.Advance, st.Advance
			ln.keys["seconds"] = at("advance")
			delete(ln.keys, "advance")
		}
		spec, ok := sim.Spec(st.Do)
		if !ok {
			if st.Do == "" {
				return fail(ln.step, "step %d has no do: (or advance:)", i+1)
			}
			var ops []string
			for _, o := range sim.Ops {
				ops = append(ops, string(o.Op))
			}
			hint := ""
			if best, ok := sim.Closest(string(st.Do), ops); ok {
				hint = fmt.Sprintf(" (did you mean %s?)", best)
			}
			return fail(at("do"), "unknown operation %q%s", st.Do, hint)
		}
		allowed := slices.Concat(commonKeys, []string{"seconds"})
		for _, f := range slices.Concat(spec.Required, spec.Optional) {
			allowed = append(allowed, f)
			allowed = append(allowed, stepKeys[f]...)
		}
		for key, line := range ln.keys {
			if !slices.Contains(allowed, key) {
				return fail(line, "%s does not take %s", st.Do, key)
			}
		}
		if st.Do != sim.Advance && st.Seconds != nil {
			return fail(at("seconds"), "%s does not take seconds", st.Do)
		}
		for _, f := range spec.Required {
			present := false
			for _, k := range append([]string{f}, stepKeys[f]...) {
				_, has := ln.keys[k]
				present = present || has
			}
			if !present {
				return fail(ln.step, "%s needs %s", st.Do, f)
			}
		}
		expect404 := st.Expect != nil && st.Expect.Status == 404
		gid := st.GroupID
		switch {
		case st.Group != "" && st.GroupID != "":
			return fail(at("group"), "give group or groupId, not both")
		case st.Group != "" && !groups[st.Group]:
			return fail(at("group"), "unknown project reference %q (bind it with as: first)", st.Group)
		case st.Group != "":
			gid = "ref:" + st.Group
		case gid == "":
			gid = sim.DefaultProjectID
		case !hexID.MatchString(gid):
			return fail(at("groupId"), "groupId %q is not 24 hex digits", gid)
		}
		if clusters[gid] == nil {
			clusters[gid] = map[string]bool{}
		}
		if st.Endpoint != "" && st.EndpointID != "" {
			return fail(at("endpoint"), "give endpoint or endpointId, not both")
		}
		if st.Endpoint != "" && !endpoints[st.Endpoint] {
			return fail(at("endpoint"), "unknown endpoint reference %q (bind it with as: on a CreatePrivateEndpoint step or a world endpoint)", st.Endpoint)
		}
		if st.EndpointID != "" && !hexID.MatchString(st.EndpointID) {
			return fail(at("endpointId"), "endpointId %q is not 24 hex digits; to refer to an endpoint by name use endpoint:", st.EndpointID)
		}
		if st.ClusterName != "" && !clusters[gid][st.ClusterName] && !expect404 {
			return fail(at("clusterName"), "unknown cluster %q (not in the world nor created by an earlier step)", st.ClusterName)
		}
		if st.Do == sim.CreateCluster && st.Cluster != nil {
			clusters[gid][st.Cluster.Name] = true
		}
		if st.As != "" {
			switch st.Do {
			case sim.CreatePrivateEndpoint, sim.RejectConnection, sim.RemoveConnection:
				endpoints[st.As] = true
			case sim.CreateProject:
				groups[st.As] = true
			case sim.CreateSnapshot:
			default:
				return fail(at("as"), "%s creates nothing to bind with as:", st.Do)
			}
		}
		if k := st.AzureKeyVault; k != nil && k.Preset != nil {
			if _, ok := sim.Presets[*k.Preset]; !ok {
				return fail(at("azureKeyVault"), "unknown preset %q (test-tf-export or example)", *k.Preset)
			}
		}
		if e := st.Expect; e != nil {
			for _, m := range slices.Concat(e.Effects, e.Warnings) {
				if m.Kind == "" {
					return fail(at("expect"), "an expected effect needs a kind")
				}
			}
		}
	}
	for _, c := range s.Then {
		if c.Path == "" {
			return fail(c.line, "a check needs a path")
		}
		if c.Equals == nil && c.Count == nil && !c.Absent {
			return fail(c.line, "a check needs equals, count or absent")
		}
	}
	return nil
}
