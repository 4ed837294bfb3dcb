package earsim.rules.dis_02_test

import data.earsim.fixtures as f
import data.earsim.rules.dis_02

disable(p) := f.input_for("UpdateEncryptionConfig", {"azureKeyVault": {"enabled": false}, "after": f.off}, p)

test_disable_with_cmk_clusters_is_refused if {
	some v in dis_02.deny with input as disable(f.project({"clusters": [f.cmk("a", ["US_CENTRAL"]), f.cluster("b", {})]}))
	v.status == 409
	v.params == ["a"]
}

test_disable_without_cmk_clusters_is_fine if {
	count(dis_02.deny) == 0 with input as disable(f.project({"clusters": [f.cluster("b", {})]}))
}
