package earsim.tests.cl_02

import data.earsim.fixtures as f
import data.earsim.rules

test_statuses if {
	p := f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")], "clusters": [
		f.cluster("in", {}),
		f.cluster("out", {"regionConfigs": [f.rc("AZURE", "US_EAST_2", "M10")]}),
		f.cluster("aws", {"regionConfigs": [f.rc("AWS", "US_EAST_1", "M10")]}),
	]})
	rules.private_networking == {"in": "ACTIVE", "out": "INACTIVE", "aws": "INACTIVE"} with input as f.state(p, 0)
}

test_inactive_without_private_networking if {
	rules.private_networking == {"in": "INACTIVE"} with input as f.state(f.project({"clusters": [f.cluster("in", {})], "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]}), 0)
}
