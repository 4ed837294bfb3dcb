package earsim.tests.mr_02

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-MR-02"}

approved := f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})

test_unapproved_region_is_refused if {
	c := f.cluster("c", {"regionConfigs": [f.rc("AZURE", "US_CENTRAL", "M10"), f.rc("AZURE", "US_EAST_2", "M10")]})
	some v in deny with input as f.input_for("CreateCluster", {"cluster": c}, approved)
	v.params == ["US_EAST_2"]
}

test_approved_region_is_fine if {
	count(deny) == 0 with input as f.input_for("CreateCluster", {"cluster": f.cluster("c", {})}, approved)
}

test_before_any_approval_it_does_not_apply if {
	p := f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "PENDING_ACCEPTANCE")]})
	c := f.cluster("c", {"regionConfigs": [f.rc("AZURE", "US_EAST_2", "M10")]})
	count(deny) == 0 with input as f.input_for("CreateCluster", {"cluster": c}, p)
}
