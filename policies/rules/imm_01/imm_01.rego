package earsim.rules

import data.earsim.lib

# METADATA
# title: Vault, subscription and resource group freeze while endpoints exist
# description: keyVaultName, subscriptionID and resourceGroupName cannot change while at least one endpoint record exists, in any status.
# custom:
#   id: EAR-IMM-01
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE
#   order: 30
#   codeMD: true
#   remediation: Delete every private endpoint (and wait for them to go) before changing the vault, subscription or resource group.
#   source: Once you've set up a private endpoint connection to your AKV, you can't modify the Key Vault Name, Subscription ID, or Resource Group Name of your AKV.
#   md: set up means at least one endpoint record exists; errorCode is a modelling decision
imm_01["meta"] := lib.meta(rego.metadata.rule())

imm_01["frozen"] := {"keyVaultName", "subscriptionID", "resourceGroupName"}

imm_01["changed"] := sort({f |
	some f in imm_01.frozen
	value := input.request.azureKeyVault[f]
	value != object.get(lib.enc, f, null)
})

deny contains lib.deny(imm_01.meta, msg, imm_01.changed) if {
	input.op == "UpdateEncryptionConfig"
	count(lib.endpoints) > 0
	count(imm_01.changed) > 0
	msg := sprintf("%v cannot change while private endpoints exist", [imm_01.changed])
}
