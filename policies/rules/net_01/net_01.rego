package earsim.rules

import data.earsim.lib

# METADATA
# title: Microsoft.Network must be registered
# description: Endpoint provisioning fails (FAILED, EAR-PE-08) when Microsoft.Network is not registered for the vault's subscription.
# custom:
#   id: EAR-NET-01
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   plan: error
#   remediation: Register the Microsoft.Network resource provider on the subscription, then delete and recreate the endpoint.
#   source: You must register Microsoft.Network under your Azure subscription resource providers.
net_01["meta"] := lib.meta(rego.metadata.rule())

net_01["message"] := "Microsoft.Network is not registered for the Key Vault's subscription"

net_01["unregistered"] if {
	some s in input.azure.subscriptions
	s.id == lib.enc.subscriptionID
	s.networkRegistered == false
}

warn contains lib.warn(net_01.meta, "EndpointFailed", msg, {"region": input.request.regionName}) if {
	input.op == "CreatePrivateEndpoint"
	net_01.unregistered
	msg := sprintf("the endpoint in %s will fail: %s", [input.request.regionName, net_01.message])
}

warn contains lib.apply(net_01.meta, "EndpointFailed", net_01.message, {"endpoint": id}, {"do": "failEndpoint", "endpoint": id, "errorMessage": net_01.message}) if {
	input.op == "ProvisionEndpoint"
	net_01.unregistered
	id := input.request.endpointId
}

# Unregistering Microsoft.Network while the project has an endpoint, in any
# status, takes from the project what its endpoints need (RULES.md section 3:
# a hazard a plan carries out is an error there, hence plan: error).
warn contains lib.warn(net_01.meta, "KmsNetworkAccessDenied", msg, {"subscription": sub}) if {
	input.op == "UnregisterNetwork"
	sub := input.request.subscriptionId
	lib.enc.subscriptionID == sub
	count(lib.endpoints) > 0
	msg := sprintf("Microsoft.Network is unregistered for subscription %s while the project has private endpoints in %v", [sub, lib.sorted_regions(lib.endpoints)])
}
