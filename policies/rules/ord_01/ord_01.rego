package earsim.rules

import data.earsim.lib

# METADATA
# title: CMK on the project before CMK on a cluster
# description: A cluster can use encryptionAtRestProvider AZURE only once the project's encryption at rest is enabled.
# custom:
#   id: EAR-ORD-01
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_NOT_ENABLED
#   order: 30
#   remediation: PATCH encryptionAtRest with azureKeyVault.enabled true first.
#   source: You must enable CMK for a project before you can enable it on a cluster in that project.
ord_01["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(ord_01.meta, msg, []) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	lib.uses_cmk(input.request.cluster)
	not lib.cmk_enabled
	msg := sprintf("cluster %q cannot use customer key management: it is not enabled for the project", [input.request.cluster.name])
}
