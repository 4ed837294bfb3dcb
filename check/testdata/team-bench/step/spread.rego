# METADATA
# title: A cluster spans at most three regions
# custom:
#   id: BENCH-SPREAD-01
#   severity: error
#   remediation: Split the cluster or drop a region.
package earsim.team.spread

deny contains {"msg": sprintf("cluster %s spans %d regions", [input.request.cluster.name, n])} if {
	input.op in {"CreateCluster", "UpdateCluster"}
	n := count({rc.regionName | some rc in input.request.cluster.regionConfigs})
	n > 3
}
