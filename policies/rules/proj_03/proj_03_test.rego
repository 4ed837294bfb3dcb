package earsim.rules.proj_03_test

import data.earsim.fixtures as f
import data.earsim.rules.proj_03

pn := f.project({"encryption": f.pn, "clusters": [f.cluster("one", {})]})

test_new_multi_cloud_cluster_is_refused if {
	some v in proj_03.deny with input as f.input_for("CreateCluster", {"cluster": f.multi_cloud("mc")}, pn)
	v.params == ["AWS", "AZURE"]
}

test_making_one_multi_cloud_is_refused if {
	x := f.input_for("UpdateCluster", {"clusterName": "one", "cluster": f.multi_cloud("one")}, pn)
	count(proj_03.deny) == 1 with input as x
}

test_already_multi_cloud_is_not_refused_again if {
	p := f.project({"encryption": f.pn, "clusters": [f.multi_cloud("mc")]})
	count(proj_03.deny) == 0 with input as f.input_for("UpdateCluster", {"clusterName": "mc", "cluster": f.multi_cloud("mc")}, p)
}

test_without_pn_is_fine if {
	count(proj_03.deny) == 0 with input as f.input_for("CreateCluster", {"cluster": f.multi_cloud("mc")}, f.project({}))
}
