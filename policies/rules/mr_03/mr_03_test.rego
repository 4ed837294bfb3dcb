package earsim.tests.mr_03

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-MR-03"}

p := f.project({"encryption": f.pn, "clusters": [f.cluster("c", {})], "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})

grow(regions) := f.input_for("UpdateCluster", {"clusterName": "c", "cluster": f.cluster("c", {"regionConfigs": [f.rc("AZURE", r, "M10") | some r in regions]})}, p)

test_adding_an_unapproved_region_is_refused if {
	some v in deny with input as grow(["US_CENTRAL", "US_EAST_2"])
	v.params == ["US_EAST_2"]
}

test_keeping_approved_regions_is_fine if count(deny) == 0 with input as grow(["US_CENTRAL"])
