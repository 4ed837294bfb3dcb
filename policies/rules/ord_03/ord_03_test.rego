package earsim.tests.ord_03

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-ORD-03"}

create(p) := f.input_for("CreatePrivateEndpoint", {"regionName": "US_CENTRAL"}, p)

test_needs_cmk if {
	some v in deny with input as create(f.project({"encryption": f.off}))
	v.code == "ENCRYPTION_AT_REST_NOT_ENABLED"
}

test_needs_private_networking if {
	some v in deny with input as create(f.project({}))
	v.code == "ENCRYPTION_AT_REST_PRIVATE_NETWORKING_NOT_ENABLED"
}

test_both_is_fine if count(deny) == 0 with input as create(f.project({"encryption": f.pn}))
