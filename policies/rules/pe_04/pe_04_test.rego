package earsim.rules.pe_04_test

import data.earsim.fixtures as f
import data.earsim.rules.pe_04

test_reject_forecasts_recreation if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})
	some w in pe_04.warn with input as f.input_for("RejectConnection", {"endpointId": "e1"}, p)
	w.effect == "EndpointRecreating"
}

recreating := object.union(f.endpoint("e1", "US_CENTRAL", "PENDING_RECREATION"), {"errorMessage": pe_04.recreating_message})

test_recreation_with_successor_is_fine if {
	p := f.project({"endpoints": [recreating, f.endpoint("e2", "US_CENTRAL", "INITIATING")]})
	count(pe_04.invariant) == 0 with input as f.state(p, 0)
}

test_recreation_without_successor_is_broken if {
	count(pe_04.invariant) == 1 with input as f.state(f.project({"endpoints": [recreating]}), 0)
}

test_recreation_without_message_is_broken if {
	p := f.project({"endpoints": [object.union(recreating, {"errorMessage": ""}), f.endpoint("e2", "US_CENTRAL", "INITIATING")]})
	count(pe_04.invariant) == 1 with input as f.state(p, 0)
}
