package earsim.tests.cred_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-CRED-01"}

fresh := f.project({"encryption": f.off})

test_partial_first_enablement_is_refused if {
	some v in deny with input as f.patch({"enabled": true, "keyIdentifier": f.key, "secretDigest": "d1"}, fresh)
	v.code == "MISSING_ATTRIBUTE"
	v.params == ["azureEnvironment", "clientID", "keyVaultName", "resourceGroupName", "subscriptionID", "tenantID"]
}

test_full_first_enablement_is_fine if {
	body := object.union(object.remove(f.enc, ["requirePrivateNetworking"]), {"enabled": true})
	count(deny) == 0 with input as f.patch(body, fresh)
}

test_later_partial_patch_is_fine if {
	count(deny) == 0 with input as f.patch({"keyIdentifier": f.key2}, f.project({}))
}
