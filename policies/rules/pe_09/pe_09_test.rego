package earsim.tests.pe_09

import data.earsim.fixtures as f
import data.earsim.rules

invariant := {x | some x in rules.invariant; x.rule == "EAR-PE-09"}

test_seed_misspelling_is_broken if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "INITIATING"), {"status": "INITATING"})
	some v in invariant with input as f.state(f.project({"endpoints": [e]}), 0)
	v.rule == "EAR-PE-09"
}

test_enum_statuses_are_fine if {
	eps := [f.endpoint(s, "US_CENTRAL", s) | some s in rules.pe_09.statuses]
	count(invariant) == 0 with input as f.state(f.project({"endpoints": eps}), 0)
}
