package earsim.rules

import data.earsim.lib

# METADATA
# title: Endpoints need CMK and private networking
# description: Creating an endpoint needs CMK enabled and requirePrivateNetworking true.
# custom:
#   id: EAR-ORD-03
#   severity: error
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_NOT_ENABLED
#   order: 30
#   codeMD: true
#   remediation: Enable CMK, then set requirePrivateNetworking true, then create endpoints.
#   source: To enable private networking and set up a private endpoint in your AKV, you must do the following - Complete the steps to enable Customer-Managed Keys for your project.
#   md: ENCRYPTION_AT_REST_PRIVATE_NETWORKING_NOT_ENABLED is a modelling decision
ord_03["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(ord_03.meta, "encryption at rest is not enabled for the project", []) if {
	input.op == "CreatePrivateEndpoint"
	not lib.cmk_enabled
}

deny contains lib.deny_code(ord_03.meta, "ENCRYPTION_AT_REST_PRIVATE_NETWORKING_NOT_ENABLED", msg, []) if {
	input.op == "CreatePrivateEndpoint"
	lib.cmk_enabled
	not lib.private_networking
	msg := "requirePrivateNetworking is not enabled for the project"
}
