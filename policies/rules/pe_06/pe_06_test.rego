package earsim.rules.pe_06_test

import data.earsim.fixtures as f
import data.earsim.rules.pe_06

del(status) := f.input_for("DeletePrivateEndpoint", {"endpointId": "e1"}, f.project({"endpoints": [f.endpoint("e1", "US_CENTRAL", status)]}))

test_initiating_cannot_be_deleted if {
	some v in pe_06.deny with input as del("INITIATING")
	v.code == "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_DELETE_BLOCKED_DURING_PROVISIONING"
}

test_others_can_be_deleted if {
	every s in ["PENDING_ACCEPTANCE", "ACTIVE", "FAILED", "DELETING"] {
		count(pe_06.deny) == 0 with input as del(s)
	}
}
