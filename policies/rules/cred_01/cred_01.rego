package earsim.rules

import data.earsim.lib

# METADATA
# title: First enablement needs every azureKeyVault field
# description: The PATCH that first enables CMK must carry every azureKeyVault field; later PATCHes may carry only the changed ones.
# custom:
#   id: EAR-CRED-01
#   severity: error
#   status: 400
#   errorCode: MISSING_ATTRIBUTE
#   order: 20
#   remediation: Send azureEnvironment, clientID, tenantID, secret, subscriptionID, resourceGroupName, keyVaultName and keyIdentifier together with enabled true.
#   source: Atlas requires all the fields.
cred_01.meta := lib.meta(rego.metadata.rule())

cred_01.fields := {
	"azureEnvironment", "clientID", "tenantID", "secret",
	"subscriptionID", "resourceGroupName", "keyVaultName", "keyIdentifier",
}

# The simulator hands the secret over as its digest only.
cred_01.sent contains name if {
	some key, _ in input.request.azureKeyVault
	name := object.get({"secretDigest": "secret"}, key, key)
}

deny contains lib.deny(cred_01.meta, msg, missing) if {
	input.op == "UpdateEncryptionConfig"
	input.request.after.enabled == true
	not lib.cmk_enabled
	missing := sort(cred_01.fields - cred_01.sent)
	count(missing) > 0
	msg := sprintf("enabling encryption at rest needs every azureKeyVault field; missing %v", [missing])
}
