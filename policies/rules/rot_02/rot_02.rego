# METADATA
# title: Keep the old key until rotation and snapshots are done
# description: Disabling or deleting the previous key while a rotation deploys (300 s, MD) makes data inaccessible; doing so while snapshots use it makes them unrestorable.
# custom:
#   id: EAR-ROT-02
#   severity: hazard
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Wait until the rotation has deployed and no snapshot uses the old key before disabling or deleting it.
#   source: Do not delete or disable the original Key Identifier until your changes have deployed. If the cluster uses Back Up Your Cluster, do not delete or disable the original Key Identifier until you validate that no snapshots used that key for encryption.
#   md: rotation takes 300 s of logical time, clusters UPDATING meanwhile
package earsim.rules.rot_02

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

snapshots := object.get(input, ["project", "snapshots"], [])

rotating_from := lib.enc.rotation.from

mid_rotation := lib.condition(meta, "DataInaccessible", msg, {"key": rotating_from}) if {
	msg := "the previous key is gone before the rotation has deployed"
}

unrestorable(s) := lib.condition(meta, "SnapshotsUnrestorable", msg, {"snapshot": s.id, "cluster": s.clusterName}) if {
	msg := sprintf("snapshot %s of cluster %q was encrypted with a key that is disabled or deleted", [s.id, s.clusterName])
}

touches(kid) if {
	input.op in {"DisableKey", "DeleteKey"}
	lib.same_key(input.request.keyIdentifier, kid)
}

warn contains mid_rotation if {
	input.op in {"DisableKey", "DeleteKey"}
	touches(rotating_from)
}

warn contains unrestorable(s) if {
	input.op in {"DisableKey", "DeleteKey"}
	some s in snapshots
	touches(s.keyIdentifier)
}

condition contains mid_rotation if lib.key_unusable(rotating_from)

condition contains unrestorable(s) if {
	some s in snapshots
	s.keyIdentifier != ""
	lib.key_unusable(s.keyIdentifier)
}
