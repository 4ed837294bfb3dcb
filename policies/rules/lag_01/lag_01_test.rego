package earsim.rules.lag_01_test

import data.earsim.fixtures as f
import data.earsim.rules.lag_01

approved := object.union(f.endpoint("e1", "US_CENTRAL", "PENDING_ACCEPTANCE"), {"connection": "APPROVED", "approvedAt": 100})

test_shows_within_three_minutes if count(lag_01.invariant) == 0 with input as f.state(f.project({"endpoints": [approved]}), 280)

test_later_is_broken if count(lag_01.invariant) == 1 with input as f.state(f.project({"endpoints": [approved]}), 281)
