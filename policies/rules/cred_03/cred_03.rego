package earsim.rules

import data.earsim.lib

# METADATA
# title: Key identifier in the full Azure format
# description: keyIdentifier must be https://{vault}.vault.azure.net/keys/{name}/{version} (vault.azure.cn for AZURE_CHINA, vault.usgovcloudapi.net for AZURE_US_GOVERNMENT). The same format, parsed by lib.parse_key, is the one a key version created on the Azure side must have (op CreateKey, MD in docs/MODEL.md), so the simulator never holds a key that a PATCH would refuse.
# custom:
#   id: EAR-CRED-03
#   severity: error
#   status: 400
#   errorCode: AZURE_KEY_VAULT_KEY_IDENTIFIER_INVALID_FORMAT
#   order: 21
#   remediation: Copy the key's full identifier, including its version, from the Azure portal.
#   source: The key identifier must be provided in the full Azure general format.
cred_03["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(cred_03.meta, msg, [kid]) if {
	input.op == "UpdateEncryptionConfig"
	after := input.request.after
	after.enabled == true
	environment := object.get(after, "azureEnvironment", "AZURE")
	kid := object.get(after, "keyIdentifier", "")
	not lib.key_well_formed(kid, environment)
	msg := sprintf("keyIdentifier %q is not in the full Azure format for %s", [kid, environment])
}

# A key version created on the Azure side (the control route POST
# /_sim/v1/azure/keys, a scenario's CreateKey) is refused in the same words
# when a PATCH naming it would be: one parser for both doors.
deny contains lib.deny(cred_03.meta, msg, [kid]) if {
	input.op == "CreateKey"
	kid := object.get(input.request, "keyIdentifier", "")
	not lib.parse_key(kid)
	msg := sprintf("keyIdentifier %q is not in the full Azure format https://{vault}.vault.azure.net/keys/{name}/{version} (vault: 3 to 24 letters, digits and hyphens starting with a letter; name: 1 to 127 letters, digits and hyphens; version: 32 hexadecimal digits; vault.azure.cn or vault.usgovcloudapi.net for the other clouds)", [kid])
}
