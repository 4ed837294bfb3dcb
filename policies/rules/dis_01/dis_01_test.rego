package earsim.rules.dis_01_test

import data.earsim.fixtures as f
import data.earsim.rules.dis_01

disable(p) := f.input_for("UpdateEncryptionConfig", {"azureKeyVault": {"enabled": false}, "after": f.off}, p)

test_disable_with_endpoints_is_refused if {
	some v in dis_01.deny with input as disable(f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "FAILED")]}))
	v.code == "CANNOT_DISABLE_ENCRYPTION_AT_REST_DUE_TO_PRIVATE_ENDPOINTS"
}

test_disable_without_endpoints_is_fine if count(dis_01.deny) == 0 with input as disable(f.project({}))
