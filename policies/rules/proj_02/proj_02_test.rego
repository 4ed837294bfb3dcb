package earsim.tests.proj_02

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-PROJ-02"}

warn := {x | some x in rules.warn; x.rule == "EAR-PROJ-02"}

condition := {x | some x in rules.condition; x.rule == "EAR-PROJ-02"}

mixed := f.project({"clusters": [f.multi_cloud("mc"), f.cluster("one", {})]})

test_turning_pn_on_disables_multi_cloud_clusters if {
	ws := warn with input as f.patch({"requirePrivateNetworking": true}, mixed)
	count(ws) == 1
	some w in ws
	w.target == {"cluster": "mc"}
	w.apply == {"do": "pauseCluster", "cluster": "mc", "reason": "MULTI_CLOUD_UNSUPPORTED"}
}

test_tenant_backing_provider_counts if {
	tc := f.cluster("t", {"regionConfigs": [
		{"providerName": "TENANT", "backingProviderName": "AWS", "regionName": "US_EAST_1", "instanceSize": "M0"},
		f.rc("AZURE", "US_CENTRAL", "M10"),
	]})
	count(warn) == 1 with input as f.patch({"requirePrivateNetworking": true}, f.project({"clusters": [tc]}))
}

disabled := f.project({"encryption": f.pn, "clusters": [object.union(f.multi_cloud("mc"), {"paused": true, "pauseReason": "MULTI_CLOUD_UNSUPPORTED"})]})

test_resume_is_refused_while_pn if {
	some v in deny with input as f.input_for("ResumeCluster", {"clusterName": "mc"}, disabled)
	v.code == "ENCRYPTION_AT_REST_PRIVATE_NETWORKING_MULTI_CLOUD_UNSUPPORTED"
}

test_resume_by_patch_is_refused if {
	x := f.input_for("UpdateCluster", {"clusterName": "mc", "cluster": object.union(f.multi_cloud("mc"), {"paused": false})}, disabled)
	count(deny) == 1 with input as x
}

test_running_multi_cloud_cluster_is_a_hazard if {
	some c in condition with input as f.state(f.project({"encryption": f.pn, "clusters": [f.multi_cloud("mc")]}), 0)
	c.effect == "MultiCloudClusterRunning"
}

test_disabled_cluster_is_no_hazard if count(condition) == 0 with input as f.state(disabled, 0)
