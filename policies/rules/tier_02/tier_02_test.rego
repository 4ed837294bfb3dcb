package earsim.rules.tier_02_test

import data.earsim.fixtures as f
import data.earsim.rules.tier_02

sized(size) := f.cluster("c", {"encryptionAtRestProvider": "AZURE", "regionConfigs": [f.rc("AZURE", "US_CENTRAL", size)]})

create(c) := f.input_for("CreateCluster", {"cluster": c}, f.project({}))

test_m5_is_refused if {
	some v in tier_02.deny with input as create(sized("M5"))
	v.params == ["M5"]
}

test_unknown_size_is_refused if count(tier_02.deny) == 1 with input as create(sized("BIG"))

test_m10_and_up_are_fine if {
	count(tier_02.deny) == 0 with input as create(sized("M10"))
	count(tier_02.deny) == 0 with input as create(sized("M40_NVME"))
	count(tier_02.deny) == 0 with input as create(sized("R700"))
}

test_small_without_cmk_is_fine if {
	count(tier_02.deny) == 0 with input as create(f.cluster("c", {"regionConfigs": [f.rc("AZURE", "US_CENTRAL", "M5")]}))
}
