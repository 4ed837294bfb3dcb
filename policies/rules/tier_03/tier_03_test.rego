package earsim.rules.tier_03_test

import data.earsim.fixtures as f
import data.earsim.rules.tier_03

create(c) := f.input_for("CreateCluster", {"cluster": c}, f.project({}))

test_legacy_backup_is_refused if {
	some v in tier_03.deny with input as create(object.union(f.cmk("c", ["US_CENTRAL"]), {"backupEnabled": true}))
	v.code == "CANNOT_USE_ENCRYPTION_AT_REST_BACKUP_TYPE"
}

test_no_backup_is_fine if count(tier_03.deny) == 0 with input as create(f.cmk("c", ["US_CENTRAL"]))

test_backup_without_cmk_is_fine if {
	count(tier_03.deny) == 0 with input as create(f.cluster("c", {"backupEnabled": true}))
}
