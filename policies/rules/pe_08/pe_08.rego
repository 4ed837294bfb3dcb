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
package earsim.rules.pe_08

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

invariant contains lib.broken(meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status == "FAILED"
	object.get(e, "errorMessage", "") == ""
	msg := sprintf("endpoint %s is FAILED without an errorMessage", [e.id])
}
