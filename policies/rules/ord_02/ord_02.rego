# METADATA
# title: Private networking after CMK
# description: requirePrivateNetworking true needs enabled true, in the same PATCH or before.
# custom:
#   id: EAR-ORD-02
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_NOT_ENABLED
#   order: 30
#   remediation: Enable customer key management (enabled true) in the same or an earlier PATCH.
#   source: Complete the steps to enable Customer-Managed Keys for your project.
package earsim.rules.ord_02

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

deny contains lib.deny(meta, "requirePrivateNetworking needs encryption at rest enabled", []) if {
	input.op == "UpdateEncryptionConfig"
	after := input.request.after
	after.requirePrivateNetworking == true
	not after.enabled == true
}
