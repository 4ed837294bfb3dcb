package earsim.tests.terraform_azure

import data.earsim.terraform as tf

g := "p1"

vault_id := "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/vault-one"

kid1 := "https://vault-one.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef"

kid2 := "https://vault-one.vault.azure.net/keys/k2/ffffffffffffffffffffffffffffffff"

planned := "https://vault-one.vault.azure.net/keys/k/00000000000000000000000000000000"

conn_type := "Microsoft.KeyVault/Vaults/PrivateEndpointConnections@2023-07-01"

approve_body := {"properties": {"privateLinkServiceConnectionState": {"status": "Approved"}}}

reject_body := {"properties": {"privateLinkServiceConnectionState": {"status": "Rejected"}}}

kv(over) := object.union(
	{
		"enabled": true, "require_private_networking": true, "azure_environment": "AZURE",
		"client_id": "c", "tenant_id": "t", "subscription_id": "s1", "resource_group_name": "rg",
		"key_vault_name": "vault-one", "key_identifier": kid1, "secret": "hidden",
	},
	over,
)

ear(over) := {"project_id": g, "azure_key_vault_config": [kv(over)]}

# ear_unknown_key: the config whose key identifier is known only at apply.
ear_unknown_key := {"project_id": g, "azure_key_vault_config": [object.remove(kv({}), ["key_identifier"])]}

ep(region) := {"project_id": g, "cloud_provider": "AZURE", "region_name": region}

ep_live(region, id) := object.union(ep(region), {"id": id, "status": "ACTIVE", "private_endpoint_connection_name": concat("-", [id, "conn"])})

cluster(regions) := {
	"project_id": g, "name": "orders", "encryption_at_rest_provider": "AZURE", "backup_enabled": true,
	"replication_specs": [{"region_configs": [{"provider_name": "AZURE", "region_name": r, "electable_specs": {"instance_size": "M10"}} | some r in regions]}],
}

type_of(address) := parts[count(parts) - 2] if parts := split(tf.strip(address), ".")

rc(address, actions, before, after) := {
	"address": address, "mode": "managed", "type": type_of(address),
	"change": {"actions": actions, "before": before, "after": after},
}

res(address, values, deps) := {"address": address, "mode": "managed", "type": type_of(address), "values": values, "depends_on": deps}

cfg(address, refs) := {"address": address, "mode": "managed", "type": type_of(address), "expressions": {"x": {"references": refs}}}

cfg_ear(refs) := {
	"address": "mongodbatlas_encryption_at_rest.ear", "mode": "managed", "type": "mongodbatlas_encryption_at_rest",
	"expressions": {"azure_key_vault_config": [{"key_identifier": {"references": refs}}]},
}

plan(prior, changes, cfgs) := {
	"format_version": "1.2",
	"prior_state": {"values": {"root_module": {"resources": prior}}},
	"resource_changes": changes,
	"configuration": {"root_module": {"resources": cfgs}},
}

E := "mongodbatlas_encryption_at_rest.ear"

PE := "mongodbatlas_encryption_at_rest_private_endpoint.endpoint"

A := "azapi_update_resource.approval"

C := "mongodbatlas_advanced_cluster.orders"

K := "azurerm_key_vault_key.k"

V := "azurerm_key_vault.vault"

R := "azurerm_resource_provider_registration.network"

rules(fs) := {[f.rule, f.address] | some f in fs}

