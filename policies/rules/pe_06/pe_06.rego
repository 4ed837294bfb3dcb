package earsim.rules

import data.earsim.lib

# METADATA
# title: No DELETE during provisioning
# description: DELETE of an INITIATING endpoint is refused.
# custom:
#   id: EAR-PE-06
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_DELETE_BLOCKED_DURING_PROVISIONING
#   order: 40
#   remediation: Wait until the endpoint leaves INITIATING, then delete it.
#   source: INITIATING - Indicates that Atlas is in the process of creating the private endpoint.
pe_06["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(pe_06.meta, msg, [e.id]) if {
	input.op == "DeletePrivateEndpoint"
	some e in lib.endpoints
	e.id == input.request.endpointId
	e.status == "INITIATING"
	msg := sprintf("endpoint %s is still being provisioned and cannot be deleted yet", [e.id])
}
