package earsim.tests.pe_06

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-PE-06"}

del(status) := f.input_for("DeletePrivateEndpoint", {"endpointId": "e1"}, f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", status)]}))

test_initiating_cannot_be_deleted if {
	some v in deny with input as del("INITIATING")
	v.code == "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_DELETE_BLOCKED_DURING_PROVISIONING"
}

test_others_can_be_deleted if {
	every s in ["PENDING_ACCEPTANCE", "ACTIVE", "FAILED", "DELETING"] {
		count(deny) == 0 with input as del(s)
	}
}
