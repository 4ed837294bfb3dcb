package earsim.rules

import data.earsim.lib

# METADATA
# title: Keep the old key until rotation and snapshots are done
# description: Disabling or deleting the previous key while a rotation deploys (300 s, MD) makes data inaccessible; doing so while snapshots use it makes them unrestorable.
# custom:
#   id: EAR-ROT-02
#   severity: hazard
#   status: 200
#   errorCode: ""
#   order: 90
#   plan: error
#   remediation: Wait until the rotation has deployed and no snapshot uses the old key before disabling or deleting it.
#   source: Do not delete or disable the original Key Identifier until your changes have deployed. If the cluster uses Back Up Your Cluster, do not delete or disable the original Key Identifier until you validate that no snapshots used that key for encryption.
#   md: rotation takes 300 s of logical time, clusters UPDATING meanwhile
rot_02["meta"] := lib.meta(rego.metadata.rule())

rot_02["snapshots"] := object.get(input, ["project", "snapshots"], [])

rot_02["rotating_from"] := lib.enc.rotation.from

rot_02["mid_rotation"] := lib.condition(rot_02.meta, "DataInaccessible", msg, {"key": rot_02.rotating_from}) if {
	msg := "the previous key is gone before the rotation has deployed"
}

rot_02["unrestorable"](s) := lib.condition(rot_02.meta, "SnapshotsUnrestorable", msg, {"snapshot": s.id, "cluster": s.clusterName}) if {
	msg := sprintf("snapshot %s of cluster %q was encrypted with a key that is disabled or deleted", [s.id, s.clusterName])
}

rot_02["touches"](kid) if {
	input.op in {"DisableKey", "DeleteKey"}
	lib.same_key(input.request.keyIdentifier, kid)
}

warn contains rot_02.mid_rotation if {
	input.op in {"DisableKey", "DeleteKey"}
	rot_02.touches(rot_02.rotating_from)
}

warn contains rot_02.unrestorable(s) if {
	input.op in {"DisableKey", "DeleteKey"}
	some s in rot_02.snapshots
	rot_02.touches(s.keyIdentifier)
}

condition contains rot_02.mid_rotation if lib.key_unusable(rot_02.rotating_from)

condition contains rot_02.unrestorable(s) if {
	some s in rot_02.snapshots
	s.keyIdentifier != ""
	lib.key_unusable(s.keyIdentifier)
}
