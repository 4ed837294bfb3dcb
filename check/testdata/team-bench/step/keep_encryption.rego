# METADATA
# title: Production keeps encryption with the customer key on
# custom:
#   id: BENCH-ENC-01
#   severity: error
#   remediation: Keep azure_key_vault_config enabled in production.
package earsim.team.keep_encryption

deny contains {"msg": "customer-key encryption cannot be turned off in production"} if {
	input.op == "UpdateEncryptionConfig"
	regex.match(`-(prod|production)$`, input.project.name)
	input.project.encryption.enabled == true
	input.request.after.enabled == false
}
