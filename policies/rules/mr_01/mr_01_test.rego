package earsim.tests.mr_01

import data.earsim.fixtures as f
import data.earsim.rules

warn := {x | some x in rules.warn; x.rule == "EAR-MR-01"}

condition := {x | some x in rules.condition; x.rule == "EAR-MR-01"}

two := f.cmk("mr", ["US_CENTRAL", "US_EAST_2"])

test_region_without_active_endpoint_is_denied if {
	p := f.project({"encryption": f.pn, "clusters": [two], "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})
	cs := condition with input as f.state(p, 0)
	{c.target | some c in cs} == {{"cluster": "mr", "region": "US_EAST_2"}}
}

test_without_private_networking_nothing_is_denied if {
	count(condition) == 0 with input as f.state(f.project({"clusters": [two]}), 0)
}

test_turning_pn_on_forecasts_denial if {
	count(warn) == 2 with input as f.patch({"requirePrivateNetworking": true}, f.project({"clusters": [two]}))
}

test_new_cmk_cluster_forecasts_denial if {
	p := f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})
	count(warn) == 1 with input as f.input_for("CreateCluster", {"cluster": two}, p)
}

test_removing_the_only_endpoint_forecasts_denial if {
	p := f.project({"encryption": f.pn, "clusters": [two], "endpoints": [
		f.endpoint("e1", "US_CENTRAL", "ACTIVE"),
		f.endpoint("e2", "US_EAST_2", "ACTIVE"),
	]})
	some w in warn with input as f.input_for("DeletePrivateEndpoint", {"endpointId": "e2"}, p)
	w.target == {"cluster": "mr", "region": "US_EAST_2"}
}
