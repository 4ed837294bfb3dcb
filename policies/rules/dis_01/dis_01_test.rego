package earsim.tests.dis_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-DIS-01"}

disable(p) := f.input_for("UpdateEncryptionConfig", {"azureKeyVault": {"enabled": false}, "after": f.off}, p)

test_disable_with_endpoints_is_refused if {
	some v in deny with input as disable(f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "FAILED")]}))
	v.code == "CANNOT_DISABLE_ENCRYPTION_AT_REST_DUE_TO_PRIVATE_ENDPOINTS"
}

test_disable_without_endpoints_is_fine if count(deny) == 0 with input as disable(f.project({}))
