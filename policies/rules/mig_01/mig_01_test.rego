package earsim.tests.mig_01

import data.earsim.fixtures as f
import data.earsim.rules

warn := {x | some x in rules.warn; x.rule == "EAR-MIG-01"}

condition := {x | some x in rules.condition; x.rule == "EAR-MIG-01"}

test_cmk_cluster_with_every_region_active_is_migrated if {
	p := f.project({"encryption": f.pn, "clusters": [f.cmk("c", ["US_CENTRAL"]), f.cluster("plain", {})], "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})
	cs := condition with input as f.state(p, 0)
	{c.target.cluster | some c in cs} == {"c"}
}

test_not_every_region_active_is_not_migrated if {
	p := f.project({"encryption": f.pn, "clusters": [f.cmk("c", ["US_CENTRAL", "US_EAST_2"])], "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})
	count(condition) == 0 with input as f.state(p, 0)
}

test_approval_forecasts_migration if {
	p := f.project({"encryption": f.pn, "clusters": [f.cmk("c", ["US_CENTRAL"])], "endpoints": [f.endpoint("e1", "US_CENTRAL", "PENDING_ACCEPTANCE")]})
	some w in warn with input as f.input_for("ApproveConnection", {"endpointId": "e1"}, p)
	w.target == {"cluster": "c"}
}
