# Terraform plans, the Azure half: resources of a plan as earsim check steps them (RULES.md
# section 3, hazards in plans): a Key Vault private endpoint connection
# approved, rejected or removed through azapi (azapi_update_resource,
# azapi_resource of type Microsoft.KeyVault/vaults/privateEndpointConnections,
# body as a JSON string in azapi 1.x or an object in 2.x), key versions
# created, disabled or deleted (azurerm_key_vault_key), vaults destroyed
# (azurerm_key_vault: every key version in them) and Microsoft.Network
# unregistered (azurerm_resource_provider_registration). A hazard is
# judged in the order that loses data: before every step that nothing in
# the configuration or the state orders before it.
package earsim.terraform

# planned_key_version is the version a key the plan creates is given (Azure
# assigns it at apply; check.PlannedKeyVersion).
planned_key_version := "00000000000000000000000000000000"

connection_type := "microsoft.keyvault/vaults/privateendpointconnections"

# reads holds for the changes the rules read: Atlas resources, azapi
# changes of the connection type, keys, vaults, Microsoft.Network's
# registration.
reads(rc) if rc.type in atlas_types

reads(rc) if {
	rc.type in {"azapi_update_resource", "azapi_resource"}
	some side in ["before", "after"]
	is_connection(str(rc.change[side], "type"))
}

reads(rc) if rc.type in {"azurerm_key_vault_key", "azurerm_key_vault"}

reads(rc) if {
	rc.type == "azurerm_resource_provider_registration"
	some side in ["before", "after"]
	lower(str(rc.change[side], "name")) == "microsoft.network"
}

is_connection(t) if lower(split(t, "@")[0]) == connection_type

# --- The configuration's dependency graph (as check/apply.go reads it) ---

# module_path holds for the walk paths of the root module and of every
# module call's module.
module_path(path) if {
	count(path) % 3 == 0
	every i, x in path {
		module_step(i, x)
	}
}

module_step(i, x) if {
	i % 3 == 0
	x == "module_calls"
}

module_step(i, _) if i % 3 == 1

module_step(i, x) if {
	i % 3 == 2
	x == "module"
}

cfg_modules contains [prefix, m] if {
	walk(object.get(input, ["configuration", "root_module"], {}), [path, m])
	module_path(path)
	prefix := concat("", [sprintf("module.%s.", [path[i + 1]]) | some i, x in path; x == "module_calls"])
}

cfg_resources contains [prefix, r] if {
	some [prefix, m] in cfg_modules
	some r in object.get(m, "resources", [])
	object.get(r, "mode", "managed") == "managed"
}

cfg_addresses := {concat("", [prefix, r.address]) | some [prefix, r] in cfg_resources}

cfg_expressions[concat("", [prefix, r.address])] := object.get(r, "expressions", {}) if some [prefix, r] in cfg_resources

# cfg_deps: each resource's direct dependencies, by configuration address.
cfg_deps[a] := {d |
	some raw in raw_refs(r)
	some d in resolve(prefix, raw)
	d != a
} if {
	some [prefix, r] in cfg_resources
	a := concat("", [prefix, r.address])
}

raw_refs(r) := {s | walk(exprs, [path, v]); path[count(path) - 1] == "references"; some s in v} | {s | some s in object.get(r, "depends_on", [])} if {
	exprs := [object.get(r, k, {}) | some k in ["expressions", "count_expression", "for_each_expression"]]
}

strip(address) := regex.replace(address, `\[[^\]]*\]`, "")

resolve(prefix, raw) := {concat("", [prefix, parts[0], ".", parts[1]])} if {
	parts := split(strip(raw), ".")
	count(parts) >= 2
	not parts[0] in {"var", "local", "each", "count", "path", "self", "terraform", "data", "module"}
}

resolve(prefix, raw) := {a | some a in cfg_addresses; startswith(a, inner)} if {
	parts := split(strip(raw), ".")
	count(parts) >= 2
	parts[0] == "module"
	inner := concat("", [prefix, "module.", parts[1], "."])
}

# state_deps: the prior state's depends_on, by configuration address.
state_deps[strip(r.address)] := {d | some d in r.depends_on} if some r in prior_resources

prior_resources := [r |
	some r in object.get(input, ["prior_state", "values", "root_module", "resources"], [])
	object.get(r, "mode", "managed") == "managed"
]

# deps_graph: the configuration's dependencies, and the state's (Terraform
# updates or destroys what depended on a resource before destroying it).
graph_nodes := cfg_addresses | {a | some a, _ in state_deps}

deps_graph[a] := object.get(cfg_deps, a, set()) | object.get(state_deps, a, set()) if some a in graph_nodes

