# METADATA
# title: Terraform plans
# description: |
#   Judges a Terraform plan (terraform show -json) with the same rules as the
#   simulator. Each planned change to mongodbatlas_encryption_at_rest,
#   mongodbatlas_encryption_at_rest_private_endpoint or
#   mongodbatlas_advanced_cluster becomes an admission input, judged against
#   the prior state and the planned configuration; the planned state of each
#   project is judged for the conditions it would exhibit (EAR-MR-01).
#   Provider 1.x writes nested blocks as one-element lists, 2.x as objects;
#   both are read. Other resource types are ignored and counted. Findings
#   carry the resource address; sensitive values (the secret) never appear.
#   Usable as it is: opa eval 'data.earsim.terraform.findings', or conftest
#   with --namespace earsim.terraform (deny and warn).
package earsim.terraform

types := atlas_types | azure_types

atlas_types := {
	"mongodbatlas_encryption_at_rest",
	"mongodbatlas_encryption_at_rest_private_endpoint",
	"mongodbatlas_advanced_cluster",
	"mongodbatlas_cluster",
	"mongodbatlas_project",
}

# azure_types are the Azure half of a plan (RULES.md section 3, hazards in
# plans): a vault's private endpoint connection approved, rejected or
# removed through azapi, keys and vaults, and Microsoft.Network's
# registration. Attribute names are the providers' own (azurerm 4.x, azapi 2.x).
azure_types := {
	"azapi_update_resource",
	"azapi_resource",
	"azurerm_key_vault_key",
	"azurerm_key_vault",
	"azurerm_resource_provider_registration",
}

# cluster_types are the cluster resources: API v2 (advanced) and the v1.0
# shape (mongodbatlas_cluster), whose legacy backup EAR-TIER-03 refuses.
cluster_types := {"mongodbatlas_advanced_cluster", "mongodbatlas_cluster"}

changes := [rc |
	some rc in object.get(input, "resource_changes", [])
	object.get(rc, "mode", "managed") == "managed"
]

ignored := count([rc | some rc in changes; not reads(rc)])

# one reads a nested block in either provider shape.
one(x) := x[0] if is_array(x)

one(x) := x if is_object(x)

str(m, k) := v if {
	v := m[k]
	is_string(v)
} else := ""

prior := [r |
	some r in object.get(input, ["prior_state", "values", "root_module", "resources"], [])
	object.get(r, "mode", "managed") == "managed"
]

# config turns the azure_key_vault_config block into the input's shape; the
# secret becomes a marker of presence, never its value.
config(values) := c if {
	k := one(values.azure_key_vault_config)
	base := {
		"enabled": object.get(k, "enabled", false) == true,
		"requirePrivateNetworking": private_networking(k),
		"azureEnvironment": object.get(k, "azure_environment", "AZURE"),
		"clientID": str(k, "client_id"),
		"tenantID": str(k, "tenant_id"),
		"subscriptionID": str(k, "subscription_id"),
		"resourceGroupName": str(k, "resource_group_name"),
		"keyVaultName": str(k, "key_vault_name"),
		"keyIdentifier": str(k, "key_identifier"),
	}
	c := object.union(base, secret_marker(k))
} else := {"enabled": false, "requirePrivateNetworking": false}

# Disabling removes the configuration, private networking included
# (docs/MODEL.md): a block with enabled false requires none.
private_networking(k) := false if object.get(k, "enabled", null) == false

private_networking(k) := object.get(k, "require_private_networking", false) == true if object.get(k, "enabled", null) != false

secret_marker(k) := {"secretDigest": "sensitive"} if {
	is_string(k.secret)
	k.secret != ""
} else := {}

