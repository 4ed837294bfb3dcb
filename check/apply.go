package check

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/earsim/earsim/sim"
)

// A plan is judged the way Terraform applies it: as the sequence of Atlas
// requests the provider sends, in the order Terraform sends them, each
// stepped through the simulator with the policies in the loop, from the
// world the plan's prior state describes. So the check and earsim serve are
// one model and cannot disagree (the agreement test holds them to it).
//
// The order is Terraform's: a dependency graph from the configuration
// (references and depends_on) and, for resources gone from it, from the
// prior state's depends_on; creates and updates after what they depend on,
// destroys before what they depend on (a dependent is destroyed before its
// dependency is destroyed or updated), a replacement's halves as its actions
// say (create_before_destroy: create first). Each request is waited on as the
// provider waits: a created endpoint until it is provisioned, a created
// cluster until IDLE, a deleted endpoint or cluster until it is gone.

// Step is one Atlas request of a plan's apply, in order.
type Step struct {
	N       int         `json:"n"`       // its place in the apply order, from 1
	Address string      `json:"address"` // the Terraform resource address
	Action  string      `json:"action"`  // create, update or delete
	Command sim.Command `json:"command"` // the request it sends
	Wait    int64       `json:"wait"`    // logical seconds the provider waits after it
	needs   []int       // steps it depends on (indexes into the order)
	early   []string    // configuration addresses this Azure hazard was judged before: nothing orders them (add depends_on)
}

// Apply is a plan turned into a world and the steps that apply it.
type Apply struct {
	World    *sim.State
	Steps    []Step
	Warnings []OrderWarning // conflicting steps the configuration leaves unordered (add depends_on)
	Sending  func(Step)     // if set, Run calls it with each step (its command as sent) just before sending it
	Done     func(Outcome)  // if set, Run calls it after each step: sent and waited on, refused, or skipped
	projects map[string]string
	ignored  int             // Azure-side changes of kinds check does not read (other azapi types, other providers' registrations)
	soft     map[[2]int]bool // order edges the check chose (the order that loses data), not dependencies: a refusal there skips nothing
	// priorEndpoints are the prior state's endpoints, which an approval may name by connection name.
	priorEndpoints []map[string]any
	names          map[string]string // the address of each cluster, endpoint and key the plan names (addressIndex)
}

// OrderWarning is a config change and an endpoint or cluster change of its
// project that the configuration leaves unordered: the apply judges them in
// the order that works, and the warning names the rule the other order
// breaks, as the simulator answers it (Checker.orderWarnings). Its Rule is
// empty until then.
type OrderWarning struct {
	Finding
	Other []Step // the apply with the two the other way round; nil when that order is a cycle
}

// planChange is one managed resource change of a plan.
type planChange struct {
	Address string
	Config  string // the configuration address: module path and type.name, no instance keys
	Type    string
	Actions []string
	Before  map[string]any
	After   map[string]any
	project string // when project_id is known only at apply: "project:" and the project's address

	plannedKey string      // azurerm_key_vault_key created by the plan: the identifier check gives it
	endpoint   *planChange // azapi connection change: the endpoint it names
}

// planConfig is what the order needs of the configuration: each
// resource's dependencies, by configuration address.
type planConfig struct {
	deps  map[string][]string
	exprs map[string]any // each resource's expressions, by configuration address
}

var instanceKey = regexp.MustCompile(`\[[^\]]*\]`)

func configAddress(address string) string { return instanceKey.ReplaceAllString(address, "") }

// references collects every "references" list under an expressions tree.
func references(v any, out []string) []string {
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			if k == "references" {
				if list, ok := y.([]any); ok {
					for _, r := range list {
						if s, ok := r.(string); ok {
							out = append(out, s)
						}
					}
				}
				continue
			}
			out = references(y, out)
		}
	case []any:
		for _, y := range x {
			out = references(y, out)
		}
	}
	return out
}

// resolve turns a reference inside module prefix into the configuration
// addresses it names: a resource (type.name), or every resource of a module.
func resolve(prefix, ref string, all []string) []string {
	parts := strings.Split(instanceKey.ReplaceAllString(ref, ""), ".")
	switch parts[0] {
	case "var", "local", "each", "count", "path", "self", "terraform", "data":
		return nil
	case "module":
		if len(parts) < 2 {
			return nil
		}
		inner := prefix + "module." + parts[1] + "."
		var out []string
		for _, a := range all {
			if strings.HasPrefix(a, inner) {
				out = append(out, a)
			}
		}
		return out
	}
	if len(parts) < 2 {
		return nil
	}
	return []string{prefix + parts[0] + "." + parts[1]}
}