depends_on(a, b) if b in graph.reachable(deps_graph, {a})

# runs_before(rc, h): Terraform applies rc before the hazard h ({config,
# pure}): the destroy of what depends on h's resource, and, when h's change
# is a destroy only (not a replacement's), the update of what depended on it.
runs_before(rc, h) if {
	"delete" in rc.change.actions
	a := strip(rc.address)
	a != h.config
	depends_on(a, h.config)
}

runs_before(rc, h) if {
	h.pure
	rc.change.actions == ["update"]
	a := strip(rc.address)
	a != h.config
	depends_on(a, h.config)
}

# hazard_of: the order context of a hazard at an address.
hazard_of(address) := {"config": strip(address), "pure": pure_delete(address)}

pure_delete(address) if {
	some rc in changes
	rc.address == address
	rc.change.actions == ["delete"]
} else := false

# --- Keys and vaults ---

arm(id) := {lower(parts[i]): parts[i + 1] |
	parts := split(trim(id, "/"), "/")
	some i, _ in parts
	i % 2 == 0
	i + 1 < count(parts)
}

is_kid(kid) if lib_parse(kid)

lib_parse(kid) := data.earsim.lib.parse_key(kid)

same_key_name(a, b) if {
	x := lib_parse(a)
	y := lib_parse(b)
	lower(x.vault) == lower(y.vault)
	x.name == y.name
}

vault_names[strip(r.address)] := r.values.name if {
	some r in prior_resources
	r.type == "azurerm_key_vault"
}

vault_names[strip(rc.address)] := rc.change.after.name if {
	some rc in changes
	rc.type == "azurerm_key_vault"
	is_string(rc.change.after.name)
}

# key_vault_of is the vault a key resource is in.
key_vault_of(v, _) := arm(v.key_vault_id).vaults

key_vault_of(v, address) := name if {
	not arm(object.get(v, "key_vault_id", "")).vaults
	some d in cfg_deps[strip(address)]
	name := vault_names[d]
}

# planned_key: the identifier of a key the plan creates.
planned_key[rc.address] := sprintf("https://%s.vault.azure.net/keys/%s/%s", [key_vault_of(a, rc.address), a.name, planned_key_version]) if {
	some rc in changes
	rc.type == "azurerm_key_vault_key"
	"create" in rc.change.actions
	a := rc.change.after
	not has_string(a, "id")
}

# has_string holds when v[k] is a string (not unknown, absent or null).
has_string(v, k) if is_string(v[k])

# ear_values: an encryption config's planned values, its key identifier
# filled in when it is a key the plan creates (key_identifier =
# azurerm_key_vault_key.k.id, unknown in the plan).
ear_values(rc) := with_kid(rc.change.after, kid) if {
	not has_string(one(rc.change.after.azure_key_vault_config), "key_identifier")
	kid := referenced_key(rc)
} else := rc.change.after

referenced_key(rc) := kid if {
	a := strip(rc.address)
	prefix := substring(a, 0, indexof(a, "mongodbatlas_encryption_at_rest."))
	walk(object.get(object.get(cfg_expressions, a, {}), "azure_key_vault_config", {}), [path, refs])
	path[count(path) - 1] == "references"
	some raw in refs
	parts := split(strip(raw), ".")
	count(parts) == 3
	parts[0] == "azurerm_key_vault_key"
	parts[2] == "id"
	some k in changes
	strip(k.address) == concat("", [prefix, parts[0], ".", parts[1]])
	kid := planned_key[k.address]
}

with_kid(values, kid) := object.union(values, {"azure_key_vault_config": [object.union(values.azure_key_vault_config[0], {"key_identifier": kid})]}) if {
	is_array(values.azure_key_vault_config)
}

with_kid(values, kid) := object.union(values, {"azure_key_vault_config": object.union(values.azure_key_vault_config, {"key_identifier": kid})}) if {
	is_object(values.azure_key_vault_config)
}

# world_keys: the key versions the Azure side holds before the plan.
world_keys contains r.values.id if {
	some r in prior_resources
	r.type == "azurerm_key_vault_key"
	is_kid(r.values.id)
}

world_keys contains kid if {
	some r in prior_resources
	r.type == "mongodbatlas_encryption_at_rest"
	kid := str(one(r.values.azure_key_vault_config), "key_identifier")
	is_kid(kid)
}

world_keys contains kid if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest"
	some side in ["before", "after"]
	kid := str(one(rc.change[side].azure_key_vault_config), "key_identifier")
	is_kid(kid)
	not kid in {k | some k in planned_key}
}

