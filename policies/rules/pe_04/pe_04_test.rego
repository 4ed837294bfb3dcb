package earsim.tests.pe_04

import data.earsim.fixtures as f
import data.earsim.rules

warn := {x | some x in rules.warn; x.rule == "EAR-PE-04"}

invariant := {x | some x in rules.invariant; x.rule == "EAR-PE-04"}

test_reject_forecasts_recreation if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})
	some w in warn with input as f.input_for("RejectConnection", {"endpointId": "e1"}, p)
	w.effect == "EndpointRecreating"
}

recreating := object.union(f.endpoint("e1", "US_CENTRAL", "PENDING_RECREATION"), {"errorMessage": rules.pe_04.recreating_message})

test_recreation_with_successor_is_fine if {
	p := f.project({"endpoints": [recreating, f.endpoint("e2", "US_CENTRAL", "INITIATING")]})
	count(invariant) == 0 with input as f.state(p, 0)
}

test_recreation_without_successor_is_broken if {
	count(invariant) == 1 with input as f.state(f.project({"endpoints": [recreating]}), 0)
}

test_recreation_without_message_is_broken if {
	p := f.project({"endpoints": [object.union(recreating, {"errorMessage": ""}), f.endpoint("e2", "US_CENTRAL", "INITIATING")]})
	count(invariant) == 1 with input as f.state(p, 0)
}