// readConfig reads the dependency graph of a plan's configuration.
func readConfig(cfg map[string]any) planConfig {
	pc := planConfig{deps: map[string][]string{}, exprs: map[string]any{}}
	type entry struct {
		prefix, address string
		refs            []string
	}
	var entries []entry
	var walk func(m map[string]any, prefix string)
	walk = func(m map[string]any, prefix string) {
		resources, _ := m["resources"].([]any)
		for _, r := range resources {
			res, _ := r.(map[string]any)
			addr, _ := res["address"].(string)
			if mode, _ := res["mode"].(string); mode == "data" || addr == "" {
				continue
			}
			refs := references(res["expressions"], nil)
			refs = references(map[string]any{"count": res["count_expression"], "for_each": res["for_each_expression"]}, refs)
			if d, ok := res["depends_on"].([]any); ok {
				for _, x := range d {
					if s, ok := x.(string); ok {
						refs = append(refs, s)
					}
				}
			}
			entries = append(entries, entry{prefix, prefix + addr, refs})
			pc.exprs[prefix+addr] = res["expressions"]
		}
		calls, _ := m["module_calls"].(map[string]any)
		names := make([]string, 0, len(calls))
		for n := range calls {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			call, _ := calls[n].(map[string]any)
			if mod, ok := call["module"].(map[string]any); ok {
				walk(mod, prefix+"module."+n+".")
			}
		}
	}
	if root, ok := cfg["root_module"].(map[string]any); ok {
		walk(root, "")
	}
	all := make([]string, 0, len(entries))
	for _, e := range entries {
		all = append(all, e.address)
	}
	for _, e := range entries {
		seen := map[string]bool{}
		for _, r := range e.refs {
			for _, d := range resolve(e.prefix, r, all) {
				if d != e.address && !seen[d] {
					seen[d] = true
					pc.deps[e.address] = append(pc.deps[e.address], d)
				}
			}
		}
	}
	return pc
}

// closure is the transitive dependency relation.
func closure(deps map[string][]string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	var visit func(a string) map[string]bool
	visit = func(a string) map[string]bool {
		if s, ok := out[a]; ok {
			return s
		}
		s := map[string]bool{}
		out[a] = s
		for _, d := range deps[a] {
			s[d] = true
			for x := range visit(d) {
				s[x] = true
			}
		}
		return s
	}
	for a := range deps {
		visit(a)
	}
	return out
}

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }

