package earsim.tests.lag_01

import data.earsim.fixtures as f
import data.earsim.rules

invariant := {x | some x in rules.invariant; x.rule == "EAR-LAG-01"}

approved := object.union(f.endpoint("e1", "US_CENTRAL", "PENDING_ACCEPTANCE"), {"connection": "APPROVED", "approvedAt": 100})

test_shows_within_three_minutes if count(invariant) == 0 with input as f.state(f.project({"endpoints": [approved]}), 280)

test_later_is_broken if count(invariant) == 1 with input as f.state(f.project({"endpoints": [approved]}), 281)

test_approved_pending_is_clocked if {
	p := f.project({"endpoints": [approved, f.endpoint("e2", "US_EAST", "PENDING_ACCEPTANCE")]})
	rules.clocked == {"e1"} with input as f.state(p, 0)
}
