package earsim.tests.cl_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-CL-01"}

acting(roles, x) := object.union(x, {"actor": {"roles": roles}})

get := f.input_for("GetEncryptionConfig", {}, f.project({}))

test_read_only_may_read if count(deny) == 0 with input as acting(["GROUP_READ_ONLY"], get)

test_org_read_only_may_read if count(deny) == 0 with input as acting(["ORG_READ_ONLY"], get)

test_no_role_is_refused if {
	some v in deny with input as acting([], get)
	v.status == 403
	v.params == ["GROUP_READ_ONLY"]
}

test_read_only_may_not_patch if {
	some v in deny with input as acting(["GROUP_READ_ONLY"], f.patch({"requirePrivateNetworking": true}, f.project({})))
	v.rule == "EAR-CL-01"
}

test_endpoint_reads_need_owner if {
	count(deny) == 1 with input as acting(["ORG_READ_ONLY"], f.input_for("ListPrivateEndpoints", {}, f.project({})))
}

test_no_actor_no_check if count(deny) == 0 with input as f.input_for("UpdateEncryptionConfig", {}, f.project({}))

test_ops_outside_atlas_need_no_role if count(deny) == 0 with input as acting([], f.input_for("ApproveConnection", {}, f.project({})))

create(c) := f.input_for("CreateCluster", {"cluster": c}, f.project({}))

test_cluster_manager_creates_plain_clusters if {
	count(deny) == 0 with input as acting(["GROUP_CLUSTER_MANAGER"], create(f.cluster("c", {})))
}

test_cluster_manager_may_not_enable_cmk if {
	some v in deny with input as acting(["GROUP_CLUSTER_MANAGER"], create(f.cmk("c", ["US_CENTRAL"])))
	v.params == ["GROUP_OWNER"]
}

test_owner_enables_cmk if count(deny) == 0 with input as acting(["GROUP_OWNER"], create(f.cmk("c", ["US_CENTRAL"])))

test_cluster_manager_may_update_a_cmk_cluster if {
	p := f.project({"clusters": [f.cmk("c", ["US_CENTRAL"])]})
	x := f.input_for("UpdateCluster", {"clusterName": "c", "cluster": f.cmk("c", ["US_CENTRAL", "US_EAST_2"])}, p)
	count(deny) == 0 with input as acting(["GROUP_CLUSTER_MANAGER"], x)
}

test_org_owner_may_do_anything if {
	count(deny) == 0 with input as acting(["ORG_OWNER"], f.input_for("CreateProject", {}, null))
}