func strOf(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func boolOf(m map[string]any, k string) (bool, bool) { b, ok := m[k].(bool); return b, ok }

// block reads a nested block in either provider shape (1.x lists, 2.x objects).
func block(v any) map[string]any {
	switch x := v.(type) {
	case map[string]any:
		return x
	case []any:
		if len(x) > 0 {
			return mapOf(x[0])
		}
	}
	return nil
}

// unknownSecret stands for a secret the plan does not show (known after
// apply): the world's app registration is made to accept it.
const unknownSecret = "(secret known only at apply)"

// node is one half of a change: its create, update or delete.
type node struct {
	ch     *planChange
	action string
	cmd    *sim.Command // an Azure-side step: its command (azureNodes)
	wait   int64
	early  []string
}

// BuildApply turns a decoded plan (decodePlan's document) into the world
// before it and the steps that apply it.
func BuildApply(doc map[string]any) (*Apply, error) {
	var changes []*planChange
	ignored := 0
	rcs, _ := doc["resource_changes"].([]any)
	for _, x := range rcs {
		rc := mapOf(x)
		ch := mapOf(rc["change"])
		pc := &planChange{Address: strOf(rc, "address"), Type: strOf(rc, "type"), Before: mapOf(ch["before"]), After: mapOf(ch["after"])}
		pc.Config = configAddress(pc.Address)
		actions, _ := ch["actions"].([]any)
		for _, a := range actions {
			if s, ok := a.(string); ok {
				pc.Actions = append(pc.Actions, s)
			}
		}
		if !sends[pc.Type] {
			continue
		}
		if isAzure(pc.Type) && !azureReads(pc.Type, pc.Before, pc.After) {
			ignored++
			continue
		}
		changes = append(changes, pc)
	}
	prior := priorResources(doc)
	cfg := readConfig(mapOf(doc["configuration"]))
	az := readAzure(changes, prior, cfg)
	deps := map[string][]string{}
	for a, d := range cfg.deps {
		deps[a] = slices.Clone(d)
	}
	for _, r := range prior { // resources gone from the configuration: the state's dependencies
		a := configAddress(strOf(r, "address"))
		if _, ok := cfg.deps[a]; ok {
			continue
		}
		if d, ok := r["depends_on"].([]any); ok {
			for _, x := range d {
				if s, ok := x.(string); ok && !slices.Contains(deps[a], s) {
					deps[a] = append(deps[a], s)
				}
			}
		}
	}
	dep := closure(deps)
	depends := func(a, b string) bool { return dep[a][b] }
	// The state's dependencies of every resource, beside the
	// configuration's: Terraform destroys a resource only after the
	// resources that depended on it are updated or destroyed.
	sdeps := map[string][]string{}
	for a, d := range deps {
		sdeps[a] = slices.Clone(d)
	}
	for _, r := range prior {
		a := configAddress(strOf(r, "address"))
		if d, ok := r["depends_on"].([]any); ok {
			for _, x := range d {
				if s, ok := x.(string); ok && !slices.Contains(sdeps[a], s) {
					sdeps[a] = append(sdeps[a], s)
				}
			}
		}
	}
	sdep := closure(sdeps)
	for _, c := range changes { // a project created in the plan: its id comes at apply
		if projectOf(c) != "" {
			continue
		}
		var found []string
		for d := range dep[c.Config] {
			if parts := strings.Split(d, "."); len(parts) >= 2 && parts[len(parts)-2] == "mongodbatlas_project" {
				found = append(found, d)
			}
		}
		if len(found) > 0 {
			slices.Sort(found)
			c.project = "project:" + found[0]
		}
	}

	ap := &Apply{projects: map[string]string{}, ignored: ignored, soft: map[[2]int]bool{}}
	for _, r := range prior {
		if strOf(r, "type") == typeEndpoint {
			ap.priorEndpoints = append(ap.priorEndpoints, mapOf(r["values"]))
		}
	}
	ap.World = priorWorld(prior, changes, az)
	ap.names = addressIndex(changes, prior)

	// The nodes and the order between them.
	var nodes []node
	add := func(c *planChange, action string) {
		if isAzure(c.Type) {
			nodes = append(nodes, ap.azureNodes(c, action, changes, ap.World, cfg)...)
			return
		}
		nodes = append(nodes, node{ch: c, action: action})
	}
	for _, c := range changes {
		switch {
		case slices.Equal(c.Actions, []string{"create"}):
			add(c, "create")
		case slices.Equal(c.Actions, []string{"update"}):
			add(c, "update")
		case slices.Equal(c.Actions, []string{"delete"}):
			add(c, "delete")
		case slices.Equal(c.Actions, []string{"delete", "create"}):
			add(c, "delete")
			add(c, "create")
		case slices.Equal(c.Actions, []string{"create", "delete"}):
			add(c, "create")
			add(c, "delete")
		}
	}
	before := make([]map[int]bool, len(nodes)) // before[j][i]: i runs before j
	for j := range nodes {
		before[j] = map[int]bool{}
	}
	edge := func(i, j int) { before[j][i] = true }
	for i, a := range nodes {
		for j, b := range nodes {
			if i == j {
				continue
			}
			switch {
			case a.ch == b.ch: // the halves of one replacement
				if len(a.ch.Actions) == 2 && a.action == a.ch.Actions[0] && b.action == a.ch.Actions[1] {
					edge(i, j)
				}
			case b.ch.endpoint == a.ch && a.action == "create":
				edge(i, j) // an approval after the endpoint it names
			case hazard(b) && slices.Equal(b.ch.Actions, []string{"delete"}) && a.action != "create" && sdep[a.ch.Config][b.ch.Config]:
				edge(i, j) // a key, vault or registration goes after what used it stops using it
			case a.action != "delete" && b.action != "delete" && depends(b.ch.Config, a.ch.Config):
				edge(i, j) // a dependency is created or updated first
			case a.action == "delete" && b.action != "create" && depends(a.ch.Config, b.ch.Config):
				edge(i, j) // a dependent is destroyed before its dependency is destroyed or updated
			}
		}
	}
	// Conflicting steps the graph leaves unordered: warn, and judge them in
	// the order that works (the dependent's destroy first, the config first).
	reach := func(i, j int) bool { // i before j, transitively
		seen := map[int]bool{}
		var walk func(k int) bool
		walk = func(k int) bool {
			if before[k][i] {
				return true
			}
			for p := range before[k] {
				if !seen[p] {
					seen[p] = true
					if walk(p) {
						return true
					}
				}
			}
			return false
		}
		return walk(j)
	}
	var swaps [][2]int // the edges chosen here, one per warning
	for i, a := range nodes {
		for j, b := range nodes {
			if a.ch.Type != "mongodbatlas_encryption_at_rest" || b.ch.Type == a.ch.Type || !conflicts(a, b) {
				continue
			}
			if projectOf(a.ch) != projectOf(b.ch) || reach(i, j) || reach(j, i) {
				continue
			}
			first, second := i, j
			if b.action == "delete" {
				first, second = j, i
			}
			edge(first, second)
			swaps = append(swaps, [2]int{first, second})
			ap.Warnings = append(ap.Warnings, OrderWarning{Finding: Finding{
				Level: LevelWarning, Severity: "hazard", Kind: "apply order",
				Message: fmt.Sprintf("%s (%s) and %s (%s) have no dependency between them, so Terraform may apply them in either order; judged with %s first",
					a.ch.Address, a.action, b.ch.Address, b.action, map[bool]string{true: b.ch.Address, false: a.ch.Address}[b.action == "delete"]),
				Remediation: fmt.Sprintf("add depends_on = [%s] to %s, so that the order is Terraform's and not chance", configAddress(a.ch.Address), configAddress(b.ch.Address)),
				Resource:    b.ch.Address,
			}})
		}
	}
	// An Azure hazard (a key deleted or disabled, Microsoft.Network
	// unregistered) that nothing orders against another step is judged
	// before it: Terraform runs them in parallel, and the check takes the
	// order that loses data (RULES.md section 3).
	for i, a := range nodes {
		if !hazard(a) {
			continue
		}
		var open []int
		for j, b := range nodes {
			if i != j && a.ch != b.ch && !reach(i, j) && !reach(j, i) {
				open = append(open, j)
			}
		}
		for _, j := range open {
			if !reach(i, j) && !reach(j, i) {
				edge(i, j)
				ap.soft[[2]int{i, j}] = true
			}
			if nodes[j].action != "create" { // a step that stops using what the hazard takes away
				nodes[i].early = append(nodes[i].early, nodes[j].ch.Config)
			}
		}
	}
	// A cluster change that nothing orders after an approval is judged
	// before it, when the endpoint is not ACTIVE yet (EAR-MR-02 may refuse
	// it): only a cluster that depends on the approval meets it ACTIVE.
	for i, a := range nodes {
		if a.cmd == nil || a.cmd.Op != sim.ApproveConnection {
			continue
		}
		for j, b := range nodes {
			if (b.ch.Type == "mongodbatlas_advanced_cluster" || b.ch.Type == "mongodbatlas_cluster") && b.action != "delete" && !reach(i, j) && !reach(j, i) {
				edge(j, i)
				ap.soft[[2]int{j, i}] = true
			}
		}
	}
	steps, err := ap.order(nodes, before)
	if err != nil {
		return nil, err
	}
	ap.Steps = steps
	// Each warning's other order: the same graph with its edge reversed.
	// Which rule that order breaks, if any, is the simulator's answer
	// (Checker.orderWarnings), not something the order knows.
	for k, sw := range swaps {
		other := make([]map[int]bool, len(before))
		for n := range before {
			other[n] = maps.Clone(before[n])
		}
		delete(other[sw[1]], sw[0])
		other[sw[0]][sw[1]] = true
		if steps, err := ap.order(nodes, other); err == nil { // a cycle: that order cannot happen
			ap.Warnings[k].Other = steps
		}
	}
	return ap, nil
}

// order is Kahn's algorithm over the graph: ties by the plan's order,
// deletes of one resource before its creates.
func (ap *Apply) order(nodes []node, before []map[int]bool) ([]Step, error) {
	var steps []Step
	done := make([]bool, len(nodes))
	stepOf := make([]int, len(nodes))
	for len(steps) < len(nodes) {
		pick := -1
		for j := range nodes {
			if done[j] {
				continue
			}
			ready := true
			for i := range before[j] {
				if !done[i] {
					ready = false
					break
				}
			}
			if ready {
				pick = j
				break
			}
		}
		if pick < 0 {
			return nil, fmt.Errorf("the plan's dependencies form a cycle")
		}
		done[pick] = true
		st, err := ap.step(nodes[pick])
		if err != nil {
			return nil, err
		}
		st.early = nodes[pick].early
		st.N = len(steps) + 1
		for i := range before[pick] {
			if !ap.soft[[2]int{i, pick}] {
				st.needs = append(st.needs, stepOf[i])
			}
		}
		slices.Sort(st.needs)
		stepOf[pick] = len(steps)
		steps = append(steps, st)
	}
	return steps, nil
}

// conflicts reports whether a change to the encryption config and a change
// to an endpoint or cluster of its project depend on their order.
func conflicts(config, other node) bool {
	switch other.ch.Type {
	case "mongodbatlas_encryption_at_rest_private_endpoint", "mongodbatlas_advanced_cluster", "mongodbatlas_cluster":
	default:
		return false
	}
	if other.action == "delete" {
		return config.action != "create"
	}
	return other.action == "create" && config.action != "delete"
}

// sends lists the resource types whose changes become Atlas requests (step);
// the decoder keeps only the types the Rego reads (Engine.PlanTypes), and
// of those each has its requests here.
var sends = map[string]bool{
	"mongodbatlas_project": true, "mongodbatlas_encryption_at_rest": true,
	"mongodbatlas_encryption_at_rest_private_endpoint": true,
	"mongodbatlas_advanced_cluster":                    true, "mongodbatlas_cluster": true,
	typeAzapiUpdate: true, typeAzapi: true, typeKey: true, typeVault: true, typeRegistration: true,
}

// hazard reports whether a node is an Azure event that can lose data: a key
// version deleted or disabled, Microsoft.Network unregistered.
func hazard(n node) bool {
	return n.cmd != nil && (n.cmd.Op == sim.DeleteKey || n.cmd.Op == sim.DisableKey || n.cmd.Op == sim.UnregisterNetwork)
}

func projectOf(c *planChange) string {
	if c.project != "" {
		return c.project
	}
	if c.Type == "mongodbatlas_project" {
		if id := strOf(c.Before, "id"); id != "" {
			return id
		}
		return "project:" + c.Config
	}
	if id := strOf(c.After, "project_id"); id != "" {
		return id
	}
	return strOf(c.Before, "project_id")
}

// priorResources are the prior state's managed resources (child modules
// flattened by the decoder).
func priorResources(doc map[string]any) []map[string]any {
	ps := mapOf(mapOf(mapOf(doc["prior_state"])["values"])["root_module"])
	var out []map[string]any
	list, _ := ps["resources"].([]any)
	for _, r := range list {
		m := mapOf(r)
		if strOf(m, "mode") == "data" || !sends[strOf(m, "type")] {
			continue
		}
		out = append(out, m)
	}
	return out
}

// keyVault is an azure_key_vault_config block as the sim's patch.
func keyVault(v map[string]any) (*sim.AzureKeyVaultPatch, bool) {
	k := block(v["azure_key_vault_config"])
	if k == nil {
		return nil, false
	}
	p := &sim.AzureKeyVaultPatch{}
	for field, dst := range map[string]**string{
		"azure_environment": &p.AzureEnvironment, "client_id": &p.ClientID, "tenant_id": &p.TenantID,
		"subscription_id": &p.SubscriptionID, "resource_group_name": &p.ResourceGroupName, "key_vault_name": &p.KeyVaultName,
		"key_identifier": &p.KeyIdentifier, "role_id": &p.RoleID,
	} {
		if s, ok := k[field].(string); ok {
			*dst = &s
		}
	}
	if b, ok := boolOf(k, "enabled"); ok {
		p.Enabled = &b
	}
	if b, ok := boolOf(k, "require_private_networking"); ok {
		p.RequirePrivateNetworking = &b
	}
	if s, ok := k["secret"].(string); ok {
		sec := sim.Secret(s)
		p.Secret = &sec
	} else if k["secret"] == nil && p.ClientID != nil {
		sec := sim.Secret(unknownSecret)
		p.Secret = &sec
	}
	return p, true
}

// priorWorld builds the world before the plan: its projects, configs,
// endpoints and clusters, and an Azure side on which every configuration
// the plan names works (a plan cannot show the Azure side; RULES.md's
// Azure-side rules are not judged from it, docs/MODEL.md M23).
//
// The Azure resources of the plan add to that side: the vaults of
// azurerm_key_vault (one the plan creates is there from the start: no
// Atlas request or hazard comes of creating it), the key versions of the
// prior state's azurerm_key_vault_key (a key the plan creates is made by its
// step), and the subscriptions of the Microsoft.Network registrations
// (registered).
func priorWorld(prior []map[string]any, changes []*planChange, az *azureSide) *sim.State {
	st := sim.NewWorld(1)
	st.Projects = sim.ProjectList{}
	ensure := func(id string) *sim.Project {
		if id == "" || strings.HasPrefix(id, "project:") { // created by the plan itself
			return nil
		}
		if p := st.Project(id); p != nil {
			return p
		}
		st.Projects = st.Projects.Append(sim.NewProject(id, id, sim.DefaultOrgID, 0))
		return st.Project(id)
	}
	azure := func(p *sim.AzureKeyVaultPatch) {
		if p == nil {
			return
		}
		val := func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		}
		vault := val(p.KeyVaultName)
		if vault != "" && st.Azure.Vault(vault) == nil {
			st.Azure.Vaults = append(st.Azure.Vaults, sim.Vault{Name: vault, SubscriptionID: val(p.SubscriptionID), ResourceGroupName: val(p.ResourceGroupName)})
		}
		if sub := val(p.SubscriptionID); sub != "" && st.Azure.Subscription(sub) == nil {
			st.Azure.Subscriptions = append(st.Azure.Subscriptions, sim.Subscription{ID: sub, NetworkRegistered: true})
		}
		if kid := val(p.KeyIdentifier); kid != "" && st.Azure.Key(kid) == nil && !az.planned[kid] {
			if k, err := sim.ParseKeyIdentifier(kid); err == nil {
				if st.Azure.Vault(k.Vault) == nil {
					st.Azure.Vaults = append(st.Azure.Vaults, sim.Vault{Name: k.Vault, SubscriptionID: val(p.SubscriptionID), ResourceGroupName: val(p.ResourceGroupName)})
				}
				st.Azure.Keys = append(st.Azure.Keys, sim.Key{Identifier: kid, Vault: k.Vault, Name: k.Name, Version: k.Version, Enabled: true, AccessGranted: true})
			}
		}
		if p.ClientID != nil {
			secret := ""
			if p.Secret != nil {
				secret = string(*p.Secret)
			}
			app := sim.App{ClientID: *p.ClientID, TenantID: val(p.TenantID), SecretDigest: st.Digest(secret)}
			for _, v := range st.Azure.Vaults {
				app.Vaults = append(app.Vaults, v.Name)
			}
			st.Azure.Apps = append(st.Azure.Apps, app)
		}
	}
	addVault := func(name, sub, rg string) {
		if name != "" && st.Azure.Vault(name) == nil {
			st.Azure.Vaults = append(st.Azure.Vaults, sim.Vault{Name: name, SubscriptionID: sub, ResourceGroupName: rg})
		}
		if sub != "" && st.Azure.Subscription(sub) == nil {
			st.Azure.Subscriptions = append(st.Azure.Subscriptions, sim.Subscription{ID: sub, NetworkRegistered: true})
		}
	}
	vault := func(v map[string]any) {
		addVault(strOf(v, "name"), armSegments(strOf(v, "id"))["subscriptions"], strOf(v, "resource_group_name"))
	}
	for _, r := range prior {
		v := mapOf(r["values"])
		switch strOf(r, "type") {
		case typeVault:
			vault(v)
		case typeRegistration:
			addVault("", armSegments(strOf(v, "id"))["subscriptions"], "")
		}
	}
	for _, c := range changes {
		if c.Type == typeVault {
			vault(c.Before)
			vault(c.After)
		}
		if c.Type == typeKey && c.plannedKey != "" {
			if k, err := sim.ParseKeyIdentifier(c.plannedKey); err == nil {
				seg := armSegments(strOf(c.After, "key_vault_id"))
				addVault(k.Vault, seg["subscriptions"], seg["resourcegroups"])
			}
		}
	}
	for _, ids := range az.keys {
		for _, id := range ids {
			k, err := sim.ParseKeyIdentifier(id)
			if err != nil || st.Azure.Key(id) != nil {
				continue
			}
			addVault(k.Vault, "", "")
			st.Azure.Keys = append(st.Azure.Keys, sim.Key{Identifier: id, Vault: st.Azure.Vault(k.Vault).Name, Name: k.Name, Version: k.Version, Enabled: true, AccessGranted: true})
		}
	}
	// The Azure side first (vaults for every config), then the apps reach them all.
	var patches []*sim.AzureKeyVaultPatch
	for _, r := range prior {
		if strOf(r, "type") == "mongodbatlas_encryption_at_rest" {
			if p, ok := keyVault(mapOf(r["values"])); ok {
				patches = append(patches, p)
			}
		}
	}
	for _, c := range changes {
		if c.Type == "mongodbatlas_encryption_at_rest" {
			for _, v := range []map[string]any{c.Before, c.After} {
				if p, ok := keyVault(v); ok {
					patches = append(patches, p)
				}
			}
		}
	}
	for _, p := range patches {
		q := *p
		q.ClientID = nil
		azure(&q)
	}
	for _, p := range patches {
		if p.ClientID != nil {
			azure(&sim.AzureKeyVaultPatch{ClientID: p.ClientID, TenantID: p.TenantID, Secret: p.Secret})
		}
	}
	for _, c := range changes {
		ensure(projectOf(c))
	}
	var renames [][3]string // generated ids are renamed to the plan's in a second pass: they may collide
	defer func() {
		for _, r := range renames {
			renameEndpoint(st, r[0], r[1], r[2])
		}
	}()
	for _, r := range prior {
		v := mapOf(r["values"])
		switch strOf(r, "type") {
		case "mongodbatlas_project":
			if p := ensure(strOf(v, "id")); p != nil {
				p.Name = strOf(v, "name")
			}
		case "mongodbatlas_encryption_at_rest":
			p := ensure(strOf(v, "project_id"))
			kv, ok := keyVault(v)
			if p == nil || !ok {
				continue
			}
			enabled := kv.Enabled != nil && *kv.Enabled
			kv.Enabled = nil
			p.Encryption = sim.EncryptionConfig{}.Patched(kv, st.Digest)
			p.Encryption.Enabled = enabled
		case "mongodbatlas_encryption_at_rest_private_endpoint":
			p := ensure(strOf(v, "project_id"))
			if p == nil {
				continue
			}
			status := strOf(v, "status")
			if status == "" || status == sim.StatusPendingRecreation {
				status = sim.StatusActive
			}
			id, err := st.PlaceEndpoint(p.ID, strOf(v, "region_name"), status)
			if err != nil {
				continue
			}
			if want := strOf(v, "id"); want != "" { // keep the plan's id: its DELETE names it
				tmp := fmt.Sprintf("placed-%d", len(renames))
				renameEndpoint(st, p.ID, id, tmp)
				renames = append(renames, [3]string{p.ID, tmp, want})
			}
		case "mongodbatlas_advanced_cluster", "mongodbatlas_cluster":
			p := ensure(strOf(v, "project_id"))
			if p == nil {
				continue
			}
			_ = st.PlaceCluster(p.ID, sim.ClusterOf(clusterSpec(strOf(r, "type"), v)))
		}
	}
	return st
}