# body is what a PATCH would send: the fields the plan sets.
body(values) := {name: v |
	k := one(values.azure_key_vault_config)
	some field, name in {
		"enabled": "enabled", "require_private_networking": "requirePrivateNetworking",
		"azure_environment": "azureEnvironment", "client_id": "clientID", "tenant_id": "tenantID",
		"subscription_id": "subscriptionID", "resource_group_name": "resourceGroupName",
		"key_vault_name": "keyVaultName", "key_identifier": "keyIdentifier", "secret": "secretDigest",
	}
	raw := k[field]
	raw != null
	v := value(name, raw)
}

value("secretDigest", _) := "sensitive"

value(name, raw) := raw if name != "secretDigest"

endpoint(values) := {
	"id": str(values, "id"),
	"regionName": str(values, "region_name"),
	"status": object.get(values, "status", "ACTIVE"),
	"privateEndpointConnectionName": str(values, "private_endpoint_connection_name"),
	"errorMessage": str(values, "error_message"),
	"connection": "APPROVED",
	"since": 0,
	"approvedAt": 0,
}

cluster(values) := object.union(cluster_common(values), {
	"backupEnabled": object.get(values, "backup_enabled", false) == true,
	"legacyBackup": false,
	"regionConfigs": [rc |
		some spec in object.get(values, "replication_specs", [])
		some c in object.get(spec, "region_configs", [])
		rc := {
			"providerName": str(c, "provider_name"),
			"backingProviderName": str(c, "backing_provider_name"),
			"regionName": str(c, "region_name"),
			"instanceSize": instance_size(c),
		}
	],
}) if not legacy_shape(values)

# A mongodbatlas_cluster (the v1.0 shape): backup_enabled without
# cloud_backup is legacy backup; cloud_backup is Cloud Backup.
cluster(values) := object.union(cluster_common(values), {
	"backupEnabled": object.get(values, "cloud_backup", false) == true,
	"legacyBackup": legacy_backup(values),
	"regionConfigs": legacy_regions(values),
}) if legacy_shape(values)

legacy_shape(values) if is_string(values.provider_instance_size_name)

cluster_common(values) := {
	"name": values.name,
	"encryptionAtRestProvider": object.get(values, "encryption_at_rest_provider", "NONE"),
	"paused": object.get(values, "paused", false) == true,
	"pauseReason": "",
	"stateName": "IDLE",
}

legacy_backup(values) if {
	values.backup_enabled == true
	object.get(values, "cloud_backup", false) != true
} else := false

legacy_regions(values) := [rc |
	some spec in object.get(values, "replication_specs", [])
	some c in object.get(spec, "regions_config", [])
	rc := legacy_region(values, str(c, "region_name"))
] if count(object.get(values, "replication_specs", [])) > 0

legacy_regions(values) := [legacy_region(values, str(values, "provider_region_name"))] if {
	count(object.get(values, "replication_specs", [])) == 0
}

legacy_region(values, region) := {
	"providerName": str(values, "provider_name"),
	"backingProviderName": str(values, "backing_provider_name"),
	"regionName": region,
	"instanceSize": values.provider_instance_size_name,
}

instance_size(c) := str(one(c.electable_specs), "instance_size") if c.electable_specs

instance_size(c) := "" if not c.electable_specs

# The project a resource belongs to.
project_of(values) := values.project_id

# Prior-state resources of a type in a project.
prior_of(type, g) := [r.values |
	some r in prior
	r.type == type
	project_of(r.values) == g
]

# The encryption config of a project before and as planned.
config_before(g) := config(v) if {
	some v in prior_of("mongodbatlas_encryption_at_rest", g)
} else := {"enabled": false, "requirePrivateNetworking": false}

config_after(g) := config(ear_values(rc)) if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest"
	a := rc.change.after
	is_object(a)
	project_of(a) == g
} else := config_before(g)

projects contains g if {
	some rc in changes
	rc.type in types
	some side in ["before", "after"]
	g := project_of(rc.change[side])
}

doc(g, enc, eps, cls) := {
	"id": g, "name": g, "state": "ACTIVE", "encryption": enc,
	"endpoints": eps, "clusters": cls, "snapshots": [],
}

