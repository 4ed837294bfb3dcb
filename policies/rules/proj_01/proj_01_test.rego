package earsim.rules.proj_01_test

import data.earsim.fixtures as f
import data.earsim.rules.proj_01

inactive := f.project({"state": "INACTIVE"})

test_pn_on_in_inactive_project_is_refused if {
	some v in proj_01.deny with input as f.patch({"requirePrivateNetworking": true}, inactive)
	v.status == 409
}

test_endpoint_in_inactive_project_is_refused if {
	count(proj_01.deny) == 1 with input as f.input_for("CreatePrivateEndpoint", {"regionName": "US_CENTRAL"}, inactive)
}

test_active_project_is_fine if {
	count(proj_01.deny) == 0 with input as f.patch({"requirePrivateNetworking": true}, f.project({}))
}

test_pn_already_on_is_not_a_turn if {
	count(proj_01.deny) == 0 with input as f.patch({"requirePrivateNetworking": true}, f.project({"state": "INACTIVE", "encryption": f.pn}))
}