func renameEndpoint(st *sim.State, groupID, from, to string) {
	p := st.Project(groupID)
	if e := p.Endpoint(from); e != nil && p.Endpoint(to) == nil {
		e.ID = to
		if e.ConnectionName != "" {
			e.ConnectionName = "earsim-" + e.RegionName + "-" + to
		}
		for i := range st.Timers {
			if st.Timers[i].EndpointID == from {
				st.Timers[i].EndpointID = to
			}
		}
	}
}

// clusterSpec reads a cluster resource: mongodbatlas_advanced_cluster (API
// v2: backup_enabled is Cloud Backup) or mongodbatlas_cluster (the v1.0
// shape: backup_enabled without cloud_backup is legacy backup, EAR-TIER-03).
func clusterSpec(typ string, v map[string]any) *sim.ClusterSpec {
	s := &sim.ClusterSpec{Name: strOf(v, "name"), ClusterType: strOf(v, "cluster_type"), EncryptionAtRestProvider: strOf(v, "encryption_at_rest_provider")}
	if s.EncryptionAtRestProvider == "" {
		s.EncryptionAtRestProvider = "NONE"
	}
	if b, ok := boolOf(v, "paused"); ok {
		s.Paused = &b
	}
	backup, hasBackup := boolOf(v, "backup_enabled")
	if typ == "mongodbatlas_cluster" {
		cloud, _ := boolOf(v, "cloud_backup")
		legacy := backup && !cloud
		s.LegacyBackup, s.BackupEnabled = &legacy, &cloud
		rs := sim.ReplicationSpec{}
		specs, _ := v["replication_specs"].([]any)
		for _, x := range specs {
			for _, rc := range listOf(mapOf(x)["regions_config"]) {
				rs.RegionConfigs = append(rs.RegionConfigs, sim.RegionConfig{ProviderName: strOf(v, "provider_name"), BackingProviderName: strOf(v, "backing_provider_name"),
					RegionName: strOf(mapOf(rc), "region_name"), ElectableSpecs: &sim.HardwareSpec{InstanceSize: strOf(v, "provider_instance_size_name")}})
			}
		}
		if len(rs.RegionConfigs) == 0 {
			rs.RegionConfigs = []sim.RegionConfig{{ProviderName: strOf(v, "provider_name"), BackingProviderName: strOf(v, "backing_provider_name"),
				RegionName: strOf(v, "provider_region_name"), ElectableSpecs: &sim.HardwareSpec{InstanceSize: strOf(v, "provider_instance_size_name")}}}
		}
		s.ReplicationSpecs = []sim.ReplicationSpec{rs}
		return s
	}
	if hasBackup {
		s.BackupEnabled = &backup
	}
	for _, x := range listOf(v["replication_specs"]) {
		var rs sim.ReplicationSpec
		rs.ZoneName = strOf(mapOf(x), "zone_name")
		for _, y := range listOf(mapOf(x)["region_configs"]) {
			rc := mapOf(y)
			out := sim.RegionConfig{ProviderName: strOf(rc, "provider_name"), BackingProviderName: strOf(rc, "backing_provider_name"), RegionName: strOf(rc, "region_name")}
			if p, ok := rc["priority"].(json.Number); ok {
				n, _ := p.Int64()
				out.Priority = int(n)
			}
			if e := block(rc["electable_specs"]); e != nil {
				out.ElectableSpecs = &sim.HardwareSpec{InstanceSize: strOf(e, "instance_size")}
				if n, ok := e["node_count"].(json.Number); ok {
					c, _ := n.Int64()
					out.ElectableSpecs.NodeCount = int(c)
				}
			}
			rs.RegionConfigs = append(rs.RegionConfigs, out)
		}
		s.ReplicationSpecs = append(s.ReplicationSpecs, rs)
	}
	return s
}

