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
