package earsim.tests.tier_03

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-TIER-03"}

create(c) := f.input_for("CreateCluster", {"cluster": c}, f.project({}))

test_legacy_backup_is_refused if {
	some v in deny with input as create(object.union(f.cmk("c", ["US_CENTRAL"]), {"legacyBackup": true}))
	v.code == "CANNOT_USE_ENCRYPTION_AT_REST_BACKUP_TYPE"
}

test_no_backup_is_fine if count(deny) == 0 with input as create(f.cmk("c", ["US_CENTRAL"]))

# API v2's backupEnabled is Cloud Backup: allowed with customer keys.
test_cloud_backup_is_fine if {
	count(deny) == 0 with input as create(object.union(f.cmk("c", ["US_CENTRAL"]), {"backupEnabled": true}))
}

test_legacy_backup_without_cmk_is_fine if {
	count(deny) == 0 with input as create(f.cluster("c", {"legacyBackup": true}))
}
