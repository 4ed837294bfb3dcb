package earsim.tests.imm_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-IMM-01"}

with_endpoint := f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "FAILED")]})

test_vault_change_is_refused if {
	some v in deny with input as f.patch({"keyVaultName": "vault2", "resourceGroupName": "rg2"}, with_endpoint)
	v.params == ["keyVaultName", "resourceGroupName"]
}

test_same_values_are_not_a_change if {
	count(deny) == 0 with input as f.patch({"keyVaultName": "vault1", "subscriptionID": "s1"}, with_endpoint)
}

test_without_endpoints_is_fine if {
	count(deny) == 0 with input as f.patch({"keyVaultName": "vault2"}, f.project({"encryption": f.pn}))
}
