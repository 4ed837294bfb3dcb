package earsim.tests.proj_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-PROJ-01"}

inactive := f.project({"state": "INACTIVE"})

test_pn_on_in_inactive_project_is_refused if {
	some v in deny with input as f.patch({"requirePrivateNetworking": true}, inactive)
	v.status == 409
}

test_endpoint_in_inactive_project_is_refused if {
	count(deny) == 1 with input as f.input_for("CreatePrivateEndpoint", {"regionName": "US_CENTRAL"}, inactive)
}

test_active_project_is_fine if {
	count(deny) == 0 with input as f.patch({"requirePrivateNetworking": true}, f.project({}))
}

test_pn_already_on_is_not_a_turn if {
	count(deny) == 0 with input as f.patch({"requirePrivateNetworking": true}, f.project({"state": "INACTIVE", "encryption": f.pn}))
}
