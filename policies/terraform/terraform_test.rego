package earsim.tests.terraform

import data.earsim.terraform as tf

p := "p1"

kid(vault) := sprintf("https://%s.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef", [vault])

kv(over) := object.union(
	{
		"enabled": true, "require_private_networking": true, "azure_environment": "AZURE",
		"client_id": "c", "tenant_id": "t", "subscription_id": "s", "resource_group_name": "rg",
		"key_vault_name": "vault-one", "key_identifier": kid("vault-one"), "secret": "hidden-secret",
	},
	over,
)

# ear writes the resource in the provider 2.x shape (objects) or 1.x (lists).
ear(over, "v2") := {"project_id": p, "azure_key_vault_config": kv(over)}

ear(over, "v1") := {"project_id": p, "azure_key_vault_config": [kv(over)]}

ep(region, id) := {"project_id": p, "cloud_provider": "AZURE", "region_name": region, "id": id, "status": "ACTIVE"}

cluster(name, regions, size, shape) := {
	"project_id": p, "name": name, "encryption_at_rest_provider": "AZURE", "backup_enabled": false,
	"replication_specs": [{"region_configs": [rc |
		some r in regions
		rc := {"provider_name": "AZURE", "region_name": r, "electable_specs": specs(size, shape)}
	]}],
}

specs(size, "v2") := {"instance_size": size}

specs(size, "v1") := [{"instance_size": size}]

state(resources) := {"values": {"root_module": {"resources": [r |
	some x in resources
	r := {"mode": "managed", "type": x[0], "address": sprintf("%s.x", [x[0]]), "values": x[1]}
]}}}

change(type, addr, actions, before, after) := {
	"address": addr, "mode": "managed", "type": type,
	"change": {"actions": actions, "before": before, "after": after},
}

plan(prior, changes) := {"format_version": "1.2", "prior_state": state(prior), "resource_changes": changes}

E := "mongodbatlas_encryption_at_rest"

PE := "mongodbatlas_encryption_at_rest_private_endpoint"

C := "mongodbatlas_advanced_cluster"

rules(findings) := {f.rule | some f in findings}

with_endpoint(shape) := [[E, ear({}, shape)], [PE, ep("US_EAST_2", "e1")]]

# EAR-IMM-01, read in both provider shapes.
test_vault_rename_is_refused_in_both_shapes if {
	some shape in ["v1", "v2"]
	pl := plan(with_endpoint(shape), [change(E, "e.this", ["update"], ear({}, shape), ear({"key_vault_name": "vault-two", "key_identifier": kid("vault-two")}, shape))])
	some f in tf.deny with input as pl
	f.rule == "EAR-IMM-01"
	f.address == "e.this"
	f.kind == "refusal"
}

# Sensitive values never reach a finding.
test_secret_never_appears if {
	pl := plan(with_endpoint("v2"), [change(E, "e.this", ["update"], ear({}, "v2"), ear({"key_vault_name": "vault-two"}, "v2"))])
	out := json.marshal(tf.findings) with input as pl
	not contains(out, "hidden-secret")
	contains(out, "EAR-IMM-01")
}

# EAR-DIS-01: destroying the configuration while endpoints remain.
test_destroying_the_config_with_endpoints_is_refused if {
	pl := plan(with_endpoint("v2"), [change(E, "e.this", ["delete"], ear({}, "v2"), null)])
	"EAR-DIS-01" in rules(tf.deny) with input as pl
}

# EAR-PN-01 and a config without the Azure block.
test_turning_off_private_networking_is_refused if {
	pl := plan(with_endpoint("v1"), [change(E, "e.this", ["update"], ear({}, "v1"), ear({"require_private_networking": false}, "v1"))])
	"EAR-PN-01" in rules(tf.deny) with input as pl
}

test_config_without_azure_block_is_off if {
	tf.config({"project_id": p}) == {"enabled": false, "requirePrivateNetworking": false}
	tf.instance_size({"region_name": "US_EAST_2"}) == ""
	tf.str({"a": 1}, "a") == ""
	not tf.config(ear({"secret": null}, "v1")).secretDigest
	tf.config(ear({}, "v1")).secretDigest == "sensitive"
}

