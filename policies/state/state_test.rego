package earsim.state_test

import data.earsim.fixtures as f
import data.earsim.state

test_report if {
	p := f.project({"encryption": f.pn, "clusters": [f.cmk("c", ["US_CENTRAL"])], "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})
	r := state.report with input as f.state(p, 0)
	r.valid
	r.clusters == {"c": "ACTIVE"}
	f.effects(r.conditions) == {"ClusterMigratedToPrivateEndpoint"}
	count(r.violations) == 0
}

test_violations_reach_the_report if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "ACTIVE"), {"status": "INITATING"})
	r := state.report with input as f.state(f.project({"endpoints": [e]}), 0)
	{v.rule | some v in r.violations} == {"EAR-PE-09"}
}
