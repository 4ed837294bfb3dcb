package scenarios

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/earsim/earsim/sim"
)

// DefaultSeed is the seed of a scenario that names none.
const DefaultSeed uint64 = 1

// Trace is the record of one scenario run: every step's answer, effects,
// warnings and broken invariants, and the expectations that failed. The same
// scenario and seed always give the same Trace, byte for byte as JSON.
type Trace struct {
	File     string      `json:"file"`
	Name     string      `json:"name"`
	Rules    []string    `json:"rules,omitempty"`
	Seed     uint64      `json:"seed"`
	Steps    []StepTrace `json:"steps"`
	Failures []string    `json:"failures,omitempty"` // "file:line: what"
	Passed   bool        `json:"passed"`
}

// StepTrace is one step of a Trace.
type StepTrace struct {
	N          int            `json:"n"`
	Line       int            `json:"line"`
	Name       string         `json:"name,omitempty"`
	Op         sim.Op         `json:"op"`
	At         string         `json:"at"` // logical time after the step
	Status     int            `json:"status"`
	ErrorCode  string         `json:"errorCode,omitempty"`
	Rule       string         `json:"rule,omitempty"`
	Body       any            `json:"body,omitempty"`
	Effects    []sim.Effect   `json:"effects,omitempty"`
	Warnings   []sim.Forecast `json:"warnings,omitempty"`
	Violations []sim.Broken   `json:"violations,omitempty"`
}

// Replay is a scenario in progress: the machine after some of its steps.
type Replay struct {
	Machine *sim.Machine
	s       *Scenario
	binds   map[string]string
	seed    uint64
	next    int
}