deleted_key(kid) if {
	some rc in changes
	rc.type == "azurerm_key_vault_key"
	"delete" in rc.change.actions
	same_key_name(str(rc.change.before, "id"), kid)
}

# hazards: the Azure steps that can lose data.
hazards contains {"address": rc.address, "op": "DeleteKey", "request": {"keyIdentifier": kid}} if {
	some rc in changes
	rc.type == "azurerm_key_vault_key"
	"delete" in rc.change.actions
	some kid in world_keys
	same_key_name(kid, str(rc.change.before, "id"))
}

hazards contains {"address": rc.address, "op": "DisableKey", "request": {"keyIdentifier": rc.change.before.id}} if {
	some rc in changes
	rc.type == "azurerm_key_vault_key"
	rc.change.actions == ["update"]
	rc.change.after.enabled == false
	object.get(rc.change.before, "enabled", true) != false
	is_string(rc.change.before.id)
}

hazards contains {"address": rc.address, "op": "DeleteKey", "request": {"keyIdentifier": kid}} if {
	some rc in changes
	rc.type == "azurerm_key_vault"
	"delete" in rc.change.actions
	some kid in world_keys
	lower(lib_parse(kid).vault) == lower(rc.change.before.name)
	not deleted_key(kid)
}

hazards contains {"address": rc.address, "op": "UnregisterNetwork", "request": {"subscriptionId": sub}} if {
	some sub, rc in unregistered
}

unregistered[sub] := rc if {
	some rc in changes
	reads(rc)
	rc.type == "azurerm_resource_provider_registration"
	"delete" in rc.change.actions
	sub := arm(str(rc.change.before, "id")).subscriptions
}

# The project as a hazard meets it: what runs before the hazard (the
# updates and destroys of what depends on it) is done; nothing else is.
hazard_doc(g, b) := doc(g, hazard_config(g, b), hazard_endpoints(g, b), cls) if {
	cls := [c | some c in prior_clusters(g); not cluster_gone_before(g, c.name, b)]
}

hazard_endpoints(g, b) := [e |
	some e in prior_endpoints(g)
	not endpoint_gone_before(e.id, b)
]

endpoint_gone_before(id, b) if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest_private_endpoint"
	rc.change.before.id == id
	"delete" in rc.change.actions
	runs_before(rc, b)
}

cluster_gone_before(g, name, b) if {
	some rc in changes
	rc.type in cluster_types
	rc.change.before.name == name
	project_of(rc.change.before) == g
	"delete" in rc.change.actions
	runs_before(rc, b)
}

hazard_config(g, b) := with_rotation(config_before(g), config_after(g), g, b) if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest"
	project_of(rc.change.before) == g
	is_object(rc.change.after)
	runs_before(rc, b)
} else := {"enabled": false, "requirePrivateNetworking": false} if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest"
	project_of(rc.change.before) == g
	rc.change.actions == ["delete"]
	runs_before(rc, b)
} else := config_before(g)

# A key change of an enabled config with CMK clusters starts a rotation
# (300 s, EAR-ROT-02) from the previous key.
with_rotation(before, after, g, b) := object.union(after, {"rotation": {"from": before.keyIdentifier, "until": 300}}) if {
	before.enabled
	after.enabled
	not data.earsim.lib.same_key(before.keyIdentifier, after.keyIdentifier)
	some c in prior_clusters(g)
	not cluster_gone_before(g, c.name, b)
	c.encryptionAtRestProvider == "AZURE"
} else := after

all_projects := projects | {g |
	some r in prior_resources
	r.type in atlas_types
	g := project_of(r.values)
}

inputs contains {"address": h.address, "input": x} if {
	some h in hazards
	some g in all_projects
	x := {"op": h.op, "now": 0, "request": h.request, "project": hazard_doc(g, hazard_of(h.address))}
}

# --- Connections: approve, reject, remove ---

connection_status(values) := s if {
	is_string(values.body)
	s := json.unmarshal(values.body).properties.privateLinkServiceConnectionState.status
} else := s if {
	s := values.body.properties.privateLinkServiceConnectionState.status
} else := ""

connection_name(values) := values.name if has_string(values, "name")

connection_name(values) := n if {
	not has_string(values, "name")
	parts := split(values.resource_id, "/")
	n := parts[count(parts) - 1]
}

# connection_op: the model's step an azapi change sends, if any.
connection_op(rc) := "RemoveConnection" if {
	rc.type == "azapi_resource"
	"delete" in rc.change.actions
}

connection_op(rc) := op if {
	some action in ["create", "update"]
	action in rc.change.actions
	op := {"approved": "ApproveConnection", "rejected": "RejectConnection"}[lower(connection_status(rc.change.after))]
	not unchanged_status(rc)
}

