package earsim.rules.pe_02_test

import data.earsim.fixtures as f
import data.earsim.rules.pe_02

test_pending_without_connection_name_is_broken if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "PENDING_ACCEPTANCE"), {"privateEndpointConnectionName": ""})
	count(pe_02.invariant) == 1 with input as f.state(f.project({"endpoints": [e]}), 0)
}

test_initiating_too_long_is_broken if {
	p := f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "INITIATING")]})
	count(pe_02.invariant) == 0 with input as f.state(p, 60)
	count(pe_02.invariant) == 1 with input as f.state(p, 61)
}

test_provisioned_endpoint_is_fine if {
	count(pe_02.invariant) == 0 with input as f.state(f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]}), 500)
}