// Start builds the scenario's initial world on a Machine with the given
// checker. seed, when non-nil, overrides the scenario's own. The error is for
// a world that cannot be built (a *ParseError).
func Start(s *Scenario, c sim.Checker, seed *uint64) (*Replay, error) {
	sd := DefaultSeed
	if s.Seed != nil {
		sd = *s.Seed
	}
	if seed != nil {
		sd = *seed
	}
	st, binds, err := s.build(sd)
	if err != nil {
		return nil, &ParseError{File: s.File, Line: s.line, Msg: "world: " + err.Error()}
	}
	m, err := sim.NewMachine(st, c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	return &Replay{Machine: m, s: s, binds: binds, seed: sd}, nil
}

// Command returns the simulator command of the next step, names resolved.
func (r *Replay) Command() sim.Command { return r.s.command(&r.s.Steps[r.next], r.binds) }

// Done reports whether every step has been applied.
func (r *Replay) Done() bool { return r.next >= len(r.s.Steps) }

// Step applies the next step and returns its answer and the expectations it
// failed.
func (r *Replay) Step() (sim.Result, []string) {
	st := &r.s.Steps[r.next]
	res := r.Machine.Step(r.Command())
	r.next++
	bind(st, res, r.binds)
	return res, check(st, res, r.binds)
}

// Run runs a scenario on a fresh world with the given checker. seed, when
// non-nil, overrides the scenario's own. The error is for a world that
// cannot be built (a *ParseError); failed expectations are in the Trace.
func Run(s *Scenario, c sim.Checker, seed *uint64) (*Trace, error) {
	r, err := Start(s, c, seed)
	if err != nil {
		return nil, err
	}
	m, binds := r.Machine, r.binds
	tr := &Trace{File: s.File, Name: s.Name, Rules: s.Rules, Seed: r.seed, Steps: []StepTrace{}}
	for i := range s.Steps {
		st := &s.Steps[i]
		line := s.lines[i].step
		res, fails := r.Step()
		step := StepTrace{N: i + 1, Line: line, Name: st.Name, Op: res.Op, At: sim.Timestamp(m.State().Now), Status: res.Status,
			Body: res.Body, Effects: res.Effects, Warnings: res.Warnings, Violations: res.Violations}
		if res.Err != nil {
			step.ErrorCode, step.Rule = res.Err.Code, res.Err.Rule
		}
		tr.Steps = append(tr.Steps, step)
		at := line
		if l, ok := s.lines[i].keys["expect"]; ok {
			at = l
		}
		for _, f := range fails {
			tr.Failures = append(tr.Failures, fmt.Sprintf("%s:%d: step %d %s: %s", s.File, at, i+1, res.Op, f))
		}
	}
	state, _ := jsonValue(m.State())
	for _, c := range s.Then {
		if f := c.eval(state, binds); f != "" {
			tr.Failures = append(tr.Failures, fmt.Sprintf("%s:%d: then %s: %s", s.File, c.line, c.Path, f))
		}
	}
	tr.Passed = len(tr.Failures) == 0
	return tr, nil
}

// build makes the scenario's initial world: the default world of API.md with
// the scenario's changes. It returns the world and the names bound with as.
func (s *Scenario) build(seed uint64) (*sim.State, map[string]string, error) {
	st := sim.NewWorld(seed)
	binds := map[string]string{}
	for _, wp := range s.World.Projects {
		id := wp.ID
		if id == "" {
			id = sim.DefaultProjectID
		}
		if st.Project(id) == nil {
			name := wp.Name
			if name == "" {
				name = "project-" + id[:6]
			}
			st.Projects = st.Projects.Append(sim.NewProject(id, name, sim.DefaultOrgID, 0))
		}
		p := st.Project(id)
		if wp.Name != "" {
			p.Name = wp.Name
		}
		switch wp.State {
		case "":
		case "ACTIVE", "INACTIVE":
			p.State = wp.State
		default:
			return nil, nil, fmt.Errorf("project state must be ACTIVE or INACTIVE, got %q", wp.State)
		}
		if wp.As != "" {
			binds[wp.As] = id
		}
		if e := wp.Encryption; e != nil {
			cfg := sim.EncryptionConfig{}
			if e.Preset != nil {
				preset, ok := sim.Presets[*e.Preset]
				if !ok {
					return nil, nil, fmt.Errorf("unknown encryption preset %q (test-tf-export or example)", *e.Preset)
				}
				cfg = preset.Config(st)
			}
			args := e.KeyVaultArgs
			args.Preset = nil
			cfg = mergeArgs(cfg, &args, st.Digest)
			p.Encryption = cfg
		}
		for _, c := range wp.Clusters {
			if err := st.PlaceCluster(id, sim.ClusterOf(c.spec(true))); err != nil {
				return nil, nil, err
			}
		}
		for _, e := range wp.Endpoints {
			status := e.Status
			if status == "" {
				status = sim.StatusActive
			}
			eid, err := st.PlaceEndpoint(id, e.Region, status)
			if err != nil {
				return nil, nil, err
			}
			if e.As != "" {
				binds[e.As] = eid
			}
		}
	}
	for _, sub := range s.World.Azure.Subscriptions {
		if x := st.Azure.Subscription(sub.ID); x != nil {
			x.NetworkRegistered = sub.NetworkRegistered
		} else {
			st.Azure.Subscriptions = append(st.Azure.Subscriptions, sim.Subscription{ID: sub.ID, NetworkRegistered: sub.NetworkRegistered})
		}
	}
	for _, k := range s.World.Azure.Keys {
		key := st.Azure.Key(k.KeyIdentifier)
		if key == nil {
			id, err := sim.ParseKeyIdentifier(k.KeyIdentifier)
			if err != nil {
				return nil, nil, err
			}
			v := st.Azure.Vault(id.Vault)
			if v == nil {
				return nil, nil, fmt.Errorf("key %s: no vault %q in the world", k.KeyIdentifier, id.Vault)
			}
			st.Azure.Keys = append(st.Azure.Keys, sim.Key{Identifier: k.KeyIdentifier, Vault: v.Name, Name: id.Name, Version: id.Version, Enabled: true, AccessGranted: true})
			key = &st.Azure.Keys[len(st.Azure.Keys)-1]
		}
		if k.Enabled != nil {
			key.Enabled = *k.Enabled
		}
		if k.AccessGranted != nil {
			key.AccessGranted = *k.AccessGranted
		}
		key.Deleted = k.Deleted
	}
	return st, binds, nil
}

// mergeArgs writes the fields a scenario gives over a stored configuration;
// it is enabled unless the scenario says enabled: false.
func mergeArgs(c sim.EncryptionConfig, a *KeyVaultArgs, digest func(string) string) sim.EncryptionConfig {
	p := a.patch()
	p.Enabled = nil
	c = c.Patched(p, digest)
	c.Enabled = a.Enabled == nil || *a.Enabled
	return c
}

func (a *KeyVaultArgs) patch() *sim.AzureKeyVaultPatch {
	if a.Preset != nil {
		if pr, ok := sim.Presets[*a.Preset]; ok {
			full := &KeyVaultArgs{
				AzureEnvironment: &pr.AzureEnvironment, ClientID: &pr.ClientID, TenantID: &pr.TenantID, Secret: &pr.Secret,
				SubscriptionID: &pr.SubscriptionID, ResourceGroupName: &pr.ResourceGroupName, KeyVaultName: &pr.KeyVaultName,
				KeyIdentifier: &pr.KeyIdentifier,
			}
			for dst, src := range map[**string]*string{
				&full.AzureEnvironment: a.AzureEnvironment, &full.ClientID: a.ClientID, &full.TenantID: a.TenantID, &full.Secret: a.Secret,
				&full.SubscriptionID: a.SubscriptionID, &full.ResourceGroupName: a.ResourceGroupName, &full.KeyVaultName: a.KeyVaultName,
				&full.KeyIdentifier: a.KeyIdentifier,
			} {
				if src != nil {
					*dst = src
				}
			}
			full.RoleID, full.Enabled, full.RequirePrivateNetworking = a.RoleID, a.Enabled, a.RequirePrivateNetworking
			a = full
		}
	}
	p := &sim.AzureKeyVaultPatch{
		AzureEnvironment: a.AzureEnvironment, ClientID: a.ClientID, TenantID: a.TenantID,
		SubscriptionID: a.SubscriptionID, ResourceGroupName: a.ResourceGroupName, KeyVaultName: a.KeyVaultName,
		KeyIdentifier: a.KeyIdentifier, RoleID: a.RoleID, Enabled: a.Enabled, RequirePrivateNetworking: a.RequirePrivateNetworking,
	}
	if a.Secret != nil {
		s := sim.Secret(*a.Secret)
		p.Secret = &s
	}
	return p
}

// spec converts cluster arguments; full fills the shorthand's defaults
// (provider AZURE, instanceSize M10, region US_CENTRAL) for a new cluster.
func (c *ClusterArgs) spec(full bool) *sim.ClusterSpec {
	s := &sim.ClusterSpec{Name: c.Name, ClusterType: c.ClusterType, EncryptionAtRestProvider: c.EncryptionAtRestProvider,
		BackupEnabled: c.BackupEnabled, LegacyBackup: c.LegacyBackup, Paused: c.Paused}
	rc := func(a RegionArgs, priority int) sim.RegionConfig {
		size := a.InstanceSize
		if size == "" {
			size = "M10"
		}
		if a.Priority != 0 {
			priority = a.Priority
		}
		return sim.RegionConfig{ProviderName: a.ProviderName, BackingProviderName: a.BackingProviderName, RegionName: a.RegionName,
			Priority: priority, ElectableSpecs: &sim.HardwareSpec{InstanceSize: size, NodeCount: 3}}
	}
	switch {
	case c.ReplicationSpecs != nil:
		for _, rs := range c.ReplicationSpecs {
			var spec sim.ReplicationSpec
			for i, a := range rs.RegionConfigs {
				spec.RegionConfigs = append(spec.RegionConfigs, rc(a, 7-i))
			}
			s.ReplicationSpecs = append(s.ReplicationSpecs, spec)
		}
	case c.RegionConfigs != nil:
		var spec sim.ReplicationSpec
		for i, a := range c.RegionConfigs {
			spec.RegionConfigs = append(spec.RegionConfigs, rc(a, 7-i))
		}
		s.ReplicationSpecs = []sim.ReplicationSpec{spec}
	case full || c.Regions != nil || c.Provider != "" || c.InstanceSize != "":
		provider, regions := c.Provider, c.Regions
		if provider == "" {
			provider = "AZURE"
		}
		if regions == nil {
			regions = []string{"US_CENTRAL"}
		}
		var spec sim.ReplicationSpec
		for i, r := range regions {
			spec.RegionConfigs = append(spec.RegionConfigs, rc(RegionArgs{ProviderName: provider, RegionName: r, InstanceSize: c.InstanceSize}, 7-i))
		}
		s.ReplicationSpecs = []sim.ReplicationSpec{spec}
	}
	return s
}

// command turns a step into a simulator command, resolving bound names.
func (s *Scenario) command(st *Step, binds map[string]string) sim.Command {
	cmd := sim.Command{
		Op: st.Do, GroupID: st.GroupID, CloudProvider: st.CloudProvider, EndpointID: st.EndpointID,
		RegionName: st.RegionName, ClusterName: st.ClusterName, State: st.State, KeyIdentifier: st.KeyIdentifier,
		Enabled: st.Enabled, SubscriptionID: st.SubscriptionID,
	}
	if spec, _ := sim.Spec(st.Do); spec.Project && cmd.GroupID == "" {
		cmd.GroupID = sim.DefaultProjectID
	}
	if st.Group != "" {
		cmd.GroupID = binds[st.Group]
	}
	if st.Endpoint != "" {
		cmd.EndpointID = binds[st.Endpoint]
	}
	if st.Seconds != nil {
		cmd.Seconds = *st.Seconds
	}
	if st.AzureKeyVault != nil {
		cmd.AzureKeyVault = st.AzureKeyVault.patch()
	}
	if st.Cluster != nil {
		cmd.Cluster = st.Cluster.spec(st.Do == sim.CreateCluster)
	}
	if st.Project != nil {
		cmd.Project = &sim.ProjectSpec{Name: st.Project.Name, OrgID: st.Project.OrgID}
		if cmd.Project.OrgID == "" {
			cmd.Project.OrgID = sim.DefaultOrgID
		}
	}
	if st.Snapshot != nil {
		cmd.Snapshot = &sim.SnapshotSpec{Description: st.Snapshot.Description, RetentionInDays: st.Snapshot.RetentionInDays}
	}
	if st.Actor != nil {
		cmd.Actor = &sim.Actor{Roles: st.Actor.Roles, GroupRoles: map[string][]string{}}
		for g, roles := range st.Actor.GroupRoles {
			if id, ok := binds[g]; ok {
				g = id
			}
			cmd.Actor.GroupRoles[g] = roles
		}
	}
	return cmd
}

// bind records the id a successful step created under the step's as: name.
func bind(st *Step, res sim.Result, binds map[string]string) {
	if st.As == "" || res.Err != nil {
		return
	}
	switch b := res.Body.(type) {
	case sim.EndpointView:
		binds[st.As] = b.ID
		for _, e := range res.Effects {
			if e.Kind == "EndpointRecreating" {
				binds[st.As] = e.Target["by"]
			}
		}
	case sim.ProjectView:
		binds[st.As] = b.ID
	case sim.SnapshotView:
		binds[st.As] = b.ID
	}
}

// check compares a step's answer with its expectations.
func check(st *Step, res sim.Result, binds map[string]string) []string {
	var fails []string
	failf := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }
	got := fmt.Sprintf("status %d", res.Status)
	if res.Err != nil {
		got += fmt.Sprintf(" %s (%s: %s)", res.Err.Code, res.Err.Rule, res.Err.Detail)
	}
	e := st.Expect
	if e == nil {
		e = &Expect{}
	}
	switch {
	case e.Status != 0 && res.Status != e.Status:
		failf("got %s, want status %d", got, e.Status)
	case e.Status == 0 && e.ErrorCode == "" && res.Err != nil:
		failf("got %s, want success", got)
	}
	if e.ErrorCode != "" && (res.Err == nil || res.Err.Code != e.ErrorCode) {
		failf("got %s, want errorCode %s", got, e.ErrorCode)
	}
	if e.Rule != "" && (res.Err == nil || res.Err.Rule != e.Rule) {
		failf("got %s, want refusal by %s", got, e.Rule)
	}
	if e.Parameters != nil && (res.Err == nil || !slices.Equal(res.Err.Parameters, e.Parameters)) {
		var have []string
		if res.Err != nil {
			have = res.Err.Parameters
		}
		failf("got parameters %v, want %v", have, e.Parameters)
	}
	if len(e.Body) > 0 {
		body, _ := jsonValue(res.Body)
		for _, path := range slices.Sorted(maps.Keys(e.Body)) {
			want := substitute(e.Body[path], binds)
			gotV, ok := lookupPath(body, expand(path, binds))
			if !ok {
				failf("body has no %s", path)
			} else if !equalJSON(gotV, want) {
				failf("body %s = %v, want %v", path, show(gotV), show(want))
			}
		}
	}
	for _, m := range e.Effects {
		if !slices.ContainsFunc(res.Effects, func(x sim.Effect) bool { return m.matches(x.Kind, x.Rule, x.Target, binds) }) {
			failf("no effect %s%s among %v", m.Kind, m.suffix(), kinds(res.Effects))
		}
	}
	for _, k := range e.NoEffects {
		if slices.ContainsFunc(res.Effects, func(x sim.Effect) bool { return x.Kind == k }) {
			failf("unexpected effect %s", k)
		}
	}
	for _, m := range e.Warnings {
		if !slices.ContainsFunc(res.Warnings, func(x sim.Forecast) bool { return m.matches(x.Effect, x.Rule, x.Target, binds) }) {
			var have []string
			for _, w := range res.Warnings {
				have = append(have, w.Effect+"("+w.Rule+")")
			}
			failf("no warning %s%s among %v", m.Kind, m.suffix(), have)
		}
	}
	for _, v := range res.Violations {
		if !slices.Contains(e.Violations, v.Rule) {
			failf("invariant %s broken: %s", v.Rule, v.Msg)
		}
	}
	return fails
}

