package earsim.rules

import data.earsim.lib

# METADATA
# title: No new multi-cloud clusters under private networking
# description: Creating a multi-cloud cluster, or making one multi-cloud, while requirePrivateNetworking is true is refused.
# custom:
#   id: EAR-PROJ-03
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_NETWORKING_MULTI_CLOUD_UNSUPPORTED
#   order: 40
#   codeMD: true
#   remediation: Keep clusters on one cloud provider while the project requires private networking for Azure Key Vault.
#   source: Atlas doesn't support Encryption at Rest using CMK over private endpoints for multi-cloud deployments.
#   md: rule and errorCode are modelling decisions
proj_03["meta"] := lib.meta(rego.metadata.rule())

proj_03["before_multi_cloud"] if {
	some c in lib.clusters
	c.name == input.request.clusterName
	lib.multi_cloud(c)
}

deny contains lib.deny(proj_03.meta, msg, sort(lib.providers(c))) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	lib.private_networking
	c := input.request.cluster
	lib.multi_cloud(c)
	not proj_03.before_multi_cloud
	msg := sprintf("cluster %q would be multi-cloud while the project requires private networking", [c.name])
}
