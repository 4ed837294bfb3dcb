package earsim.rules

import data.earsim.lib

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
ord_02["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(ord_02.meta, "requirePrivateNetworking needs encryption at rest enabled", []) if {
	input.op == "UpdateEncryptionConfig"
	after := input.request.after
	after.requirePrivateNetworking == true
	not after.enabled == true
}
