# METADATA
# title: Microsoft.Network must be registered
# description: Endpoint provisioning fails (FAILED, EAR-PE-08) when Microsoft.Network is not registered for the vault's subscription.
# custom:
#   id: EAR-NET-01
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Register the Microsoft.Network resource provider on the subscription, then delete and recreate the endpoint.
#   source: You must register Microsoft.Network under your Azure subscription resource providers.
package earsim.rules.net_01

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

message := "Microsoft.Network is not registered for the Key Vault's subscription"

unregistered if {
	some s in input.azure.subscriptions
	s.id == lib.enc.subscriptionID
	s.networkRegistered == false
}

warn contains lib.warn(meta, "EndpointFailed", msg, {"region": input.request.regionName}) if {
	input.op == "CreatePrivateEndpoint"
	unregistered
	msg := sprintf("the endpoint in %s will fail: %s", [input.request.regionName, message])
}

warn contains lib.apply(meta, "EndpointFailed", message, {"endpoint": id}, {"do": "failEndpoint", "endpoint": id, "errorMessage": message}) if {
	input.op == "ProvisionEndpoint"
	unregistered
	id := input.request.endpointId
}
