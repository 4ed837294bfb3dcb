package earsim.rules.pn_01_test

import data.earsim.fixtures as f
import data.earsim.rules.pn_01

with_endpoints := f.project({"encryption": f.pn, "endpoints": [
	f.endpoint("e1", "US_EAST_2", "ACTIVE"),
	f.endpoint("e2", "US_CENTRAL", "DELETING"),
	f.endpoint("e3", "US_CENTRAL", "FAILED"),
]})

test_pn_off_with_endpoints_is_refused if {
	some v in pn_01.deny with input as f.patch({"requirePrivateNetworking": false}, with_endpoints)
	v.params == ["US_CENTRAL", "US_EAST_2"]
}

test_pn_off_without_endpoints_is_fine if {
	count(pn_01.deny) == 0 with input as f.patch({"requirePrivateNetworking": false}, f.project({"encryption": f.pn}))
}
