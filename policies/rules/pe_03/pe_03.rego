package earsim.rules

import data.earsim.lib

# METADATA
# title: Approval makes an endpoint ACTIVE
# description: An endpoint is ACTIVE only once its connection is approved in Azure; approval shows within 180 s.
# custom:
#   id: EAR-PE-03
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Approve the private endpoint connection on the Key Vault in Azure.
#   source: ACTIVE - Indicates that the private endpoint is approved and Atlas can or is using it.
pe_03["meta"] := lib.meta(rego.metadata.rule())

warn contains lib.warn(pe_03.meta, "EndpointActivated", msg, {"endpoint": e.id}) if {
	input.op == "ApproveConnection"
	some e in lib.endpoints
	e.id == input.request.endpointId
	e.status == "PENDING_ACCEPTANCE"
	msg := sprintf("endpoint %s in %s becomes ACTIVE within 180 s", [e.id, e.regionName])
}

invariant contains lib.broken(pe_03.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status == "ACTIVE"
	e.connection != "APPROVED"
	msg := sprintf("endpoint %s is ACTIVE but its Azure connection is %s", [e.id, e.connection])
}
