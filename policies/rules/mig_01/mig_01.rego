package earsim.rules

import data.earsim.lib

# METADATA
# title: Approval migrates CMK clusters to the private endpoint
# description: Once every Azure region of a CMK cluster has an ACTIVE endpoint under private networking, the cluster uses only the private endpoint.
# custom:
#   id: EAR-MIG-01
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: None needed; optionally disable public access to the vault afterwards.
#   source: After you approve, Atlas automatically migrates all clusters for which you enabled customer managed keys, including existing clusters that allow connections using public internet, to use only the private endpoint connection.
mig_01["meta"] := lib.meta(rego.metadata.rule())

condition contains lib.condition(mig_01.meta, "ClusterMigratedToPrivateEndpoint", msg, {"cluster": c.name}) if {
	some c in lib.cmk_clusters
	private_networking[c.name] == "ACTIVE"
	msg := sprintf("cluster %q uses only the private endpoint connection", [c.name])
}

warn contains lib.warn(mig_01.meta, "ClusterMigratedToPrivateEndpoint", msg, {"cluster": c.name}) if {
	input.op == "ApproveConnection"
	lib.private_networking
	some e in lib.endpoints
	e.id == input.request.endpointId
	some c in lib.cmk_clusters
	e.regionName in lib.azure_regions(c)
	msg := sprintf("cluster %q migrates to the private endpoint once every region has an ACTIVE endpoint", [c.name])
}
