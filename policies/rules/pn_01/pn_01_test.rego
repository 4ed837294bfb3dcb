package earsim.tests.pn_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-PN-01"}

with_endpoints := f.project({"encryption": f.pn, "endpoints": [
	f.endpoint("e1", "US_EAST_2", "ACTIVE"),
	f.endpoint("e2", "US_CENTRAL", "DELETING"),
	f.endpoint("e3", "US_CENTRAL", "FAILED"),
]})

test_pn_off_with_endpoints_is_refused if {
	some v in deny with input as f.patch({"requirePrivateNetworking": false}, with_endpoints)
	v.params == ["US_CENTRAL", "US_EAST_2"]
}

test_pn_off_without_endpoints_is_fine if {
	count(deny) == 0 with input as f.patch({"requirePrivateNetworking": false}, f.project({"encryption": f.pn}))
}