func (m EffectMatch) matches(kind, rule string, target map[string]string, binds map[string]string) bool {
	if kind != m.Kind || (m.Rule != "" && rule != m.Rule) {
		return false
	}
	for k, v := range m.Target {
		if target[k] != expand(v, binds) {
			return false
		}
	}
	return true
}

func (m EffectMatch) suffix() string {
	if m.Rule == "" {
		return ""
	}
	return " (" + m.Rule + ")"
}

func kinds(effects []sim.Effect) []string {
	out := []string{}
	for _, e := range effects {
		out = append(out, e.Kind)
	}
	return out
}

func (c Check) eval(state any, binds map[string]string) string {
	got, ok := lookupPath(state, expand(c.Path, binds))
	switch {
	case c.Absent && ok:
		return fmt.Sprintf("present (%v), want absent", show(got))
	case c.Absent:
		return ""
	case !ok:
		return "no such path in the state"
	case c.Count != nil:
		l, isList := got.([]any)
		if !isList {
			return fmt.Sprintf("%v is not a list", show(got))
		}
		if len(l) != *c.Count {
			return fmt.Sprintf("count %d, want %d", len(l), *c.Count)
		}
	}
	if c.Equals != nil && !equalJSON(got, substitute(c.Equals, binds)) {
		return fmt.Sprintf("= %v, want %v", show(got), show(c.Equals))
	}
	return ""
}

