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
package earsim.rules.pe_03

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

warn contains lib.warn(meta, "EndpointActivated", msg, {"endpoint": e.id}) if {
	input.op == "ApproveConnection"
	some e in lib.endpoints
	e.id == input.request.endpointId
	e.status == "PENDING_ACCEPTANCE"
	msg := sprintf("endpoint %s in %s becomes ACTIVE within 180 s", [e.id, e.regionName])
}

invariant contains lib.broken(meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status == "ACTIVE"
	e.connection != "APPROVED"
	msg := sprintf("endpoint %s is ACTIVE but its Azure connection is %s", [e.id, e.connection])
}