prior_endpoints(g) := [endpoint(v) | some v in prior_of("mongodbatlas_encryption_at_rest_private_endpoint", g)]

prior_clusters(g) := [cluster(v) |
	some type in cluster_types
	some v in prior_of(type, g)
]

# The project as it stands before the plan, and with the planned configuration.
before_doc(g) := doc(g, config_before(g), prior_endpoints(g), prior_clusters(g))

planned_doc(g) := doc(g, config_after(g), prior_endpoints(g), prior_clusters(g))

# The project as a change to its encryption config meets it when Terraform
# applies the plan: the endpoints and clusters the plan destroys are gone
# first, since they depend on the config (a static reading of the apply
# order; earsim check steps the order itself and warns where the
# configuration leaves it open).
teardown_doc(g) := doc(
	g, config_before(g),
	[e | some e in prior_endpoints(g); not deleted(e.id)],
	[c | some c in prior_clusters(g); not deleted_cluster(g, c.name)],
)

deleted_cluster(g, name) if {
	some rc in changes
	rc.type in cluster_types
	rc.change.actions == ["delete"]
	rc.change.before.name == name
	project_of(rc.change.before) == g
}

# The state the plan leaves: planned configuration, endpoints and clusters.
final_doc(g) := doc(g, config_after(g), final_endpoints(g), final_clusters(g))

final_endpoints(g) := array.concat(
	[final_status(e) | some e in prior_endpoints(g); not deleted(e.id)],
	[final_status(endpoint(object.union(rc.change.after, {"id": rc.address, "status": "INITIATING"}))) |
		some rc in changes
		rc.type == "mongodbatlas_encryption_at_rest_private_endpoint"
		"create" in rc.change.actions
		project_of(rc.change.after) == g
	],
)

# An endpoint approved in the plan is ACTIVE once the lag has passed
# (EAR-LAG-01): the world the plan leaves is judged after it.
final_status(e) := object.union(e, {"status": "ACTIVE"}) if approved_id(e.id)

final_status(e) := e if not approved_id(e.id)

deleted(id) if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest_private_endpoint"
	"delete" in rc.change.actions
	rc.change.before.id == id
}

final_clusters(g) := array.concat(
	[c | some c in prior_clusters(g); not changed_cluster(g, c.name)],
	[cluster(rc.change.after) |
		some rc in changes
		rc.type in cluster_types
		rc.change.after
		project_of(rc.change.after) == g
		not refused(rc.address)
	],
)

# A refused change is not made: the world the plan leaves keeps what was.
refused(address) if {
	some i in inputs
	i.address == address
	some _ in data.earsim.rules.deny with input as i.input
}

changed_cluster(g, name) if {
	some rc in changes
	rc.type in cluster_types
	not refused(rc.address)
	some side in ["before", "after"]
	rc.change[side].name == name
	project_of(rc.change[side]) == g
}

# inputs are the admission inputs the plan's changes make, by address.
inputs contains {"address": rc.address, "input": x} if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest"
	rc.change.after
	g := project_of(rc.change.after)
	x := {"op": "UpdateEncryptionConfig", "now": 0, "project": teardown_doc(g), "request": {
		"azureKeyVault": body(ear_values(rc)),
		"after": config(ear_values(rc)),
	}}
}

inputs contains {"address": rc.address, "input": x} if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest"
	rc.change.actions == ["delete"]
	g := project_of(rc.change.before)
	x := {"op": "UpdateEncryptionConfig", "now": 0, "project": teardown_doc(g), "request": {
		"azureKeyVault": {"enabled": false},
		"after": {"enabled": false, "requirePrivateNetworking": false},
	}}
}