# EAR-ORD-03 on a planned endpoint; a planned config counts (EAR-ORD-01 not
# raised when the same plan enables CMK).
test_endpoint_without_private_networking_is_refused if {
	pl := plan([[E, ear({"require_private_networking": false}, "v2")]], [change(PE, "pe.a", ["create"], null, ep("US_EAST_2", ""))])
	"EAR-ORD-03" in rules(tf.deny) with input as pl
}

test_enabling_and_asking_for_an_endpoint_together_is_clean if {
	pl := plan([], [
		change(E, "e.this", ["create"], null, ear({}, "v2")),
		change(PE, "pe.a", ["create"], null, ep("US_EAST_2", "")),
		change("aws_s3_bucket", "b.logs", ["create"], null, {}),
	])
	count(tf.deny) == 0 with input as pl
	tf.ignored == 1 with input as pl
}

# EAR-PE-06: deleting an endpoint still being provisioned.
test_deleting_a_provisioning_endpoint_is_refused if {
	e := object.union(ep("US_EAST_2", "e1"), {"status": "INITIATING"})
	pl := plan([[E, ear({}, "v2")], [PE, e]], [change(PE, "pe.a", ["delete"], e, null)])
	"EAR-PE-06" in rules(tf.deny) with input as pl
}

# EAR-MR-02: the refused cluster is not created, so the world the plan
# leaves has no EAR-MR-01 gap for it.
test_new_cluster_in_uncovered_region if {
	pl := plan(with_endpoint("v2"), [change(C, "c.eu", ["create"], null, cluster("eu", ["EUROPE_NORTH"], "M10", "v1"))])
	found := rules(tf.deny) with input as pl
	found == {"EAR-MR-02"}
}

# EAR-MR-01 as an error for the planned state: a CMK cluster accepted while
# its region's endpoint still awaits approval.
test_cluster_before_approval if {
	pending := object.union(ep("US_EAST_2", "e1"), {"status": "PENDING_ACCEPTANCE"})
	pl := plan([[E, ear({}, "v2")], [PE, pending]], [change(C, "c.orders", ["create"], null, cluster("orders", ["US_EAST_2"], "M10", "v2"))])
	some f in tf.deny with input as pl
	f.rule == "EAR-MR-01"
	f.kind == "planned state"
	f.severity == "error"
	not "EAR-MR-02" in rules(tf.deny) with input as pl
}

# EAR-MR-03: a region added to an existing cluster; other prior clusters
# stay, and the refused update leaves the cluster as it was.
test_region_added_without_endpoint if {
	before := cluster("orders", ["US_EAST_2"], "M30", "v2")
	after := cluster("orders", ["US_EAST_2", "US_WEST_2"], "M30", "v2")
	other := cluster("other", ["US_EAST_2"], "M30", "v2")
	pl := plan(array.concat(with_endpoint("v2"), [[C, before], [C, other]]), [change(C, "c.orders", ["update"], before, after)])
	"EAR-MR-03" in rules(tf.deny) with input as pl
	count(tf.final_clusters(p)) == 2 with input as pl
	not "EAR-MR-01" in rules(tf.deny) with input as pl
}

# A teardown: the endpoints and the cluster destroyed in the same plan are
# gone before the config is (EAR-DIS-01, EAR-DIS-02 not reported); disabling
# requires no private networking (no EAR-ORD-02).
test_teardown_is_accepted if {
	cl := cluster("c", ["US_EAST_2"], "M10", "v2")
	prior := array.concat(with_endpoint("v2"), [[C, cl]])
	pl := plan(prior, [
		change(C, "c.c", ["delete"], cl, null),
		change(PE, "pe.us_east_2", ["delete"], ep("US_EAST_2", "e1"), null),
		change(E, "e.this", ["delete"], ear({}, "v2"), null),
	])
	count(tf.deny) == 0 with input as pl
}

test_disable_without_endpoints_is_accepted if {
	pl := plan([[E, ear({}, "v2")]], [change(E, "e.this", ["update"], ear({}, "v2"), ear({"enabled": false}, "v2"))])
	count(tf.deny) == 0 with input as pl
}

