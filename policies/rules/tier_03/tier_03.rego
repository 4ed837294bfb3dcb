package earsim.rules

import data.earsim.lib

# METADATA
# title: CMK needs cloud backup, not legacy backup
# description: A CMK cluster must have backupEnabled false or omitted.
# custom:
#   id: EAR-TIER-03
#   severity: error
#   status: 400
#   errorCode: CANNOT_USE_ENCRYPTION_AT_REST_BACKUP_TYPE
#   order: 22
#   remediation: Set backupEnabled to false (use cloud backup, providerBackupEnabled) on the cluster.
#   source: "the cluster ... instanceSize setting must be M10 or higher and \"backupEnabled\" : false or omitted entirely."
tier_03["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(tier_03.meta, msg, []) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	c := input.request.cluster
	object.get(c, "encryptionAtRestProvider", "NONE") != "NONE"
	c.backupEnabled == true
	msg := sprintf("cluster %q has legacy backup (backupEnabled true); customer key management needs it off", [c.name])
}
