package earsim.rules.cred_01_test

import data.earsim.fixtures as f
import data.earsim.rules.cred_01

fresh := f.project({"encryption": f.off})

test_partial_first_enablement_is_refused if {
	some v in cred_01.deny with input as f.patch({"enabled": true, "keyIdentifier": f.key, "secretDigest": "d1"}, fresh)
	v.code == "MISSING_ATTRIBUTE"
	v.params == ["azureEnvironment", "clientID", "keyVaultName", "resourceGroupName", "subscriptionID", "tenantID"]
}

test_full_first_enablement_is_fine if {
	body := object.union(object.remove(f.enc, ["requirePrivateNetworking"]), {"enabled": true})
	count(cred_01.deny) == 0 with input as f.patch(body, fresh)
}

test_later_partial_patch_is_fine if {
	count(cred_01.deny) == 0 with input as f.patch({"keyIdentifier": f.key2}, f.project({}))
}
