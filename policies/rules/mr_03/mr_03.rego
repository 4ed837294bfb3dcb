package earsim.rules

import data.earsim.lib

# METADATA
# title: New nodes only in regions with approved endpoints
# description: Adding a region to an existing cluster is refused likewise when that region has no ACTIVE endpoint.
# custom:
#   id: EAR-MR-03
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_REGION_NOT_APPROVED
#   order: 40
#   codeMD: true
#   remediation: Create and approve an endpoint in the new region before adding it.
#   source: Atlas deploys additional nodes for existing clusters only in the regions with approved private endpoints.
#   md: errorCode is a modelling decision
mr_03["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(mr_03.meta, msg, missing) if {
	input.op == "UpdateCluster"
	lib.private_networking
	lib.has_active_endpoint
	some before in lib.clusters
	before.name == input.request.clusterName
	added := lib.azure_regions(input.request.cluster) - lib.azure_regions(before)
	missing := sort(added - lib.active_regions)
	count(missing) > 0
	msg := sprintf("cannot add regions %v: no approved private endpoint there", [missing])
}