// expand replaces ${name} with the id bound to name.
func expand(s string, binds map[string]string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	for _, k := range slices.Sorted(maps.Keys(binds)) {
		s = strings.ReplaceAll(s, "${"+k+"}", binds[k])
	}
	return s
}

func substitute(v any, binds map[string]string) any {
	if s, ok := v.(string); ok {
		return expand(s, binds)
	}
	return v
}

// lookupPath follows a path (field.0.field[key=value]) through JSON values.
func lookupPath(v any, path string) (any, bool) {
	for _, seg := range splitPath(path) {
		name, sel, hasSel := strings.Cut(seg, "[")
		if name != "" {
			switch x := v.(type) {
			case map[string]any:
				var ok bool
				if v, ok = x[name]; !ok {
					return nil, false
				}
			case []any:
				i := -1
				if _, err := fmt.Sscanf(name, "%d", &i); err != nil || i < 0 || i >= len(x) {
					return nil, false
				}
				v = x[i]
			default:
				return nil, false
			}
		}
		if hasSel {
			key, val, _ := strings.Cut(strings.TrimSuffix(sel, "]"), "=")
			list, _ := v.([]any)
			found := false
			for _, item := range list {
				if m, ok := item.(map[string]any); ok && fmt.Sprint(m[key]) == val {
					v, found = item, true
					break
				}
			}
			if !found {
				return nil, false
			}
		}
	}
	return v, true
}

// splitPath splits on dots outside brackets.
func splitPath(p string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range p {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				out = append(out, p[start:i])
				start = i + 1
			}
		}
	}
	return append(out, p[start:])
}

func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// equalJSON compares a JSON value with a YAML one (numbers by value).
func equalJSON(got, want any) bool {
	w, err := jsonValue(want)
	if err != nil {
		return false
	}
	return reflect.DeepEqual(got, w)
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
