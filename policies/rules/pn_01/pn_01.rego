package earsim.rules

import data.earsim.lib

# METADATA
# title: Remove every endpoint before turning private networking off
# description: requirePrivateNetworking cannot go from true to false while any endpoint exists, in any status; parameters list the regions.
# custom:
#   id: EAR-PN-01
#   severity: error
#   status: 400
#   errorCode: CANNOT_DISABLE_ENCRYPTION_AT_REST_REQUIRE_PRIVATE_NETWORKING_WHILE_PRIVATE_ENDPOINTS_EXIST
#   order: 30
#   remediation: Delete every private endpoint of the project, wait until they are gone, then PATCH requirePrivateNetworking false.
#   source: To disable private endpoint connections for a project, you must first remove all private endpoints, associated with the project, regardless of their state.
pn_01["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(pn_01.meta, msg, regions) if {
	input.op == "UpdateEncryptionConfig"
	lib.private_networking
	after := input.request.after
	after.enabled == true
	not after.requirePrivateNetworking == true
	count(lib.endpoints) > 0
	regions := lib.sorted_regions(lib.endpoints)
	msg := sprintf("private endpoints still exist in %v", [regions])
}
