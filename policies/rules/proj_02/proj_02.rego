package earsim.rules

import data.earsim.lib

# METADATA
# title: Private networking disables multi-cloud clusters
# description: When requirePrivateNetworking becomes true, every multi-cloud cluster is paused (MULTI_CLOUD_UNSUPPORTED) and stays paused while it is true.
# custom:
#   id: EAR-PROJ-02
#   severity: effect
#   check: hazard
#   status: 400
#   errorCode: ENCRYPTION_AT_REST_PRIVATE_NETWORKING_MULTI_CLOUD_UNSUPPORTED
#   order: 40
#   codeMD: true
#   remediation: Move multi-cloud clusters to a single cloud (or another project) before requiring private networking.
#   source: If you enable encryption at rest using CMK over Azure Private Link in an existing project with multi-cloud clusters, Atlas disables the multi-cloud clusters in your project.
#   md: disabled means paused with reason MULTI_CLOUD_UNSUPPORTED; resume refused while private networking is required
proj_02["meta"] := lib.meta(rego.metadata.rule())

proj_02["reason"] := "MULTI_CLOUD_UNSUPPORTED"

warn contains lib.apply(proj_02.meta, "ClusterDisabled", msg, {"cluster": c.name}, {"do": "pauseCluster", "cluster": c.name, "reason": proj_02.reason}) if {
	input.op == "UpdateEncryptionConfig"
	input.request.after.requirePrivateNetworking == true
	not lib.private_networking
	some c in lib.clusters
	lib.multi_cloud(c)
	msg := sprintf("this will disable multi-cloud cluster %q", [c.name])
}

deny contains lib.deny(proj_02.meta, msg, [c.name]) if {
	input.op in {"ResumeCluster", "UpdateCluster"}
	lib.private_networking
	some c in lib.clusters
	c.name == lib.resuming
	c.pauseReason == proj_02.reason
	msg := sprintf("cluster %q is multi-cloud and stays disabled while private networking is required", [c.name])
}

condition contains lib.condition(proj_02.meta, "MultiCloudClusterRunning", msg, {"cluster": c.name}) if {
	lib.private_networking
	some c in lib.clusters
	lib.multi_cloud(c)
	not c.paused
	msg := sprintf("multi-cloud cluster %q runs while private networking is required", [c.name])
}
