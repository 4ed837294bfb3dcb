package earsim.tests.proj_03

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-PROJ-03"}

pn := f.project({"encryption": f.pn, "clusters": [f.cluster("one", {})]})

test_new_multi_cloud_cluster_is_refused if {
	some v in deny with input as f.input_for("CreateCluster", {"cluster": f.multi_cloud("mc")}, pn)
	v.params == ["AWS", "AZURE"]
}

test_making_one_multi_cloud_is_refused if {
	x := f.input_for("UpdateCluster", {"clusterName": "one", "cluster": f.multi_cloud("one")}, pn)
	count(deny) == 1 with input as x
}

test_already_multi_cloud_is_not_refused_again if {
	p := f.project({"encryption": f.pn, "clusters": [f.multi_cloud("mc")]})
	count(deny) == 0 with input as f.input_for("UpdateCluster", {"clusterName": "mc", "cluster": f.multi_cloud("mc")}, p)
}

test_without_pn_is_fine if {
	count(deny) == 0 with input as f.input_for("CreateCluster", {"cluster": f.multi_cloud("mc")}, f.project({}))
}
