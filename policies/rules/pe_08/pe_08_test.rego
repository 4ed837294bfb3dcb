package earsim.rules.pe_08_test

import data.earsim.fixtures as f
import data.earsim.rules.pe_08

test_failed_without_message_is_broken if {
	count(pe_08.invariant) == 1 with input as f.state(f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "FAILED")]}), 0)
}

test_failed_with_message_is_fine if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "FAILED"), {"errorMessage": "why"})
	count(pe_08.invariant) == 0 with input as f.state(f.project({"endpoints": [e]}), 0)
}
