# METADATA
# title: Deleting a Key Vault endpoint is announced
# custom:
#   id: BENCH-PE-01
#   severity: warning
#   remediation: Announce the change in the platform channel first.
package earsim.team.endpoints

import data.earsim.lib

warn contains sprintf("endpoint %s (%s) is deleted while %d cluster(s) use the customer key", [e.id, e.regionName, n]) if {
	input.op == "DeletePrivateEndpoint"
	some e in lib.endpoints
	e.id == input.request.endpointId
	n := count(lib.cmk_clusters)
	n > 100
}