# The provider's example with the vault and key made in the same plan: the
# config's key is the one created, the approval follows its endpoint, and
# the cluster that depends on the approval meets it ACTIVE.
first_apply := plan(
	[], [
		rc(V, ["create"], null, {"name": "vault-one", "resource_group_name": "rg"}),
		rc(K, ["create"], null, {"name": "k"}),
		rc(E, ["create"], null, ear_unknown_key),
		rc(PE, ["create"], null, ep("US_EAST_2")),
		rc(A, ["create"], null, {"type": conn_type, "parent_id": vault_id, "body": approve_body}),
		rc(C, ["create"], null, cluster(["US_EAST_2"])),
	],
	[
		cfg(V, []),
		cfg(K, ["azurerm_key_vault.vault.id", "azurerm_key_vault.vault"]),
		cfg_ear(["azurerm_key_vault_key.k.id", "azurerm_key_vault_key.k"]),
		cfg(PE, ["mongodbatlas_encryption_at_rest.ear.project_id", "var.region"]),
		cfg(A, ["mongodbatlas_encryption_at_rest_private_endpoint.endpoint.private_endpoint_connection_name"]),
		object.union(cfg(C, []), {"depends_on": [A]}),
	],
)

test_first_apply_is_clean if {
	count(tf.deny) == 0 with input as first_apply
	tf.planned_key[K] == planned with input as first_apply
	some w in tf.warn with input as first_apply
	w.rule == "EAR-PE-03"
	w.address == A
	contains(w.msg, PE)
}

test_first_apply_fills_the_key if {
	some i in tf.inputs with input as first_apply
	i.input.op == "UpdateEncryptionConfig"
	i.input.request.after.keyIdentifier == planned
}

# Without the approval the endpoint the plan creates is not ACTIVE (EAR-MR-01).
test_no_approval_leaves_the_region_uncovered if {
	p := json.patch(first_apply, [{"op": "remove", "path": "/resource_changes/4"}])
	["EAR-MR-01", "project p1"] in rules(tf.deny) with input as p
}

# The 2.x object shape of the config, and the key found in a module.
test_object_shape_key_identifier if {
	v := {"project_id": g, "azure_key_vault_config": object.remove(kv({}), ["key_identifier"])}
	tf.with_kid(v, planned).azure_key_vault_config.key_identifier == planned
}

# A cluster that depends on an approval in a region beside an ACTIVE one is
# not refused (EAR-MR-02): it meets the approved endpoint.
second_region := plan(
	[res(E, ear({}), []), res(PE, ep_live("US_CENTRAL", "e1"), [E])],
	[
		rc(E, ["no-op"], ear({}), ear({})),
		rc(PE, ["no-op"], ep_live("US_CENTRAL", "e1"), ep_live("US_CENTRAL", "e1")),
		rc("mongodbatlas_encryption_at_rest_private_endpoint.east", ["create"], null, ep("US_EAST_2")),
		rc("azapi_resource.approval", ["create"], null, {"type": conn_type, "body": json.marshal(approve_body)}),
		rc(C, ["create"], null, cluster(["US_CENTRAL", "US_EAST_2"])),
	],
	[
		cfg_ear([]), cfg(PE, [E]), cfg("mongodbatlas_encryption_at_rest_private_endpoint.east", [E]),
		cfg("azapi_resource.approval", ["mongodbatlas_encryption_at_rest_private_endpoint.east"]),
		object.union(cfg(C, []), {"depends_on": ["azapi_resource.approval"]}),
	],
)

test_cluster_after_approval_meets_it_active if {
	count(tf.deny) == 0 with input as second_region
	not ["EAR-MR-02", C] in rules(tf.deny) with input as second_region
}

test_without_the_dependency_mr_02_refuses if {
	p := json.patch(second_region, [{"op": "remove", "path": "/configuration/root_module/resources/4/depends_on"}])
	["EAR-MR-02", C] in rules(tf.deny) with input as p
}

# A refused cluster is not there when the approval comes: no migration.
test_a_refused_cluster_does_not_migrate if {
	p := json.patch(second_region, [{"op": "remove", "path": "/configuration/root_module/resources/4/depends_on"}])
	not ["EAR-MIG-01", "azapi_resource.approval"] in rules(tf.warn) with input as p
}

