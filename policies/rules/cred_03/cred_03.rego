package earsim.rules

import data.earsim.lib

# METADATA
# title: Key identifier in the full Azure format
# description: keyIdentifier must be https://{vault}.vault.azure.net/keys/{name}/{version} (vault.azure.cn for AZURE_CHINA, vault.usgovcloudapi.net for AZURE_US_GOVERNMENT).
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
