package earsim.rules

import data.earsim.lib

# METADATA
# title: One live endpoint per region
# description: A POST for a region whose endpoint is neither FAILED nor DELETING is refused.
# custom:
#   id: EAR-PE-07
#   severity: error
#   status: 409
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_ALREADY_EXISTS
#   order: 40
#   codeMD: true
#   remediation: Use the existing endpoint, or delete it (and wait) before creating another in that region.
#   source: You must send a separate request for each region in which you want Atlas to create a private endpoint.
#   md: rule and errorCode are modelling decisions
pe_07["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(pe_07.meta, msg, [e.regionName]) if {
	input.op == "CreatePrivateEndpoint"
	some e in lib.endpoints
	e.regionName == input.request.regionName
	lib.live(e)
	msg := sprintf("region %s already has endpoint %s (%s)", [e.regionName, e.id, e.status])
}
