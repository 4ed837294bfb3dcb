package earsim.rules

import data.earsim.lib

# METADATA
# title: No private networking in an INACTIVE project
# description: Turning requirePrivateNetworking on, or creating an endpoint, in an INACTIVE project is refused.
# custom:
#   id: EAR-PROJ-01
#   severity: error
#   status: 409
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_NETWORKING_PROJECT_INACTIVE
#   order: 10
#   codeMD: true
#   remediation: Reactivate the project before configuring private endpoints for Azure Key Vault.
#   source: Atlas doesn't support Encryption at Rest using CMK over private endpoints for projects in the INACTIVE state.
#   md: errorCode unconfirmed
proj_01["meta"] := lib.meta(rego.metadata.rule())

proj_01["inactive"] if lib.project_state == "INACTIVE"

deny contains lib.deny(proj_01.meta, "the project is INACTIVE: private endpoints cannot be created", []) if {
	input.op == "CreatePrivateEndpoint"
	proj_01.inactive
}

deny contains lib.deny(proj_01.meta, "the project is INACTIVE: requirePrivateNetworking cannot be turned on", []) if {
	input.op == "UpdateEncryptionConfig"
	proj_01.inactive
	input.request.after.requirePrivateNetworking == true
	not lib.private_networking
}
