package earsim.rules

import data.earsim.lib

# METADATA
# title: Remove every endpoint before disabling CMK
# description: enabled false is refused while any endpoint exists, in any status.
# custom:
#   id: EAR-DIS-01
#   severity: error
#   status: 400
#   errorCode: CANNOT_DISABLE_ENCRYPTION_AT_REST_DUE_TO_PRIVATE_ENDPOINTS
#   order: 31
#   remediation: Delete every private endpoint of the project and wait until they are gone.
#   source: To disable CMK for a project, you must first remove all private endpoints associated with the project, regardless of their state.
dis_01["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(dis_01.meta, msg, regions) if {
	input.op == "UpdateEncryptionConfig"
	lib.cmk_enabled
	not input.request.after.enabled == true
	count(lib.endpoints) > 0
	regions := lib.sorted_regions(lib.endpoints)
	msg := sprintf("encryption at rest cannot be disabled while private endpoints exist in %v", [regions])
}
