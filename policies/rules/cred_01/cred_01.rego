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
package earsim.rules.cred_01

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

fields := {
	"azureEnvironment", "clientID", "tenantID", "secret",
	"subscriptionID", "resourceGroupName", "keyVaultName", "keyIdentifier",
}

# The simulator hands the secret over as its digest only.
sent contains name if {
	some key, _ in input.request.azureKeyVault
	name := object.get({"secretDigest": "secret"}, key, key)
}

deny contains lib.deny(meta, msg, missing) if {
	input.op == "UpdateEncryptionConfig"
	input.request.after.enabled == true
	not lib.cmk_enabled
	missing := sort(fields - sent)
	count(missing) > 0
	msg := sprintf("enabling encryption at rest needs every azureKeyVault field; missing %v", [missing])
}
