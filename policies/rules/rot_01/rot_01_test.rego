package earsim.tests.rot_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-ROT-01"}

test_key_of_another_vault_is_refused if {
	some v in deny with input as f.patch({"keyIdentifier": f.other_vault_key}, f.project({}))
	v.params == ["vault2", "vault1"]
}

test_key_of_the_vault_is_fine if count(deny) == 0 with input as f.patch({"keyIdentifier": f.key2}, f.project({}))
