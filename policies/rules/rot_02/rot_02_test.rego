package earsim.tests.rot_02

import data.earsim.fixtures as f
import data.earsim.rules

warn := {x | some x in rules.warn; x.rule == "EAR-ROT-02"}

condition := {x | some x in rules.condition; x.rule == "EAR-ROT-02"}

rotating := f.project({
	"encryption": object.union(f.enc, {"keyIdentifier": f.key2, "rotation": {"from": f.key, "until": 300}}),
	"clusters": [f.cmk("a", ["US_CENTRAL"])],
	"snapshots": [{"id": "s1", "clusterName": "a", "keyIdentifier": f.key}, {"id": "s0", "clusterName": "a", "keyIdentifier": ""}],
})

test_deleting_the_previous_key_forecasts_both_hazards if {
	ws := warn with input as f.input_for("DeleteKey", {"keyIdentifier": f.key}, rotating)
	f.effects(ws) == {"DataInaccessible", "SnapshotsUnrestorable"}
}

test_other_key_forecasts_nothing if {
	count(warn) == 0 with input as f.input_for("DeleteKey", {"keyIdentifier": f.other_vault_key}, rotating)
}

test_gone_previous_key_is_a_hazard if {
	azure := object.union(f.azure, {"keys": [f.azure.keys[1]]})
	cs := condition with input as object.union(f.state(rotating, 0), {"azure": azure})
	f.effects(cs) == {"DataInaccessible", "SnapshotsUnrestorable"}
}

test_present_previous_key_is_fine if count(condition) == 0 with input as f.state(rotating, 0)
