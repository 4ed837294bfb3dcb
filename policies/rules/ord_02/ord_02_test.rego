package earsim.rules.ord_02_test

import data.earsim.fixtures as f
import data.earsim.rules.ord_02

test_pn_without_cmk_is_refused if {
	some v in ord_02.deny with input as f.patch({"requirePrivateNetworking": true}, f.project({"encryption": f.off}))
	v.code == "ENCRYPTION_AT_REST_NOT_ENABLED"
}

test_pn_with_cmk_in_the_same_patch_is_fine if {
	count(ord_02.deny) == 0 with input as f.patch({"enabled": true, "requirePrivateNetworking": true}, f.project({"encryption": f.off}))
}
