package earsim.rules.pe_03_test

import data.earsim.fixtures as f
import data.earsim.rules.pe_03

test_approval_forecasts_activation if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "PENDING_ACCEPTANCE")]})
	some w in pe_03.warn with input as f.input_for("ApproveConnection", {"endpointId": "e1"}, p)
	w.effect == "EndpointActivated"
}

test_active_without_approval_is_broken if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "ACTIVE"), {"connection": "PENDING"})
	count(pe_03.invariant) == 1 with input as f.state(f.project({"endpoints": [e]}), 0)
}

test_active_with_approval_is_fine if {
	count(pe_03.invariant) == 0 with input as f.state(f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]}), 0)
}
