package earsim.tests.tier_02

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-TIER-02"}

sized(size) := f.cluster("c", {"encryptionAtRestProvider": "AZURE", "regionConfigs": [f.rc("AZURE", "US_CENTRAL", size)]})

create(c) := f.input_for("CreateCluster", {"cluster": c}, f.project({}))

test_m5_is_refused if {
	some v in deny with input as create(sized("M5"))
	v.params == ["M5"]
}

test_unknown_size_is_refused if count(deny) == 1 with input as create(sized("BIG"))

test_m10_and_up_are_fine if {
	count(deny) == 0 with input as create(sized("M10"))
	count(deny) == 0 with input as create(sized("M40_NVME"))
	count(deny) == 0 with input as create(sized("R700"))
}

test_small_without_cmk_is_fine if {
	count(deny) == 0 with input as create(f.cluster("c", {"regionConfigs": [f.rc("AZURE", "US_CENTRAL", "M5")]}))
}
