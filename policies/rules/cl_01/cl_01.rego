package earsim.rules

import data.earsim.lib

# METADATA
# title: Project Owner (or the route's role) is required
# description: Every Atlas route needs a role on the project; enabling CMK on a cluster needs Project Owner.
# custom:
#   id: EAR-CL-01
#   severity: error
#   status: 403
#   errorCode: USER_UNAUTHORIZED
#   order: 0
#   codeMD: true
#   remediation: Use an API key with Project Owner on the project (Project Read Only suffices for GET encryptionAtRest and other reads).
#   source: You must have the Project Owner role to enable customer key management for clusters.
cl_01["meta"] := lib.meta(rego.metadata.rule())

# required[op] is the set of roles any one of which grants the operation.
cl_01["required"] := {
	"GetEncryptionConfig": {"GROUP_READ_ONLY"},
	"UpdateEncryptionConfig": {"GROUP_OWNER"},
	"ListPrivateEndpoints": {"GROUP_OWNER"},
	"CreatePrivateEndpoint": {"GROUP_OWNER"},
	"GetPrivateEndpoint": {"GROUP_OWNER"},
	"DeletePrivateEndpoint": {"GROUP_OWNER"},
	"CreateProject": {"ORG_OWNER"},
	"GetProject": {"GROUP_READ_ONLY"},
	"DeleteProject": {"GROUP_OWNER"},
	"CreateCluster": {"GROUP_CLUSTER_MANAGER"},
	"GetCluster": {"GROUP_READ_ONLY"},
	"ListClusters": {"GROUP_READ_ONLY"},
	"UpdateCluster": {"GROUP_CLUSTER_MANAGER"},
	"PauseCluster": {"GROUP_CLUSTER_MANAGER"},
	"ResumeCluster": {"GROUP_CLUSTER_MANAGER"},
	"DeleteCluster": {"GROUP_CLUSTER_MANAGER"},
	"CreateSnapshot": {"GROUP_OWNER"},
	"ListSnapshots": {"GROUP_READ_ONLY"},
}

# Turning customer key management on for a cluster needs Project Owner.
cl_01["needs"](op) := {"GROUP_OWNER"} if {
	op in {"CreateCluster", "UpdateCluster"}
	lib.uses_cmk(input.request.cluster)
	not cl_01.cluster_already_cmk
} else := cl_01.required[op]

cl_01["cluster_already_cmk"] if {
	some c in lib.clusters
	c.name == input.request.clusterName
	lib.uses_cmk(c)
}

deny contains lib.deny(cl_01.meta, msg, sort(roles)) if {
	input.actor
	roles := cl_01.needs(input.op)
	count(roles & lib.effective_roles) == 0
	msg := sprintf("%s requires one of the roles %v on the project", [input.op, sort(roles)])
}
