package earsim.rules

import data.earsim.lib

# METADATA
# title: CMK needs Cloud Backup or no backup, not legacy backup
# description: >-
#   A CMK cluster must not use legacy backup. In API v2 (and the Terraform
#   provider's mongodbatlas_advanced_cluster) backupEnabled is Cloud Backup and
#   is allowed with CMK; legacy backup exists only in the v1.0 cluster shape
#   (mongodbatlas_cluster with backup_enabled true and cloud_backup false).
# custom:
#   id: EAR-TIER-03
#   severity: error
#   status: 400
#   errorCode: CANNOT_USE_ENCRYPTION_AT_REST_BACKUP_TYPE
#   order: 22
#   remediation: Use Cloud Backup (cloud_backup = true, or API v2 backupEnabled) or no backup on a cluster with customer keys; legacy backup cannot be combined with them.
#   source: "the cluster ... instanceSize setting must be M10 or higher and \"backupEnabled\" : false or omitted entirely."
tier_03["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(tier_03.meta, msg, []) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	c := input.request.cluster
	object.get(c, "encryptionAtRestProvider", "NONE") != "NONE"
	c.legacyBackup == true
	msg := sprintf("cluster %q has legacy backup (the v1.0 shape's backupEnabled without cloud backup); customer key management needs Cloud Backup or none", [c.name])
}
