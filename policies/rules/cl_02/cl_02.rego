package earsim.rules

import data.earsim.lib

# METADATA
# title: A cluster's Require Private Networking status
# description: Active when the project requires private networking and every Azure region of the cluster has an ACTIVE endpoint; else Inactive.
# custom:
#   id: EAR-CL-02
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Approve an endpoint in every region of the cluster.
#   source: If you configured Encryption at Rest Using CMK (Over Private Networking) for Atlas at the project level, the status is Active. If you haven't configured any private endpoint connection for your project, the status is Inactive.
cl_02["meta"] := lib.meta(rego.metadata.rule())

private_networking := {c.name: lib.cluster_private_networking(c) | some c in lib.clusters}
