package earsim.rules

import data.earsim.lib

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
cred_04["meta"] := lib.meta(rego.metadata.rule())

cred_04["checked"] := after if {
	input.op == "UpdateEncryptionConfig"
	input.azure.keys
	after := input.request.after
	after.enabled == true
	lib.parse_key(after.keyIdentifier)
}

deny contains lib.deny(cred_04.meta, msg, [cred_04.checked.keyIdentifier]) if {
	input.op == "UpdateEncryptionConfig"
	not lib.find_key(cred_04.checked.keyIdentifier)
	msg := sprintf("key %q does not exist", [cred_04.checked.keyIdentifier])
}

deny contains lib.deny_code(cred_04.meta, "AZURE_KEY_VAULT_KEY_NOT_ENABLED", msg, [cred_04.checked.keyIdentifier]) if {
	input.op == "UpdateEncryptionConfig"
	lib.find_key(cred_04.checked.keyIdentifier).enabled == false
	msg := sprintf("key %q is disabled", [cred_04.checked.keyIdentifier])
}