test_disable_with_endpoints_is_refused if {
	pl := plan(with_endpoint("v1"), [change(E, "e.this", ["update"], ear({}, "v1"), ear({"enabled": false}, "v1"))])
	rules(tf.deny) == {"EAR-DIS-01"} with input as pl
}

# A forecast: the multi-cloud cluster is disabled under private networking.
test_multi_cloud_forecast if {
	mc := object.union(cluster("global", ["US_EAST_2"], "M10", "v2"), {
		"encryption_at_rest_provider": "NONE",
		"replication_specs": [{"region_configs": [
			{"provider_name": "AZURE", "region_name": "US_EAST_2", "electable_specs": {"instance_size": "M10"}},
			{"provider_name": "AWS", "region_name": "US_EAST_1", "electable_specs": {"instance_size": "M10"}},
		]}],
	})
	pl := plan([[E, ear({"require_private_networking": false}, "v2")], [C, mc]], [change(E, "e.this", ["update"], ear({"require_private_networking": false}, "v2"), ear({}, "v2"))])
	some w in tf.warn with input as pl
	w.kind == "forecast"
	w.address == "e.this"
}

# Data sources are not planned changes.
test_data_sources_are_skipped if {
	pl := {"resource_changes": [{"mode": "data", "type": E, "address": "data.x", "change": {"actions": ["read"]}}]}
	count(tf.changes) == 0 with input as pl
}

LC := "mongodbatlas_cluster"

legacy(name, over) := object.union(
	{
		"project_id": p, "name": name, "encryption_at_rest_provider": "AZURE", "provider_name": "AZURE",
		"provider_instance_size_name": "M10", "provider_region_name": "US_EAST_2",
	},
	over,
)

# EAR-TIER-03: the v1.0 shape's backup_enabled without cloud_backup is legacy
# backup, refused with customer keys; API v2's backup_enabled is Cloud Backup.
test_legacy_cluster_backup_is_refused if {
	f := tf.deny with input as plan(with_endpoint("v2"), [change(LC, "mongodbatlas_cluster.l", ["create"], null, legacy("l", {"backup_enabled": true}))])
	"EAR-TIER-03" in rules(f)
}

test_legacy_cluster_with_cloud_backup_is_fine if {
	f := tf.deny with input as plan(with_endpoint("v2"), [change(LC, "mongodbatlas_cluster.l", ["create"], null, legacy("l", {"backup_enabled": false, "cloud_backup": true}))])
	not "EAR-TIER-03" in rules(f)
	tf.cluster(legacy("l", {"cloud_backup": true})).backupEnabled == true
}

test_advanced_cluster_cloud_backup_is_fine if {
	c := object.union(cluster("c", ["US_EAST_2"], "M10", "v2"), {"backup_enabled": true})
	f := tf.deny with input as plan(with_endpoint("v2"), [change(C, "mongodbatlas_advanced_cluster.c", ["create"], null, c)])
	not "EAR-TIER-03" in rules(f)
}

# A legacy cluster's regions: its replication specs' regions_config, or its
# one provider_region_name.
test_legacy_cluster_regions if {
	one := tf.cluster(legacy("l", {}))
	[r.regionName | some r in one.regionConfigs] == ["US_EAST_2"]
	one.legacyBackup == false
	specs := legacy("l", {"replication_specs": [{"regions_config": [{"region_name": "US_CENTRAL"}, {"region_name": "US_EAST_2"}]}]})
	[r.regionName | some r in tf.cluster(specs).regionConfigs] == ["US_CENTRAL", "US_EAST_2"]
	some r in tf.cluster(specs).regionConfigs
	r.instanceSize == "M10"
}

# A legacy cluster in the prior state counts for the rules that read clusters
# (EAR-DIS-02: CMK off with a CMK cluster).
test_prior_legacy_cluster_counts if {
	prior := array.concat(with_endpoint("v2"), [[LC, legacy("l", {})]])
	count(tf.prior_clusters(p)) == 1 with input as plan(prior, [])
}
