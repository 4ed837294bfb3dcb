package earsim.rules.ord_03_test

import data.earsim.fixtures as f
import data.earsim.rules.ord_03

create(p) := f.input_for("CreatePrivateEndpoint", {"regionName": "US_CENTRAL"}, p)

test_needs_cmk if {
	some v in ord_03.deny with input as create(f.project({"encryption": f.off}))
	v.code == "ENCRYPTION_AT_REST_NOT_ENABLED"
}

test_needs_private_networking if {
	some v in ord_03.deny with input as create(f.project({}))
	v.code == "ENCRYPTION_AT_REST_PRIVATE_NETWORKING_NOT_ENABLED"
}

test_both_is_fine if count(ord_03.deny) == 0 with input as create(f.project({"encryption": f.pn}))