# On a fresh project (no endpoint ACTIVE, so EAR-MR-02 refuses nothing) a
# cluster that nothing orders after the approval is made before it (as
# earsim check orders it) and migrates when it comes (EAR-MIG-01); one that
# depends on the approval does not meet it before.
fresh_cluster := plan(
	[], [
		rc(E, ["create"], null, ear({})),
		rc(PE, ["create"], null, ep("US_EAST_2")),
		rc(A, ["create"], null, {"type": conn_type, "parent_id": vault_id, "body": approve_body}),
		rc(C, ["create"], null, cluster(["US_EAST_2"])),
	],
	[
		cfg_ear([]), cfg(PE, [E]), cfg(A, [PE]),
		cfg(C, [E]),
	],
)

test_unordered_cluster_meets_the_approval if {
	count(tf.deny) == 0 with input as fresh_cluster
	["EAR-MIG-01", A] in rules(tf.warn) with input as fresh_cluster
}

test_cluster_after_the_approval_does_not_meet_it if {
	p := json.patch(fresh_cluster, [{"op": "add", "path": "/configuration/root_module/resources/3/depends_on", "value": [A]}])
	not ["EAR-MIG-01", A] in rules(tf.warn) with input as p
}

# A cluster the prior state holds and the plan updates before the approval
# meets it as planned (here: moved out of the approved region, so no
# migration there).
test_cluster_updated_before_the_approval if {
	p := json.patch(fresh_cluster, [
		{"op": "add", "path": "/prior_state/values/root_module/resources", "value": [res(C, cluster(["US_EAST_2"]), [])]},
		{"op": "replace", "path": "/resource_changes/3", "value": rc(C, ["update"], cluster(["US_EAST_2"]), cluster(["US_CENTRAL"]))},
	])
	not ["EAR-MIG-01", A] in rules(tf.warn) with input as p
	["EAR-MIG-01", A] in rules(tf.warn) with input as fresh_cluster
}

# An approval of an endpoint already there, named by its connection name
# (azapi 1.x: body as a JSON string); a rejection; a removal.
by_name(address, actions, before, after) := plan(
	[res(E, ear({}), []), res(PE, object.union(ep_live("US_EAST_2", "e1"), {"status": "PENDING_ACCEPTANCE"}), [E])],
	[
		rc(PE, ["no-op"], ep_live("US_EAST_2", "e1"), ep_live("US_EAST_2", "e1")),
		rc(address, actions, before, after),
	],
	[],
)

test_approval_by_connection_name if {
	p := by_name(A, ["create"], null, {"type": conn_type, "name": "E1-CONN", "body": json.marshal(approve_body)})
	some c in tf.connections with input as p
	c.op == "ApproveConnection"
	tf.endpoint_id(c.endpoint) == "e1"
}

test_rejection_by_resource_id if {
	p := by_name(A, ["update"], {"type": conn_type, "body": approve_body}, {"type": conn_type, "resource_id": "/x/e1-conn", "body": reject_body})
	some c in tf.connections with input as p
	c.op == "RejectConnection"
	some w in tf.warn with input as p
	w.rule == "EAR-PE-04"
}

test_unchanged_status_sends_nothing if {
	p := by_name(A, ["update"], {"type": conn_type, "name": "e1-conn", "body": approve_body}, {"type": conn_type, "name": "e1-conn", "body": approve_body})
	count(tf.connections) == 0 with input as p
}

test_removal if {
	p := by_name("azapi_resource.conn", ["delete"], {"type": conn_type, "name": "e1-conn", "body": approve_body}, null)
	some c in tf.connections with input as p
	c.op == "RemoveConnection"
}

test_other_azapi_types_are_ignored if {
	p := by_name("azapi_resource.other", ["create"], null, {"type": "Microsoft.Storage/storageAccounts@2023-01-01", "body": "not json"})
	count(tf.connections) == 0 with input as p
	tf.ignored == 1 with input as p
	tf.connection_status({"body": "not json"}) == ""
}

