package earsim.rules

import data.earsim.lib

# METADATA
# title: Failed provisioning says why
# description: Provisioning that fails leaves the endpoint FAILED with an errorMessage.
# custom:
#   id: EAR-PE-08
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Read errorMessage, fix the cause (e.g. register Microsoft.Network), delete the endpoint and create it again.
#   source: FAILED - Indicates that the private endpoint creation failed.
pe_08["meta"] := lib.meta(rego.metadata.rule())

invariant contains lib.broken(pe_08.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status == "FAILED"
	object.get(e, "errorMessage", "") == ""
	msg := sprintf("endpoint %s is FAILED without an errorMessage", [e.id])
}
