package earsim.rules.key_02_test

import data.earsim.fixtures as f
import data.earsim.rules.key_02

p := f.project({"clusters": [f.cmk("a", ["US_CENTRAL"])]})

test_disabling_the_key_in_use_is_a_hazard if {
	some w in key_02.warn with input as f.input_for("DisableKey", {"keyIdentifier": f.key}, p)
	w.effect == "DataInaccessible"
	w.severity == "hazard"
}

test_another_key_is_no_hazard if {
	count(key_02.warn) == 0 with input as f.input_for("DeleteKey", {"keyIdentifier": f.key2}, p)
}

test_disabled_key_in_use_makes_data_inaccessible if {
	azure := object.union(f.azure, {"keys": [object.union(f.azure.keys[0], {"enabled": false})]})
	count(key_02.condition) == 1 with input as object.union(f.state(p, 0), {"azure": azure})
}

test_deleted_key_in_use_makes_data_inaccessible if {
	count(key_02.condition) == 1 with input as object.union(f.state(p, 0), {"azure": object.union(f.azure, {"keys": []})})
}

test_usable_key_is_fine if count(key_02.condition) == 0 with input as f.state(p, 0)
