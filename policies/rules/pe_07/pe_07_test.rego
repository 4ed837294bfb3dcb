package earsim.tests.pe_07

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-PE-07"}

create(status) := f.input_for("CreatePrivateEndpoint", {"regionName": "US_CENTRAL"}, f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", status)]}))

test_live_endpoint_holds_its_region if {
	every s in ["INITIATING", "PENDING_ACCEPTANCE", "ACTIVE", "PENDING_RECREATION"] {
		count(deny) == 1 with input as create(s)
	}
}

test_failed_or_deleting_do_not if {
	count(deny) == 0 with input as create("FAILED")
	count(deny) == 0 with input as create("DELETING")
}
