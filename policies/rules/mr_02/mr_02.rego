package earsim.rules

import data.earsim.lib

# METADATA
# title: New clusters only in regions with approved endpoints
# description: Once the project requires private networking and has an ACTIVE endpoint, an Azure cluster with a region lacking an ACTIVE endpoint cannot be created.
# custom:
#   id: EAR-MR-02
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_REGION_NOT_APPROVED
#   order: 40
#   codeMD: true
#   remediation: Create and approve an endpoint in each of the cluster's regions first.
#   source: Atlas creates all new clusters only in the regions with approved private endpoints.
#   md: errorCode is a modelling decision
mr_02["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(mr_02.meta, msg, missing) if {
	input.op == "CreateCluster"
	lib.private_networking
	lib.has_active_endpoint
	missing := sort(lib.azure_regions(input.request.cluster) - lib.active_regions)
	count(missing) > 0
	msg := sprintf("regions %v have no approved private endpoint", [missing])
}
