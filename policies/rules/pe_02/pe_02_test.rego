package earsim.tests.pe_02

import data.earsim.fixtures as f
import data.earsim.rules

invariant := {x | some x in rules.invariant; x.rule == "EAR-PE-02"}

test_pending_without_connection_name_is_broken if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "PENDING_ACCEPTANCE"), {"privateEndpointConnectionName": ""})
	count(invariant) == 1 with input as f.state(f.project({"endpoints": [e]}), 0)
}

test_initiating_too_long_is_broken if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "INITIATING")]})
	count(invariant) == 0 with input as f.state(p, 60)
	count(invariant) == 1 with input as f.state(p, 61)
}

test_provisioned_endpoint_is_fine if {
	count(invariant) == 0 with input as f.state(f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]}), 500)
}

test_initiating_is_clocked if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "INITIATING"), f.endpoint("e2", "US_EAST", "ACTIVE")]})
	rules.clocked == {"e1"} with input as f.state(p, 0)
}