inputs contains {"address": rc.address, "input": x} if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest_private_endpoint"
	"create" in rc.change.actions
	a := rc.change.after
	x := object.union(
		{"op": "CreatePrivateEndpoint", "now": 0, "project": planned_doc(project_of(a)), "request": {
			"cloudProvider": object.get(a, "cloud_provider", "AZURE"),
			"regionName": str(a, "region_name"),
		}},
		endpoint_azure,
	)
}

# endpoint_azure: the Azure side an endpoint's creation meets, when the
# plan unregisters Microsoft.Network (EAR-NET-01); otherwise none is known.
endpoint_azure := {"azure": unregistered_azure} if count(unregistered) > 0

endpoint_azure := {} if count(unregistered) == 0

inputs contains {"address": rc.address, "input": x} if {
	some rc in changes
	rc.type == "mongodbatlas_encryption_at_rest_private_endpoint"
	"delete" in rc.change.actions
	b := rc.change.before
	x := {"op": "DeletePrivateEndpoint", "now": 0, "project": before_doc(project_of(b)), "request": {
		"cloudProvider": object.get(b, "cloud_provider", "AZURE"),
		"endpointId": str(b, "id"),
	}}
}

inputs contains i if some i in cluster_inputs

# cluster_inputs: the cluster changes' inputs, apart, so that an approval can
# ask which of them Atlas refuses (cluster_refused) without asking itself.
cluster_inputs contains {"address": rc.address, "input": x} if {
	some rc in changes
	rc.type in cluster_types
	some action in ["create", "update"]
	action in rc.change.actions
	a := rc.change.after
	op := {"create": "CreateCluster", "update": "UpdateCluster"}[action]
	g := project_of(a)
	pd := planned_doc(g)
	project := object.union(pd, {"endpoints": array.concat(
		[e | some e in pd.endpoints; not e.id in {x.id | some x in approved_for(rc, g)}],
		approved_for(rc, g),
	)})
	x := {"op": op, "now": 0, "project": project, "request": {
		"clusterName": a.name,
		"cluster": cluster(a),
	}}
}

# finding is one rule's word on one resource. A rule's check severity, when
# its METADATA sets one, is what a plan check reports (EAR-MR-01: error).
finding(address, v, kind) := object.union(v, {
	"address": address,
	"kind": kind,
	"severity": severity(v, kind),
})

# A forecast of a rule with a plan severity is a hazard the plan itself
# carries out: an error (RULES.md section 3).
severity(v, "forecast") := plan_severity[v.rule]

severity(v, kind) := object.get(check_severity, v.rule, v.severity) if {
	not plan_forecast(v, kind)
}

plan_forecast(v, "forecast") if plan_severity[v.rule]

# plan_severity reads each rule's METADATA `plan` field, where it has one.
plan_severity := {m.id: m.plan |
	some name
	m := data.earsim.rules[name].meta
	m.plan
}

# check_severity reads each rule's METADATA `check` field, where it has one.
check_severity := {m.id: m.check |
	some name
	m := data.earsim.rules[name].meta
	m.check
}

deny contains finding(i.address, v, "refusal") if {
	some i in inputs
	some v in data.earsim.rules.deny with input as i.input
}

warn contains finding(i.address, w, "forecast") if {
	some i in inputs
	some w in data.earsim.rules.warn with input as i.input
	not w.rule in condition_rules
	not plan_severity[w.rule] == "error"
}

deny contains finding(i.address, w, "forecast") if {
	some i in inputs
	some w in data.earsim.rules.warn with input as i.input
	plan_severity[w.rule] == "error"
}

# Conditions of the planned state that a plan check treats as errors
# (check_severity), reported against the project.
deny contains finding(sprintf("project %s", [g]), c, "planned state") if {
	some g in projects
	some c in data.earsim.rules.condition with input as {"op": "", "request": null, "now": 0, "project": final_doc(g)}
	check_severity[c.rule] == "error"
}

condition_rules := {r | some r, s in check_severity; s == "error"}

findings := {"deny": deny, "warn": warn, "ignored": ignored}
