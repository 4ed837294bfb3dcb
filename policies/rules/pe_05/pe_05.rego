package earsim.rules

import data.earsim.lib

# METADATA
# title: DELETE moves an endpoint to DELETING, then it is gone
# description: DELETE of a PENDING_ACCEPTANCE, ACTIVE or FAILED endpoint answers 204 and the record goes within 60 s (MD); DELETE of a DELETING endpoint answers 204 and changes nothing.
# custom:
#   id: EAR-PE-05
#   severity: effect
#   status: 204
#   errorCode: ""
#   order: 90
#   remediation: Poll the endpoint until GET answers 404.
#   source: When you delete a private endpoint, the private endpoint transitions to the DELETING status while Atlas deletes the private endpoint.
#   md: deletion takes 60 s of logical time
pe_05["meta"] := lib.meta(rego.metadata.rule())

pe_05["deletion_seconds"] := 60

warn contains lib.warn(pe_05.meta, "EndpointDeleting", msg, {"endpoint": e.id}) if {
	input.op == "DeletePrivateEndpoint"
	some e in lib.endpoints
	e.id == input.request.endpointId
	e.status in {"PENDING_ACCEPTANCE", "ACTIVE", "FAILED", "PENDING_RECREATION"}
	msg := sprintf("endpoint %s in %s goes to DELETING and is gone within %d s", [e.id, e.regionName, pe_05.deletion_seconds])
}

invariant contains lib.broken(pe_05.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status == "DELETING"
	input.now - e.since > pe_05.deletion_seconds
	msg := sprintf("endpoint %s is still DELETING after %d s", [e.id, input.now - e.since])
}

# The invariant above reads the clock about a DELETING endpoint: its answer
# can change with time alone (sim.Report.Clocked).
clocked contains e.id if {
	some e in lib.endpoints
	e.status == "DELETING"
}
