package earsim.rules

import data.earsim.lib

# METADATA
# title: Rejected or removed connections are recreated
# description: Rejecting or removing a PENDING_ACCEPTANCE or ACTIVE connection sets PENDING_RECREATION and starts a new endpoint (new id) in the same region.
# custom:
#   id: EAR-PE-04
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Approve the new endpoint once it reaches PENDING_ACCEPTANCE.
#   source: If you remove or reject an active private endpoint from the Azure UI, Atlas automatically attempts to recreate a new private endpoint in the same region.
#   md: the PENDING_RECREATION record disappears when the new endpoint leaves INITIATING
pe_04["meta"] := lib.meta(rego.metadata.rule())

pe_04["recreating_message"] := "Connection request removed, recreating endpoint"

warn contains lib.warn(pe_04.meta, "EndpointRecreating", msg, {"endpoint": e.id}) if {
	input.op in {"RejectConnection", "RemoveConnection"}
	some e in lib.endpoints
	e.id == input.request.endpointId
	e.status in {"PENDING_ACCEPTANCE", "ACTIVE"}
	msg := sprintf("endpoint %s in %s will be recreated and must be approved again", [e.id, e.regionName])
}

invariant contains lib.broken(pe_04.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status == "PENDING_RECREATION"
	object.get(e, "errorMessage", "") != pe_04.recreating_message
	msg := sprintf("endpoint %s is PENDING_RECREATION with errorMessage %q", [e.id, object.get(e, "errorMessage", "")])
}

invariant contains lib.broken(pe_04.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status == "PENDING_RECREATION"
	not pe_04.successor(e)
	msg := sprintf("endpoint %s is PENDING_RECREATION but no new endpoint is INITIATING in %s", [e.id, e.regionName])
}

pe_04["successor"](e) if {
	some n in lib.endpoints
	n.regionName == e.regionName
	n.status == "INITIATING"
}