# for_each approvals: each follows the endpoint with its instance key.
test_instances_pair_up if {
	p := plan(
		[], [
			rc(E, ["create"], null, ear({})),
			rc(`mongodbatlas_encryption_at_rest_private_endpoint.endpoint["US_EAST_2"]`, ["create"], null, ep("US_EAST_2")),
			rc(`mongodbatlas_encryption_at_rest_private_endpoint.endpoint["US_CENTRAL"]`, ["create"], null, ep("US_CENTRAL")),
			rc(`azapi_update_resource.approval["US_CENTRAL"]`, ["create"], null, {"type": conn_type, "body": approve_body}),
			rc(`azapi_update_resource.single`, ["create"], null, {"type": conn_type, "body": approve_body}),
		],
		[
			cfg_ear([]), cfg(PE, [E]),
			cfg(A, ["mongodbatlas_encryption_at_rest_private_endpoint.endpoint[each.key]"]),
			cfg("azapi_update_resource.single", [PE]),
		],
	)
	some c in tf.connections with input as p
	c.address == `azapi_update_resource.approval["US_CENTRAL"]`
	c.endpoint.address == `mongodbatlas_encryption_at_rest_private_endpoint.endpoint["US_CENTRAL"]`
	some d in tf.connections with input as p
	d.address == "azapi_update_resource.single"
	d.endpoint.address == `mongodbatlas_encryption_at_rest_private_endpoint.endpoint["US_CENTRAL"]`
}

# A teardown: the key's destroy with nothing ordering it after the config's
# is judged first, and loses the cluster's data (EAR-KEY-02); with the
# config referencing the key, the config goes first.
teardown(ear_refs) := plan(
	[
		res(V, {"name": "vault-one", "id": vault_id}, []),
		res(K, {"name": "k", "id": kid1, "key_vault_id": vault_id}, [V]),
		res(E, ear({}), []),
		res(PE, ep_live("US_EAST_2", "e1"), [E]),
		res(C, cluster(["US_EAST_2"]), [E, PE]),
	],
	[
		rc(V, ["delete"], {"name": "vault-one", "id": vault_id}, null),
		rc(K, ["delete"], {"name": "k", "id": kid1, "key_vault_id": vault_id}, null),
		rc(E, ["delete"], ear({}), null),
		rc(PE, ["delete"], ep_live("US_EAST_2", "e1"), null),
		rc(C, ["delete"], cluster(["US_EAST_2"]), null),
	],
	[cfg(V, []), cfg(K, [V]), cfg_ear(ear_refs), cfg(PE, [E]), cfg(C, [E, PE])],
)

test_key_destroyed_before_cmk_is_off if {
	some f in tf.deny with input as teardown([])
	f.rule == "EAR-KEY-02"
	f.address == K
	f.kind == "forecast"
	f.severity == "error"
}

test_key_destroyed_after_cmk_is_off if {
	not "EAR-KEY-02" in {f.rule | some f in tf.deny} with input as teardown([K])
}

# A vault destroyed under a key no resource manages (EAR-KEY-02 at the vault).
test_vault_destroyed_while_used if {
	p := json.patch(teardown([]), [
		{"op": "remove", "path": "/resource_changes/1"},
		{"op": "remove", "path": "/prior_state/values/root_module/resources/1"},
	])
	["EAR-KEY-02", V] in rules(tf.deny) with input as p
}

# A key version disabled (enabled = false) while in use.
test_key_disabled_while_used if {
	p := plan(
		[res(K, {"name": "k", "id": kid1, "key_vault_id": vault_id}, []), res(E, ear({}), []), res(C, cluster(["US_EAST_2"]), [E])],
		[rc(K, ["update"], {"name": "k", "id": kid1, "key_vault_id": vault_id}, {"name": "k", "id": kid1, "key_vault_id": vault_id, "enabled": false})],
		[],
	)
	["EAR-KEY-02", K] in rules(tf.deny) with input as p
}

