# METADATA
# title: Production clusters are M30 or larger
# custom:
#   id: BENCH-TIER-01
#   severity: warning
#   remediation: Use instance size M30 or larger for production clusters.
package earsim.team.tiers

small := {"M10", "M20"}

warn contains {"msg": sprintf("cluster %s uses %s in production project %s", [input.request.cluster.name, rc.instanceSize, input.project.name])} if {
	input.op in {"CreateCluster", "UpdateCluster"}
	endswith(input.project.name, "-prod")
	some rc in input.request.cluster.regionConfigs
	rc.instanceSize in small
}