func listOf(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case map[string]any:
		return []any{x}
	}
	return nil
}

// step is the request a node sends, and how long the provider waits after it.
func (ap *Apply) step(n node) (Step, error) {
	c := n.ch
	st := Step{Address: c.Address, Action: n.action}
	if n.cmd != nil {
		st.Command, st.Wait = *n.cmd, n.wait
		if id, ok := ap.projects[st.Command.GroupID]; ok {
			st.Command.GroupID = id
		}
		return st, nil
	}
	values := c.After
	if n.action == "delete" {
		values = c.Before
	}
	g := projectOf(c)
	if id, ok := ap.projects[g]; ok {
		g = id
	}
	switch c.Type {
	case "mongodbatlas_project":
		if n.action == "delete" {
			st.Command = sim.Command{Op: sim.DeleteProject, GroupID: g}
		} else if n.action == "create" {
			st.Command = sim.Command{Op: sim.CreateProject, Project: &sim.ProjectSpec{Name: strOf(values, "name"), OrgID: sim.DefaultOrgID}}
		} else {
			st.Command = sim.Command{Op: sim.GetProject, GroupID: g}
		}
	case "mongodbatlas_encryption_at_rest":
		if n.action == "delete" {
			off := false
			st.Command = sim.Command{Op: sim.UpdateEncryptionConfig, GroupID: g, AzureKeyVault: &sim.AzureKeyVaultPatch{Enabled: &off}}
		} else {
			kv, ok := keyVault(values)
			if !ok {
				kv = &sim.AzureKeyVaultPatch{}
			}
			st.Command = sim.Command{Op: sim.UpdateEncryptionConfig, GroupID: g, AzureKeyVault: kv}
		}
	case "mongodbatlas_encryption_at_rest_private_endpoint":
		provider := strOf(values, "cloud_provider")
		if provider == "" {
			provider = "AZURE"
		}
		if n.action == "delete" {
			st.Command = sim.Command{Op: sim.DeletePrivateEndpoint, GroupID: g, CloudProvider: provider, EndpointID: strOf(values, "id")}
			st.Wait = sim.DeletionSeconds
		} else {
			st.Command = sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, CloudProvider: provider, RegionName: strOf(values, "region_name")}
			st.Wait = sim.ProvisioningSeconds
		}
	case "mongodbatlas_advanced_cluster", "mongodbatlas_cluster":
		spec := clusterSpec(c.Type, values)
		switch n.action {
		case "delete":
			st.Command = sim.Command{Op: sim.DeleteCluster, GroupID: g, ClusterName: spec.Name}
		case "create":
			st.Command = sim.Command{Op: sim.CreateCluster, GroupID: g, Cluster: spec}
		default:
			st.Command = sim.Command{Op: sim.UpdateCluster, GroupID: g, ClusterName: spec.Name, Cluster: spec}
		}
		st.Wait = sim.ClusterSeconds
	}
	return st, nil
}

