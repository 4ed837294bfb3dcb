package earsim.tests.dis_02

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-DIS-02"}

disable(p) := f.input_for("UpdateEncryptionConfig", {"azureKeyVault": {"enabled": false}, "after": f.off}, p)

test_disable_with_cmk_clusters_is_refused if {
	some v in deny with input as disable(f.project({"clusters": [f.cmk("a", ["US_CENTRAL"]), f.cluster("b", {})]}))
	v.status == 409
	v.params == ["a"]
}

test_disable_without_cmk_clusters_is_fine if {
	count(deny) == 0 with input as disable(f.project({"clusters": [f.cluster("b", {})]}))
}
