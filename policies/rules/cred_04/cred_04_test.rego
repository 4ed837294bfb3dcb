package earsim.tests.cred_04

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-CRED-04"}

test_existing_enabled_key_is_fine if count(deny) == 0 with input as f.patch({"keyIdentifier": f.key}, f.project({}))

test_missing_key_is_refused if {
	kid := "https://vault1.vault.azure.net/keys/k/00000000000000000000000000000000"
	some v in deny with input as f.patch({"keyIdentifier": kid}, f.project({}))
	v.code == "AZURE_KEY_VAULT_KEY_NOT_FOUND"
}

test_disabled_key_is_refused if {
	some v in deny with input as f.patch({"keyIdentifier": f.key2}, f.project({}))
	v.code == "AZURE_KEY_VAULT_KEY_NOT_ENABLED"
}

test_deleted_key_is_not_found if {
	azure := object.union(f.azure, {"keys": [object.union(f.azure.keys[0], {"deleted": true})]})
	some v in deny with input as object.union(f.patch({"keyIdentifier": f.key}, f.project({})), {"azure": azure})
	v.code == "AZURE_KEY_VAULT_KEY_NOT_FOUND"
}

test_vault_names_compare_without_case if {
	kid := "https://VAULT1.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef"
	count(deny) == 0 with input as f.patch({"keyIdentifier": kid}, f.project({}))
}