# Rotation to a new key that deletes the old one in the same apply (EAR-ROT-02).
test_rotation_deleting_the_old_key if {
	p := plan(
		[
			res("azurerm_key_vault_key.old", {"name": "k2", "id": kid2, "key_vault_id": vault_id}, []),
			res(E, ear({"key_identifier": kid2}), ["azurerm_key_vault_key.old"]),
			res(C, cluster(["US_EAST_2"]), [E]),
		],
		[
			rc("azurerm_key_vault_key.old", ["delete"], {"name": "k2", "id": kid2, "key_vault_id": vault_id}, null),
			rc(K, ["create"], null, {"name": "k", "key_vault_id": vault_id}),
			rc(E, ["update"], ear({"key_identifier": kid2}), ear_unknown_key),
		],
		[cfg(K, []), cfg_ear(["azurerm_key_vault_key.k.id"])],
	)
	["EAR-ROT-02", "azurerm_key_vault_key.old"] in rules(tf.deny) with input as p
	not ["EAR-KEY-02", "azurerm_key_vault_key.old"] in rules(tf.deny) with input as p
}

# Microsoft.Network unregistered while the project has an endpoint, and an
# endpoint created after it (EAR-NET-01, both errors).
test_network_unregistered if {
	reg := {"name": "Microsoft.Network", "id": "/subscriptions/s1/providers/Microsoft.Network"}
	p := plan(
		[res(R, reg, []), res(E, ear({}), []), res(PE, ep_live("US_CENTRAL", "e1"), [E])],
		[rc(R, ["delete"], reg, null), rc("mongodbatlas_encryption_at_rest_private_endpoint.east", ["create"], null, ep("US_EAST_2"))],
		[],
	)
	["EAR-NET-01", R] in rules(tf.deny) with input as p
	["EAR-NET-01", "mongodbatlas_encryption_at_rest_private_endpoint.east"] in rules(tf.deny) with input as p
}

test_other_registrations_are_ignored if {
	reg := {"name": "Microsoft.Storage", "id": "/subscriptions/s1/providers/Microsoft.Storage"}
	tf.ignored == 1 with input as plan([], [rc(R, ["delete"], reg, null)], [])
}

# Module calls: addresses carry the module path; a module reference names
# every resource in it.
test_module_references if {
	p := {"configuration": {"root_module": {
		"resources": [cfg(E, ["module.keys.id", "data.x.y", "var.z"])],
		"module_calls": {"keys": {"module": {"resources": [
			cfg(K, ["azurerm_key_vault.vault.id"]),
			cfg(V, []),
		]}}},
	}}}
	tf.cfg_deps[E] == {"module.keys.azurerm_key_vault_key.k", "module.keys.azurerm_key_vault.vault"} with input as p
	tf.cfg_deps["module.keys.azurerm_key_vault_key.k"] == {"module.keys.azurerm_key_vault.vault"} with input as p
}

# A key whose vault the plan shows only through the reference to it.
test_key_vault_through_the_reference if {
	p := plan([res(V, {"name": "vault-one", "id": vault_id}, [])], [rc(K, ["create"], null, {"name": "k"})], [cfg(K, ["azurerm_key_vault.vault.id"])])
	tf.planned_key[K] == planned with input as p
}

# A new key with no CMK cluster: no rotation, nothing in flight.
test_key_change_without_clusters_rotates_nothing if {
	p := plan(
		[res("azurerm_key_vault_key.old", {"name": "k2", "id": kid2}, []), res(E, ear({"key_identifier": kid2}), ["azurerm_key_vault_key.old"])],
		[rc("azurerm_key_vault_key.old", ["delete"], {"name": "k2", "id": kid2}, null), rc(E, ["update"], ear({"key_identifier": kid2}), ear({}))],
		[],
	)
	count(tf.deny) == 0 with input as p
}

# A connection removed while its endpoint is being destroyed.
test_removal_of_a_deleted_endpoint if {
	p := plan(
		[res(E, ear({}), []), res(PE, ep_live("US_EAST_2", "e1"), [E])],
		[rc(PE, ["delete"], ep_live("US_EAST_2", "e1"), null), rc("azapi_resource.conn", ["delete"], {"type": conn_type, "name": "e1-conn"}, null)],
		[],
	)
	some i in tf.inputs with input as p
	i.input.op == "RemoveConnection"
	i.input.project.id == g
}
