# METADATA
# title: The key must exist and be enabled
# description: The key that keyIdentifier names must exist in the vault, not be deleted, and be enabled.
# custom:
#   id: EAR-CRED-04
#   severity: error
#   status: 400
#   errorCode: AZURE_KEY_VAULT_KEY_NOT_FOUND
#   order: 41
#   remediation: Create (or re-enable) the key version in Azure Key Vault before pointing Atlas at it.
#   source: Have the Azure account and Key Vault credentials, and the key identifier for the encryption key in your AKV.
package earsim.rules.cred_04

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

checked := after if {
	input.op == "UpdateEncryptionConfig"
	input.azure.keys
	after := input.request.after
	after.enabled == true
	lib.parse_key(after.keyIdentifier)
}

deny contains lib.deny(meta, msg, [checked.keyIdentifier]) if {
	input.op == "UpdateEncryptionConfig"
	not lib.find_key(checked.keyIdentifier)
	msg := sprintf("key %q does not exist", [checked.keyIdentifier])
}

deny contains lib.deny_code(meta, "AZURE_KEY_VAULT_KEY_NOT_ENABLED", msg, [checked.keyIdentifier]) if {
	input.op == "UpdateEncryptionConfig"
	lib.find_key(checked.keyIdentifier).enabled == false
	msg := sprintf("key %q is disabled", [checked.keyIdentifier])
}
