package earsim.tests.pe_08

import data.earsim.fixtures as f
import data.earsim.rules

invariant := {x | some x in rules.invariant; x.rule == "EAR-PE-08"}

test_failed_without_message_is_broken if {
	count(invariant) == 1 with input as f.state(f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", "FAILED")]}), 0)
}

test_failed_with_message_is_fine if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "FAILED"), {"errorMessage": "why"})
	count(invariant) == 0 with input as f.state(f.project({"endpoints": [e]}), 0)
}
