package earsim.tests.tier_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-TIER-01"}

tenant(provider, size, ear) := f.cluster("t", {
	"encryptionAtRestProvider": ear,
	"regionConfigs": [{"providerName": provider, "backingProviderName": "AZURE", "regionName": "US_CENTRAL", "instanceSize": size}],
})

create(c) := f.input_for("CreateCluster", {"cluster": c}, f.project({}))

test_m0_with_cmk_is_refused if {
	some v in deny with input as create(tenant("TENANT", "M0", "AZURE"))
	v.code == "CANNOT_USE_ENCRYPTION_AT_REST_TENANT"
}

test_flex_and_serverless_are_refused if {
	count(deny) == 1 with input as create(tenant("FLEX", "FLEX", "AZURE"))
	count(deny) == 1 with input as create(tenant("SERVERLESS", "SERVERLESS", "AWS"))
}

test_tenant_without_cmk_is_fine if count(deny) == 0 with input as create(tenant("TENANT", "M0", "NONE"))

test_dedicated_is_not_this_rule if count(deny) == 0 with input as create(f.cmk("c", ["US_CENTRAL"]))