unchanged_status(rc) if {
	rc.change.actions == ["update"]
	lower(connection_status(rc.change.before)) == lower(connection_status(rc.change.after))
}

connection_values(rc) := rc.change.after if is_object(rc.change.after)

connection_values(rc) := rc.change.before if not is_object(rc.change.after)

# named_endpoint(rc): the endpoint change an azapi change references, or
# names by its connection name.
named_endpoints(rc) := {e |
	some e in changes
	e.type == "mongodbatlas_encryption_at_rest_private_endpoint"
	strip(e.address) in object.get(cfg_deps, strip(rc.address), set())
}

named_endpoint(rc) := e if {
	cands := named_endpoints(rc)
	some e in cands
	same_instance(e, rc, cands)
} else := e if {
	count(named_endpoints(rc)) == 0
	some e in changes
	e.type == "mongodbatlas_encryption_at_rest_private_endpoint"
	lower(str(e.change.before, "private_endpoint_connection_name")) == lower(connection_name(connection_values(rc)))
}

instance(address) := substring(address, count(strip(address)), -1)

same_instance(e, rc, _) if instance(e.address) == instance(rc.address)

same_instance(e, rc, cands) if {
	not instance(rc.address) in {instance(x.address) | some x in cands}
	e.address == sort([x.address | some x in cands])[0]
}

connections contains {"address": rc.address, "op": op, "endpoint": e} if {
	some rc in changes
	rc.type in {"azapi_update_resource", "azapi_resource"}
	reads(rc)
	op := connection_op(rc)
	e := named_endpoint(rc)
}

# An endpoint the plan creates has no id yet: it goes by its address.
endpoint_id(e) := e.address if "create" in e.change.actions

endpoint_id(e) := e.change.before.id if not "create" in e.change.actions

# The endpoint as the approval meets it: provisioned, its connection pending.
approval_doc(g, e) := doc(
	g, config_after(g), array.concat(
		[x | some x in prior_endpoints(g); x.id != endpoint_id(e)],
		[object.union(endpoint(object.union(e.change.after, {"id": e.address})), {"status": "PENDING_ACCEPTANCE", "connection": "PENDING"})],
	),
	prior_clusters(g),
) if "create" in e.change.actions

approval_doc(g, e) := planned_doc(g) if not "create" in e.change.actions

inputs contains {"address": c.address, "input": x} if {
	some c in connections
	e := c.endpoint
	g := endpoint_project(e)
	d := approval_doc(g, e)
	x := {"op": c.op, "now": 0, "request": {"endpointId": endpoint_id(e)}, "project": object.union(d, {"clusters": approval_clusters(g, c)})}
}

# The clusters an approval meets: the prior state's, and those the plan
# creates or updates that nothing orders after the approval (earsim check
# judges such a change before it, check/apply.go) and Atlas accepts.
approval_clusters(g, c) := array.concat(
	[x | some x in prior_clusters(g); not made_before(g, x.name, c)],
	[cluster(rc.change.after) | some rc in changes; cluster_before(rc, g, c)],
)

cluster_before(rc, g, c) if {
	rc.type in cluster_types
	some action in ["create", "update"]
	action in rc.change.actions
	project_of(rc.change.after) == g
	not depends_on(strip(rc.address), strip(c.address))
	not cluster_refused(rc.address)
}

made_before(g, name, c) if {
	some rc in changes
	cluster_before(rc, g, c)
	rc.change.after.name == name
}

cluster_refused(address) if {
	some i in cluster_inputs
	i.address == address
	some _ in data.earsim.rules.deny with input as i.input
}

endpoint_project(e) := project_of(e.change.after) if is_object(e.change.after)

endpoint_project(e) := project_of(e.change.before) if not is_object(e.change.after)

# The endpoints a cluster change meets: the approvals it depends on have
# shown (the world is judged after the lag, EAR-LAG-01).
approved_for(rc, g) := [object.union(endpoint(object.union(e.change.after, {"id": endpoint_id(e)})), {"status": "ACTIVE"}) |
	some c in connections
	c.op == "ApproveConnection"
	depends_on(strip(rc.address), strip(c.address))
	e := c.endpoint
	endpoint_project(e) == g
]

# subscriptions whose Microsoft.Network the plan unregisters: an endpoint
# the plan creates meets them so (the unregistration runs first).
unregistered_azure := {"subscriptions": [{"id": sub, "networkRegistered": false} | some sub, _ in unregistered]}

# approved_id holds for the id of an endpoint the plan approves.
approved_id(id) if {
	some c in connections
	c.op == "ApproveConnection"
	endpoint_id(c.endpoint) == id
}
