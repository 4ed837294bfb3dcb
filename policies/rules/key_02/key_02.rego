package earsim.rules

import data.earsim.lib

# METADATA
# title: Never disable or delete a key in use
# description: Disabling or deleting the project's key while clusters use customer key management makes their data inaccessible.
# custom:
#   id: EAR-KEY-02
#   severity: hazard
#   status: 200
#   errorCode: ""
#   order: 90
#   plan: error
#   remediation: Disable customer key management on the clusters and the project before disabling or deleting the key.
#   source: Do not disable or delete any AKV keys that any cluster in your Atlas project uses before you have disabled customer key management within the Atlas project. If Atlas can't access an AKV key, any data that the key encrypted becomes inaccessible.
key_02["meta"] := lib.meta(rego.metadata.rule())

key_02["inaccessible"](c) := lib.condition(key_02.meta, "DataInaccessible", msg, {"cluster": c.name}) if {
	msg := sprintf("data of cluster %q is inaccessible: its key is disabled or deleted", [c.name])
}

warn contains key_02.inaccessible(c) if {
	input.op in {"DisableKey", "DeleteKey"}
	lib.cmk_enabled
	lib.same_key(input.request.keyIdentifier, lib.enc.keyIdentifier)
	some c in lib.cmk_clusters
}

condition contains key_02.inaccessible(c) if {
	lib.cmk_enabled
	lib.key_unusable(lib.enc.keyIdentifier)
	some c in lib.cmk_clusters
}

# A cluster that turns customer key management on while the project's key is
# disabled or deleted cannot read its data either (found by earsim explore:
# disable the key, take every cluster off CMK, put one back on).
warn contains key_02.inaccessible(c) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	lib.cmk_enabled
	lib.key_unusable(lib.enc.keyIdentifier)
	c := input.request.cluster
	lib.uses_cmk(c)
	not c.name in {x.name | some x in lib.cmk_clusters}
}
