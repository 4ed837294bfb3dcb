package earsim.rules

import data.earsim.lib

# METADATA
# title: A new key must belong to the configured vault
# description: A keyIdentifier whose vault host is not keyVaultName is refused.
# custom:
#   id: EAR-ROT-01
#   severity: error
#   status: 400
#   errorCode: INVALID_ATTRIBUTE
#   order: 35
#   codeMD: true
#   remediation: Create the new key version in the Key Vault configured for the project.
#   source: The encryption key must belong to the Key Vault configured for the project.
#   md: errorCode is a modelling decision
rot_01["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(rot_01.meta, msg, [key.vault, vault]) if {
	input.op == "UpdateEncryptionConfig"
	after := input.request.after
	after.enabled == true
	key := lib.parse_key(after.keyIdentifier)
	vault := object.get(after, "keyVaultName", "")
	lower(key.vault) != lower(vault)
	msg := sprintf("key identifier names vault %q, but the project's vault is %q", [key.vault, vault])
}
