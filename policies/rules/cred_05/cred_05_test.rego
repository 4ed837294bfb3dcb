package earsim.tests.cred_05

import data.earsim.fixtures as f
import data.earsim.rules

test_valid if rules.valid with input as f.state(f.project({}), 0)

test_not_enabled_is_not_valid if not rules.valid with input as f.state(f.project({"encryption": f.off}), 0)

test_revoked_access_is_not_valid if {
	azure := object.union(f.azure, {"keys": [object.union(f.azure.keys[0], {"accessGranted": false})]})
	not rules.valid with input as object.union(f.state(f.project({}), 0), {"azure": azure})
}

test_bad_credentials_are_not_valid if {
	p := f.project({"encryption": object.union(f.enc, {"secretDigest": "old"})})
	not rules.valid with input as f.state(p, 0)
}
