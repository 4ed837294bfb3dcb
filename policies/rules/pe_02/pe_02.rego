package earsim.rules

import data.earsim.lib

# METADATA
# title: Provisioning ends in PENDING_ACCEPTANCE with a connection name
# description: An INITIATING endpoint becomes PENDING_ACCEPTANCE within 60 s (MD) and then carries privateEndpointConnectionName.
# custom:
#   id: EAR-PE-02
#   severity: effect
#   status: 202
#   errorCode: ""
#   order: 90
#   remediation: Wait for provisioning, then approve the connection in Azure.
#   source: INITIATING - Indicates that Atlas is in the process of creating the private endpoint.
#   md: provisioning takes 60 s of logical time
pe_02["meta"] := lib.meta(rego.metadata.rule())

pe_02["provisioning_seconds"] := 60

invariant contains lib.broken(pe_02.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status in {"PENDING_ACCEPTANCE", "ACTIVE"}
	object.get(e, "privateEndpointConnectionName", "") == ""
	msg := sprintf("endpoint %s is %s without a privateEndpointConnectionName", [e.id, e.status])
}

invariant contains lib.broken(pe_02.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.status == "INITIATING"
	input.now - e.since > pe_02.provisioning_seconds
	msg := sprintf("endpoint %s is still INITIATING after %d s", [e.id, input.now - e.since])
}

# The invariant above reads the clock about an INITIATING endpoint: its
# answer can change with time alone (sim.Report.Clocked).
clocked contains e.id if {
	some e in lib.endpoints
	e.status == "INITIATING"
}
