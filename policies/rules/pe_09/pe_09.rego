# METADATA
# title: Statuses are the API enum
# description: Status values on the wire are exactly INITIATING, PENDING_ACCEPTANCE, ACTIVE, PENDING_RECREATION, FAILED, DELETING (INITIATING, not the seed's INITATING).
# custom:
#   id: EAR-PE-09
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Compare statuses against the API enum, not the documentation table.
#   source: INITATING - Indicates that Atlas is in the process of creating the private endpoint.
package earsim.rules.pe_09

import data.earsim.lib

meta := lib.meta(rego.metadata.chain())

statuses := {"INITIATING", "PENDING_ACCEPTANCE", "ACTIVE", "PENDING_RECREATION", "FAILED", "DELETING"}

invariant contains lib.broken(meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	not e.status in statuses
	msg := sprintf("endpoint %s has status %q, which is not in the API enum", [e.id, e.status])
}
