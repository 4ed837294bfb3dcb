# METADATA
# title: earsim shared helpers
# description: |
#   Helpers shared by every rule package: the shape of a finding, the roles
#   hierarchy, cluster and endpoint predicates, and the key identifier format.
#   Nothing here decides a rule on its own; the packages under rules/ do.
package earsim.lib

# meta returns the custom fields of a rule's METADATA block. Each rule file
# annotates one rule, NAME.meta, and calls it once:
#   NAME.meta := lib.meta(rego.metadata.rule())
meta(annotations) := annotations.custom

# deny builds a refusal with the rule's own errorCode and HTTP status.
deny(m, msg, params) := deny_code(m, m.errorCode, msg, params)

# deny_code builds a refusal for rules that answer with more than one code.
deny_code(m, code, msg, params) := {
	"rule": m.id,
	"severity": "error",
	"status": m.status,
	"code": code,
	"order": m.order,
	"msg": msg,
	"params": params,
}

# warn builds a forecast: something the request will cause. Forecasts with an
# "apply" object are consequences the simulator carries out.
warn(m, effect, msg, target) := {
	"rule": m.id,
	"severity": m.severity,
	"effect": effect,
	"msg": msg,
	"target": target,
}

# apply builds a forecast that the simulator carries out.
apply(m, effect, msg, target, action) := object.union(warn(m, effect, msg, target), {"apply": action})

# condition builds an effect or hazard that a state exhibits.
condition(m, effect, msg, target) := warn(m, effect, msg, target)

# broken builds a violated invariant: a state the rules say cannot occur.
broken(m, msg, target) := {
	"rule": m.id,
	"severity": "invariant",
	"msg": msg,
	"target": target,
}

# project_state is the project's state (ACTIVE, INACTIVE), read on its own
# rather than through the whole project document.
project_state := object.get(input, ["project", "state"], null)

enc := object.get(input, ["project", "encryption"], {})

endpoints := object.get(input, ["project", "endpoints"], [])

clusters := object.get(input, ["project", "clusters"], [])

cmk_enabled if enc.enabled == true

private_networking if enc.requirePrivateNetworking == true

# Roles: each role implies the ones listed after it.
implied := {
	"ORG_OWNER": {"ORG_OWNER", "GROUP_OWNER", "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY"},
	"ORG_READ_ONLY": {"GROUP_READ_ONLY"},
	"GROUP_OWNER": {"GROUP_OWNER", "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY"},
	"GROUP_CLUSTER_MANAGER": {"GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY"},
	"GROUP_READ_ONLY": {"GROUP_READ_ONLY"},
}

# effective_roles is every role the actor holds, implied ones included.
effective_roles contains r if {
	some held in input.actor.roles
	some r in implied[held]
}

# A cluster uses CMK when its encryptionAtRestProvider is AZURE (RULES.md §1).
uses_cmk(c) if c.encryptionAtRestProvider == "AZURE"

cmk_clusters contains c if {
	some c in clusters
	uses_cmk(c)
}

# provider of a region config: a tenant config counts as its backing provider.
provider(rc) := rc.backingProviderName if {
	rc.providerName in {"TENANT", "FLEX"}
	rc.backingProviderName
} else := rc.providerName

providers(c) := {provider(rc) | some rc in c.regionConfigs}

multi_cloud(c) if count(providers(c)) > 1

# azure_regions(c) is the set of Azure regions the cluster is deployed in.
azure_regions(c) := {rc.regionName | some rc in c.regionConfigs; provider(rc) == "AZURE"}

# An endpoint record is live unless it failed or is being deleted (EAR-PE-07).
live(e) if not e.status in {"FAILED", "DELETING"}

active_regions := {e.regionName | some e in endpoints; e.status == "ACTIVE"}

has_active_endpoint if count(active_regions) > 0

