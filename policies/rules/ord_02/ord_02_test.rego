package earsim.tests.ord_02

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-ORD-02"}

test_pn_without_cmk_is_refused if {
	some v in deny with input as f.patch({"requirePrivateNetworking": true}, f.project({"encryption": f.off}))
	v.code == "ENCRYPTION_AT_REST_NOT_ENABLED"
}

test_pn_with_cmk_in_the_same_patch_is_fine if {
	count(deny) == 0 with input as f.patch({"enabled": true, "requirePrivateNetworking": true}, f.project({"encryption": f.off}))
}
