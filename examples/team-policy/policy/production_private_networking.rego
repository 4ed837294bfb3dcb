# METADATA
# title: Production projects require private networking
# description: |
#   A project whose name ends in -prod or -production reaches its Key Vault only
#   over private endpoints: its encryption configuration keeps
#   requirePrivateNetworking true, and no cluster uses the customer key while it
#   is false.
# custom:
#   id: ACME-PROD-01
#   severity: error
#   status: 403
#   errorCode: ACME_PRODUCTION_REQUIRES_PRIVATE_NETWORKING
#   remediation: Set require_private_networking = true in azure_key_vault_config and create an approved private endpoint in each cluster region.
package earsim.team.production_private_networking

import data.earsim.lib

production if regex.match(`-(prod|production)$`, input.project.name)

deny contains {"msg": msg} if {
	input.op == "UpdateEncryptionConfig"
	production
	after := input.request.after
	after.enabled == true
	not after.requirePrivateNetworking == true
	msg := sprintf("project %s is production: its Key Vault must be reached over private endpoints (requirePrivateNetworking true)", [input.project.name])
}

deny contains {"msg": msg} if {
	input.op in {"CreateCluster", "UpdateCluster"}
	production
	lib.uses_cmk(input.request.cluster)
	not lib.private_networking
	msg := sprintf("cluster %s uses the customer key in production project %s, whose encryption does not require private networking", [input.request.cluster.name, input.project.name])
}
