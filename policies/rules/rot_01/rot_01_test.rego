package earsim.rules.rot_01_test

import data.earsim.fixtures as f
import data.earsim.rules.rot_01

test_key_of_another_vault_is_refused if {
	some v in rot_01.deny with input as f.patch({"keyIdentifier": f.other_vault_key}, f.project({}))
	v.params == ["vault2", "vault1"]
}

test_key_of_the_vault_is_fine if count(rot_01.deny) == 0 with input as f.patch({"keyIdentifier": f.key2}, f.project({}))
