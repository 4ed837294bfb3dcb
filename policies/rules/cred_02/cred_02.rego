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
package earsim.rules.cred_02

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

deny contains lib.deny(meta, msg, []) if {
	input.op == "UpdateEncryptionConfig"
	input.azure.apps
	after := input.request.after
	after.enabled == true
	not lib.credentials_reach(after)
	msg := sprintf("the Azure credentials for client %q cannot reach key vault %q", [object.get(after, "clientID", ""), object.get(after, "keyVaultName", "")])
}
