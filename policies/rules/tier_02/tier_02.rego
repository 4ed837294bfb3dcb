package earsim.rules

import data.earsim.lib

# METADATA
# title: CMK needs M10 or larger
# description: Every region config of a CMK cluster must be a dedicated tier of M10 or larger.
# custom:
#   id: EAR-TIER-02
#   severity: error
#   status: 400
#   errorCode: CANNOT_USE_ENCRYPTION_AT_REST_TENANT
#   order: 21
#   remediation: Scale every region config to M10 or larger before enabling customer key management.
#   source: Use an M10 or larger cluster.
tier_02["meta"] := lib.meta(rego.metadata.rule())

# dedicated(size) holds for M10 and up (M10, M40_NVME, R40, ...).
tier_02["dedicated"](size) if {
	some m in regex.find_all_string_submatch_n(`^[MR]([0-9]+)(_NVME|_LOWCPU)?$`, size, 1)
	to_number(m[1]) >= 10
}

deny contains lib.deny(tier_02.meta, msg, [size]) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	c := input.request.cluster
	object.get(c, "encryptionAtRestProvider", "NONE") != "NONE"
	some rc in c.regionConfigs
	not rc.providerName in tier_01.tenant_providers
	size := object.get(rc, "instanceSize", "")
	not tier_02.dedicated(size)
	msg := sprintf("cluster %q uses instance size %q; encryption at rest with customer keys needs M10 or larger", [c.name, size])
}
