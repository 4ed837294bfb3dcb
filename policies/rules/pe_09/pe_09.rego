package earsim.rules

import data.earsim.lib

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
pe_09["meta"] := lib.meta(rego.metadata.rule())

pe_09["statuses"] := {"INITIATING", "PENDING_ACCEPTANCE", "ACTIVE", "PENDING_RECREATION", "FAILED", "DELETING"}

invariant contains lib.broken(pe_09.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	not e.status in pe_09.statuses
	msg := sprintf("endpoint %s has status %q, which is not in the API enum", [e.id, e.status])
}
