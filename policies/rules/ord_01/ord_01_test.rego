package earsim.tests.ord_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-ORD-01"}

test_cmk_cluster_needs_project_cmk if {
	some v in deny with input as f.input_for("CreateCluster", {"cluster": f.cmk("c", ["US_CENTRAL"])}, f.project({"encryption": f.off}))
	v.code == "ENCRYPTION_AT_REST_NOT_ENABLED"
}

test_with_project_cmk_is_fine if {
	count(deny) == 0 with input as f.input_for("CreateCluster", {"cluster": f.cmk("c", ["US_CENTRAL"])}, f.project({}))
}

test_plain_cluster_is_fine if {
	count(deny) == 0 with input as f.input_for("CreateCluster", {"cluster": f.cluster("c", {})}, f.project({"encryption": f.off}))
}

test_other_providers_are_not_enabled if {
	c := object.union(f.cluster("c", {}), {"encryptionAtRestProvider": "AWS"})
	some v in deny with input as f.input_for("CreateCluster", {"cluster": c}, f.project({}))
	v.params == ["AWS"]
}
