package earsim.rules.pe_09_test

import data.earsim.fixtures as f
import data.earsim.rules.pe_09

test_seed_misspelling_is_broken if {
	e := object.union(f.endpoint("e1", "US_CENTRAL", "INITIATING"), {"status": "INITATING"})
	some v in pe_09.invariant with input as f.state(f.project({"endpoints": [e]}), 0)
	v.rule == "EAR-PE-09"
}

test_enum_statuses_are_fine if {
	eps := [f.endpoint(s, "US_CENTRAL", s) | some s in pe_09.statuses]
	count(pe_09.invariant) == 0 with input as f.state(f.project({"endpoints": eps}), 0)
}
