package earsim.rules

import data.earsim.lib

# METADATA
# title: No CMK on M0, M2, M5, Flex or Serverless
# description: A tenant, Flex or Serverless cluster cannot have encryptionAtRestProvider other than NONE.
# custom:
#   id: EAR-TIER-01
#   severity: error
#   status: 400
#   errorCode: CANNOT_USE_ENCRYPTION_AT_REST_TENANT
#   order: 20
#   remediation: Use a dedicated M10 or larger cluster, or set encryptionAtRestProvider to NONE.
#   source: This feature is not available for any of the following deployments - M0 Free clusters - Flex clusters - Serverless instances
tier_01["meta"] := lib.meta(rego.metadata.rule())

tier_01["tenant_providers"] := {"TENANT", "FLEX", "SERVERLESS"}

deny contains lib.deny(tier_01.meta, msg, [rc.regionName]) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	c := input.request.cluster
	object.get(c, "encryptionAtRestProvider", "NONE") != "NONE"
	some rc in c.regionConfigs
	rc.providerName in tier_01.tenant_providers
	msg := sprintf("cluster %q is a %s deployment; encryption at rest with customer keys needs M10 or larger", [c.name, rc.providerName])
}
