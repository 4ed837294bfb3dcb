package earsim.tests.pe_03

import data.earsim.fixtures as f
import data.earsim.rules

warn := {x | some x in rules.warn; x.rule == "EAR-PE-03"}

invariant := {x | some x in rules.invariant; x.rule == "EAR-PE-03"}

test_approval_forecasts_activation if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "PENDING_ACCEPTANCE")]})
	some w in warn with input as f.input_for("ApproveConnection", {"endpointId": "e1"}, p)
	w.effect == "EndpointActivated"
}

test_active_without_approval_is_broken if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "ACTIVE"), {"connection": "PENDING"})
	count(invariant) == 1 with input as f.state(f.project({"endpoints": [e]}), 0)
}

test_active_with_approval_is_fine if {
	count(invariant) == 0 with input as f.state(f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]}), 0)
}