// Outcome is what one step got.
type Outcome struct {
	Step    Step
	Result  sim.Result
	Skipped string // why it was not sent: a step it needs was refused
}

// Run sends the steps in order through do (the simulator, or earsim serve
// over HTTP), moving the clock through do as the provider waits. A step that
// needs a refused step is not sent, as Terraform does not apply the
// dependents of a failed resource.
func (ap *Apply) Run(do func(sim.Command) sim.Result) []Outcome {
	out := make([]Outcome, 0, len(ap.Steps))
	failed := make([]bool, len(ap.Steps))
	created := map[string]string{}
	for i, st := range ap.Steps {
		o := Outcome{Step: st}
		for _, n := range st.needs {
			if failed[n] {
				o.Skipped = fmt.Sprintf("step %d (%s) was refused", n+1, ap.Steps[n].Address)
				failed[i] = true
				break
			}
		}
		if o.Skipped != "" {
			out = append(out, o)
			if ap.Done != nil {
				ap.Done(o)
			}
			continue
		}
		cmd := st.Command
		if id, ok := created[cmd.GroupID]; ok {
			cmd.GroupID = id
		}
		if id, ok := created[cmd.EndpointID]; ok && strings.HasPrefix(cmd.EndpointID, "endpoint:") {
			cmd.EndpointID = id
		}
		o.Step.Command = cmd
		if ap.Sending != nil {
			ap.Sending(o.Step)
		}
		o.Result = do(cmd)
		if o.Result.Err != nil {
			failed[i] = true
		} else if cmd.Op == sim.CreateProject {
			created["project:"+configAddress(st.Address)] = idOf(o.Result.Body)
		} else if cmd.Op == sim.CreatePrivateEndpoint {
			created["endpoint:"+st.Address] = idOf(o.Result.Body)
		}
		if o.Result.Err == nil && st.Wait > 0 {
			do(sim.Command{Op: sim.Advance, Seconds: st.Wait})
		}
		out = append(out, o)
		if ap.Done != nil {
			ap.Done(o)
		}
	}
	return out
}

func idOf(body any) string {
	b, _ := json.Marshal(body)
	var v struct{ ID string }
	json.Unmarshal(b, &v)
	return v.ID
}

// LoadApply reads a plan file (terraform show -json) and returns the world
// before it and the steps that apply it, as c judges them: for tools and
// tests that replay a plan elsewhere (the agreement test sends the steps to
// earsim serve).
func (c *Checker) LoadApply(path string) (*Apply, error) {
	f, err := osOpen(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, _, err := decodePlan(osOpen, path, f)
	if err != nil {
		return nil, err
	}
	return BuildApply(doc)
}
