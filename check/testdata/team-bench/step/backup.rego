# METADATA
# title: Clusters with the customer key keep Cloud Backup on
# custom:
#   id: BENCH-BACKUP-01
#   severity: error
#   remediation: Set backup_enabled = true.
package earsim.team.backup

import data.earsim.lib

deny contains {"msg": sprintf("cluster %s uses the customer key without Cloud Backup", [input.request.cluster.name])} if {
	input.op in {"CreateCluster", "UpdateCluster"}
	lib.uses_cmk(input.request.cluster)
	input.request.cluster.backupEnabled == false
	input.project.name == "never-matches-in-the-examples"
}
