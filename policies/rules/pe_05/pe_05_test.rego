package earsim.rules.pe_05_test

import data.earsim.fixtures as f
import data.earsim.rules.pe_05

test_delete_forecasts_deleting if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "FAILED")]})
	some w in pe_05.warn with input as f.input_for("DeletePrivateEndpoint", {"endpointId": "e1"}, p)
	w.effect == "EndpointDeleting"
}

test_deleting_too_long_is_broken if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "DELETING")]})
	count(pe_05.invariant) == 0 with input as f.state(p, 60)
	count(pe_05.invariant) == 1 with input as f.state(p, 61)
}
