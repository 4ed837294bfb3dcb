package earsim.tests.net_01

import data.earsim.fixtures as f
import data.earsim.rules

warn := {x | some x in rules.warn; x.rule == "EAR-NET-01"}

unregistered := object.union(f.azure, {"subscriptions": [{"id": "s1", "networkRegistered": false}]})

p := f.project({"encryption": f.pn})

test_create_forecasts_failure if {
	some w in warn with input as object.union(f.input_for("CreatePrivateEndpoint", {"regionName": "US_CENTRAL"}, p), {"azure": unregistered})
	not w.apply
}

test_provisioning_fails if {
	some w in warn with input as object.union(f.input_for("ProvisionEndpoint", {"endpointId": "e1"}, p), {"azure": unregistered})
	w.apply == {"do": "failEndpoint", "endpoint": "e1", "errorMessage": rules.net_01.message}
}

test_registered_is_fine if count(warn) == 0 with input as f.input_for("ProvisionEndpoint", {"endpointId": "e1"}, p)

with_endpoint := f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "FAILED")]})

test_unregister_with_endpoints_warns if {
	some w in warn with input as f.input_for("UnregisterNetwork", {"subscriptionId": "s1"}, with_endpoint)
	w.target == {"subscription": "s1"}
	w.effect == "KmsNetworkAccessDenied"
}

test_unregister_without_endpoints_is_fine if count(warn) == 0 with input as f.input_for("UnregisterNetwork", {"subscriptionId": "s1"}, p)

test_unregister_other_subscription_is_fine if count(warn) == 0 with input as f.input_for("UnregisterNetwork", {"subscriptionId": "s2"}, with_endpoint)
