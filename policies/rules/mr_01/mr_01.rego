package earsim.rules

import data.earsim.lib

# METADATA
# title: An endpoint in every region of a CMK cluster
# description: A CMK cluster under private networking with an Azure region that has no ACTIVE endpoint cannot reach its key there.
# custom:
#   id: EAR-MR-01
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   check: error
#   remediation: Create and approve a private endpoint in every region where the cluster is deployed.
#   source: If you are using a multi-region cluster, you must create a private endpoint for your AKV in each region where your cluster is deployed.
mr_01["meta"] := lib.meta(rego.metadata.rule())

# uncovered(c, active) lists c's Azure regions without an ACTIVE endpoint.
mr_01["uncovered"](c, active) := lib.azure_regions(c) - active

mr_01["denied"](c, r) := lib.condition(mr_01.meta, "KmsNetworkAccessDenied", msg, {"cluster": c.name, "region": r}) if {
	msg := sprintf("cluster %q cannot reach its key in %s: no ACTIVE private endpoint there", [c.name, r])
}

condition contains mr_01.denied(c, r) if {
	lib.private_networking
	some c in lib.cmk_clusters
	some r in mr_01.uncovered(c, lib.active_regions)
}

# Forecasts for requests that would leave a CMK cluster region uncovered.
warn contains mr_01.denied(c, r) if {
	input.op == "UpdateEncryptionConfig"
	not lib.private_networking
	input.request.after.requirePrivateNetworking == true
	some c in lib.cmk_clusters
	some r in mr_01.uncovered(c, lib.active_regions)
}

warn contains mr_01.denied(c, r) if {
	input.op in {"CreateCluster", "UpdateCluster"}
	lib.private_networking
	c := input.request.cluster
	lib.uses_cmk(c)
	some r in mr_01.uncovered(c, lib.active_regions)
}

warn contains mr_01.denied(c, e.regionName) if {
	input.op in {"DeletePrivateEndpoint", "RejectConnection", "RemoveConnection"}
	lib.private_networking
	some e in lib.endpoints
	e.id == input.request.endpointId
	e.status == "ACTIVE"
	remaining := {x.regionName | some x in lib.endpoints; x.status == "ACTIVE"; x.id != e.id}
	some c in lib.cmk_clusters
	e.regionName in mr_01.uncovered(c, remaining)
}
