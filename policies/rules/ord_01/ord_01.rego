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

# ord_01.enabled(provider) holds when the project has that key provider
# enabled: Azure Key Vault when its configuration is enabled; AWS KMS and
# Google Cloud KMS are never configured in this model.
ord_01["enabled"]("AZURE") if lib.cmk_enabled

deny contains lib.deny(ord_01.meta, msg, [provider]) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	provider := object.get(input.request.cluster, "encryptionAtRestProvider", "NONE")
	provider != "NONE"
	not ord_01.enabled(provider)
	msg := sprintf("cluster %q cannot use %s customer key management: it is not enabled for the project", [input.request.cluster.name, provider])
}
