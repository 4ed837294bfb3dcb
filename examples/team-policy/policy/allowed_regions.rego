# METADATA
# title: Only the team's regions
# description: |
#   Clusters and Key Vault private endpoints only in the regions listed in
#   data.acme.regions (data.json beside this file).
# custom:
#   id: ACME-REGION-01
#   severity: error
#   errorCode: ACME_REGION_NOT_ALLOWED
#   remediation: Use one of the regions in data.acme.regions, or add the region there through the platform team's review.
package earsim.team.allowed_regions

deny contains {"msg": msg} if {
	input.op == "CreatePrivateEndpoint"
	region := input.request.regionName
	not region in data.acme.regions
	msg := sprintf("a Key Vault private endpoint in %s: the allowed regions are %v", [region, data.acme.regions])
}

deny contains {"msg": msg} if {
	input.op in {"CreateCluster", "UpdateCluster"}
	some rc in input.request.cluster.regionConfigs
	not rc.regionName in data.acme.regions
	msg := sprintf("cluster %s in %s: the allowed regions are %v", [input.request.cluster.name, rc.regionName, data.acme.regions])
}
