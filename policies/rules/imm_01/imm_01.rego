# METADATA
# title: Vault, subscription and resource group freeze while endpoints exist
# description: keyVaultName, subscriptionID and resourceGroupName cannot change while at least one endpoint record exists, in any status.
# custom:
#   id: EAR-IMM-01
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE
#   order: 30
#   remediation: Delete every private endpoint (and wait for them to go) before changing the vault, subscription or resource group.
#   source: Once you've set up a private endpoint connection to your AKV, you can't modify the Key Vault Name, Subscription ID, or Resource Group Name of your AKV.
#   md: set up means at least one endpoint record exists; errorCode is a modelling decision
package earsim.rules.imm_01

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

frozen := {"keyVaultName", "subscriptionID", "resourceGroupName"}

changed := sort({f |
	some f in frozen
	value := input.request.azureKeyVault[f]
	value != object.get(lib.enc, f, null)
})

deny contains lib.deny(meta, msg, changed) if {
	input.op == "UpdateEncryptionConfig"
	count(lib.endpoints) > 0
	count(changed) > 0
	msg := sprintf("%v cannot change while private endpoints exist", [changed])
}
