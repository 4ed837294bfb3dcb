package earsim.tests.key_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-KEY-01"}

warn := {x | some x in rules.warn; x.rule == "EAR-KEY-01"}

p := f.project({"clusters": [f.cmk("a", ["US_CENTRAL"]), f.cluster("b", {}), object.union(f.cmk("c", ["US_CENTRAL"]), {"paused": true})]})

test_revocation_pauses_running_cmk_clusters if {
	ws := warn with input as f.input_for("RevokeKeyAccess", {"keyIdentifier": f.key}, p)
	{w.apply.cluster | some w in ws} == {"a"}
}

test_other_key_pauses_nothing if {
	count(warn) == 0 with input as f.input_for("RevokeKeyAccess", {"keyIdentifier": f.key2}, p)
}

revoked := object.union(f.azure, {"keys": [object.union(f.azure.keys[0], {"accessGranted": false})]})

test_resume_is_refused_while_revoked if {
	x := object.union(f.input_for("ResumeCluster", {"clusterName": "c"}, p), {"azure": revoked})
	some v in deny with input as x
	v.code == "CANNOT_RESUME_CLUSTER_KEY_ACCESS_REVOKED"
}

test_resume_is_fine_once_restored if {
	count(deny) == 0 with input as f.input_for("ResumeCluster", {"clusterName": "c"}, p)
}
