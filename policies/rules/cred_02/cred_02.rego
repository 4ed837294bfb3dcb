package earsim.rules

import data.earsim.lib

# METADATA
# title: Credentials must reach the vault
# description: clientID, tenantID and secret must match an app registration that can reach the named vault in the named subscription and resource group.
# custom:
#   id: EAR-CRED-02
#   severity: error
#   status: 400
#   errorCode: INVALID_AZURE_CREDENTIALS
#   order: 40
#   remediation: Use a non-expired client secret of an app registration that has access to the Key Vault.
#   source: For the account, you must have the client ID, tenant ID, and secret.
cred_02["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(cred_02.meta, msg, []) if {
	input.op == "UpdateEncryptionConfig"
	input.azure.apps
	after := input.request.after
	after.enabled == true
	not lib.credentials_reach(after)
	msg := sprintf("the Azure credentials for client %q cannot reach key vault %q", [object.get(after, "clientID", ""), object.get(after, "keyVaultName", "")])
}
