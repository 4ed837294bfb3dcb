package earsim.tests.cred_02

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-CRED-02"}

fresh := f.project({"encryption": f.off})

test_good_credentials if count(deny) == 0 with input as f.patch(f.enc, fresh)

test_wrong_secret_is_refused if {
	some v in deny with input as f.patch(object.union(f.enc, {"secretDigest": "wrong"}), fresh)
	v.code == "INVALID_AZURE_CREDENTIALS"
}

test_empty_secret_is_refused if {
	count(deny) == 1 with input as f.patch(object.union(f.enc, {"secretDigest": ""}), fresh)
}

test_vault_out_of_reach_is_refused if {
	count(deny) == 1 with input as f.patch(object.union(f.enc, {"keyVaultName": "vault2"}), fresh)
}

test_unknown_azure_side_is_not_judged if {
	x := object.remove(f.patch(object.union(f.enc, {"secretDigest": "wrong"}), fresh), ["azure"])
	count(deny) == 0 with input as x
}
