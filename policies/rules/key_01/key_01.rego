package earsim.rules

import data.earsim.lib

# METADATA
# title: Revoking key access pauses CMK clusters
# description: When Atlas's access to the key is revoked, every CMK cluster is paused and cannot be resumed until access is restored.
# custom:
#   id: EAR-KEY-01
#   severity: effect
#   status: 409
#   errorCode: CANNOT_RESUME_CLUSTER_KEY_ACCESS_REVOKED
#   order: 40
#   codeMD: true
#   remediation: Restore Atlas's access to the key in Azure, then resume the clusters.
#   source: You can revoke Atlas's access to an encryption key from within AKV to freeze your data. Atlas automatically pauses your clusters when you revoke access to the encryption key.
#   md: the resume refusal and its errorCode are modelling decisions
key_01["meta"] := lib.meta(rego.metadata.rule())

key_01["reason"] := "KEY_ACCESS_REVOKED"

warn contains lib.apply(key_01.meta, "ClusterPausedKeyRevoked", msg, {"cluster": c.name}, {"do": "pauseCluster", "cluster": c.name, "reason": key_01.reason}) if {
	input.op == "RevokeKeyAccess"
	lib.cmk_enabled
	lib.same_key(input.request.keyIdentifier, lib.enc.keyIdentifier)
	some c in lib.cmk_clusters
	not c.paused
	msg := sprintf("cluster %q is paused: Atlas lost access to its key", [c.name])
}

key_01["access_revoked"] if lib.find_key(lib.enc.keyIdentifier).accessGranted == false

deny contains lib.deny(key_01.meta, msg, [c.name]) if {
	input.op in {"ResumeCluster", "UpdateCluster"}
	key_01.access_revoked
	some c in lib.cmk_clusters
	c.name == lib.resuming
	msg := sprintf("cluster %q cannot resume while Atlas's access to the key is revoked", [c.name])
}
