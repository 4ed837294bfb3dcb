package earsim.rules.cred_05_test

import data.earsim.fixtures as f
import data.earsim.rules.cred_05

test_valid if cred_05.valid with input as f.state(f.project({}), 0)

test_not_enabled_is_not_valid if not cred_05.valid with input as f.state(f.project({"encryption": f.off}), 0)

test_revoked_access_is_not_valid if {
	azure := object.union(f.azure, {"keys": [object.union(f.azure.keys[0], {"accessGranted": false})]})
	not cred_05.valid with input as object.union(f.state(f.project({}), 0), {"azure": azure})
}

test_bad_credentials_are_not_valid if {
	p := f.project({"encryption": object.union(f.enc, {"secretDigest": "old"})})
	not cred_05.valid with input as f.state(p, 0)
}
