package earsim.tests.pe_05

import data.earsim.fixtures as f
import data.earsim.rules

warn := {x | some x in rules.warn; x.rule == "EAR-PE-05"}

invariant := {x | some x in rules.invariant; x.rule == "EAR-PE-05"}

test_delete_forecasts_deleting if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "FAILED")]})
	some w in warn with input as f.input_for("DeletePrivateEndpoint", {"endpointId": "e1"}, p)
	w.effect == "EndpointDeleting"
}

test_deleting_too_long_is_broken if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "DELETING")]})
	count(invariant) == 0 with input as f.state(p, 60)
	count(invariant) == 1 with input as f.state(p, 61)
}

test_deleting_is_clocked if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "DELETING"), f.endpoint("e2", "US_EAST", "ACTIVE")]})
	rules.clocked == {"e1"} with input as f.state(p, 0)
}
