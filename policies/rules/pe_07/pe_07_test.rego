package earsim.rules.pe_07_test

import data.earsim.fixtures as f
import data.earsim.rules.pe_07

create(status) := f.input_for("CreatePrivateEndpoint", {"regionName": "US_CENTRAL"}, f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", status)]}))

test_live_endpoint_holds_its_region if {
	every s in ["INITIATING", "PENDING_ACCEPTANCE", "ACTIVE", "PENDING_RECREATION"] {
		count(pe_07.deny) == 1 with input as create(s)
	}
}

test_failed_or_deleting_do_not if {
	count(pe_07.deny) == 0 with input as create("FAILED")
	count(pe_07.deny) == 0 with input as create("DELETING")
}