# A cluster's Require Private Networking status (EAR-CL-02): ACTIVE under
# private networking when every Azure region of it has an ACTIVE endpoint.
cluster_private_networking(c) := "ACTIVE" if {
	private_networking
	regions := azure_regions(c)
	count(regions) > 0
	count(regions - active_regions) == 0
} else := "INACTIVE"

# Key identifiers (EAR-CRED-03): https://{vault}.{host}/keys/{name}/{version}.
key_hosts := {
	"AZURE": "vault.azure.net",
	"AZURE_CHINA": "vault.azure.cn",
	"AZURE_US_GOVERNMENT": "vault.usgovcloudapi.net",
}

key_pattern := `^https://([A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9])\.(vault\.azure\.net|vault\.azure\.cn|vault\.usgovcloudapi\.net)/keys/([A-Za-z0-9-]{1,127})/([0-9a-fA-F]{32})$`

# parse_key returns {vault, host, name, version}; undefined when malformed.
parse_key(kid) := {"vault": m[1], "host": m[2], "name": m[3], "version": m[4]} if {
	is_string(kid)
	some m in regex.find_all_string_submatch_n(key_pattern, kid, 1)
}

# key_well_formed holds when kid has the full format for the environment.
key_well_formed(kid, environment) if parse_key(kid).host == key_hosts[environment]

# key_norm is the lookup key of a key identifier: vault (lower case, as
# Azure compares it), key name and version. It does not judge the format;
# EAR-CRED-03 does.
key_norm(kid) := concat("/", [lower(split(parts[2], ".")[0]), parts[4], parts[5]]) if {
	is_string(kid)
	parts := split(kid, "/")
	count(parts) == 6
}

# keys_by_norm indexes the Azure side's key versions that are not deleted:
# the index the input carries (input.azure.keysByNorm, which earsim builds
# once for every question about the same Azure side), else built here once
# per evaluation, which costs every key on every question.
keys_by_norm := input.azure.keysByNorm if {
	is_object(input.azure.keysByNorm)
} else := {concat("/", [lower(k.vault), k.name, k.version]): k |
	some k in input.azure.keys
	not k.deleted
}

# find_key returns the Azure key version that a key identifier names.
find_key(kid) := keys_by_norm[key_norm(kid)]

# key_usable holds when Atlas can use the key now (EAR-CRED-05 without credentials).
key_usable(kid) if {
	k := find_key(kid)
	k.enabled
	k.accessGranted
}

# credentials_reach(cfg) holds when an app registration with these credentials
# can reach the vault that cfg names (EAR-CRED-02).
credentials_reach(cfg) if {
	some app in input.azure.apps
	app.clientID == cfg.clientID
	app.tenantID == cfg.tenantID
	cfg.secretDigest != ""
	app.secretDigest == cfg.secretDigest
	some v in input.azure.vaults
	lower(v.name) == lower(cfg.keyVaultName)
	v.subscriptionID == cfg.subscriptionID
	v.resourceGroupName == cfg.resourceGroupName
	some reach in app.vaults
	lower(reach) == lower(v.name)
}

# sorted_regions lists the regions of endpoint records, sorted and unique.
sorted_regions(eps) := sort({e.regionName | some e in eps})

# same_key holds when two key identifiers name the same key version.
same_key(a, b) if key_norm(a) == key_norm(b)

# key_unusable holds when the Azure side is known and the key is gone or disabled.
key_unusable(kid) if {
	input.azure.keys
	not find_key(kid)
}

key_unusable(kid) if find_key(kid).enabled == false

# resuming is the name of the cluster that the request resumes, if any: a
# ResumeCluster, or an UpdateCluster that sets paused false on a paused cluster.
resuming := input.request.clusterName if input.op == "ResumeCluster"

resuming := input.request.clusterName if {
	input.op == "UpdateCluster"
	input.request.cluster.paused == false
	some c in clusters
	c.name == input.request.clusterName
	c.paused
}
