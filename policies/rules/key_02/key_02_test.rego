package earsim.tests.key_02

import data.earsim.fixtures as f
import data.earsim.rules

warn := {x | some x in rules.warn; x.rule == "EAR-KEY-02"}

condition := {x | some x in rules.condition; x.rule == "EAR-KEY-02"}

p := f.project({"clusters": [f.cmk("a", ["US_CENTRAL"])]})

test_disabling_the_key_in_use_is_a_hazard if {
	some w in warn with input as f.input_for("DisableKey", {"keyIdentifier": f.key}, p)
	w.effect == "DataInaccessible"
	w.severity == "hazard"
}

test_another_key_is_no_hazard if {
	count(warn) == 0 with input as f.input_for("DeleteKey", {"keyIdentifier": f.key2}, p)
}

test_disabled_key_in_use_makes_data_inaccessible if {
	azure := object.union(f.azure, {"keys": [object.union(f.azure.keys[0], {"enabled": false})]})
	count(condition) == 1 with input as object.union(f.state(p, 0), {"azure": azure})
}

test_deleted_key_in_use_makes_data_inaccessible if {
	count(condition) == 1 with input as object.union(f.state(p, 0), {"azure": object.union(f.azure, {"keys": []})})
}

test_usable_key_is_fine if count(condition) == 0 with input as f.state(p, 0)

disabled := object.union(f.azure, {"keys": [object.union(f.azure.keys[0], {"enabled": false})]})

test_turning_cmk_on_with_a_disabled_key_is_a_hazard if {
	off := f.project({"clusters": [f.cluster("a", {})]})
	x := object.union(f.input_for("UpdateCluster", {"clusterName": "a", "cluster": f.cmk("a", ["US_CENTRAL"])}, off), {"azure": disabled})
	some w in warn with input as x
	w.effect == "DataInaccessible"
	w.target == {"cluster": "a"}
}

test_a_cmk_cluster_already_counted_is_not_forecast_again if {
	x := object.union(f.input_for("UpdateCluster", {"clusterName": "a", "cluster": f.cmk("a", ["US_CENTRAL"])}, p), {"azure": disabled})
	count(warn) == 0 with input as x
}

test_turning_cmk_on_with_a_usable_key_is_fine if {
	off := f.project({"clusters": [f.cluster("a", {})]})
	count(warn) == 0 with input as f.input_for("CreateCluster", {"clusterName": "a", "cluster": f.cmk("a", ["US_CENTRAL"])}, off)
}
