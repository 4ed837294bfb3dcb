package earsim.rules

import data.earsim.lib

# METADATA
# title: Status shows within three minutes
# description: An approved endpoint reads ACTIVE within 180 s; clients must wait up to 180 s and never assume an exact delay.
# custom:
#   id: EAR-LAG-01
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Poll (or advance the clock) for up to 180 s after approving.
#   source: After you approve the private endpoint, it can take Atlas up to three minutes to reflect the current status of your private endpoint.
lag_01["meta"] := lib.meta(rego.metadata.rule())

lag_01["max_lag_seconds"] := 180

invariant contains lib.broken(lag_01.meta, msg, {"endpoint": e.id}) if {
	some e in lib.endpoints
	e.connection == "APPROVED"
	e.status == "PENDING_ACCEPTANCE"
	input.now - e.approvedAt > lag_01.max_lag_seconds
	msg := sprintf("endpoint %s was approved %d s ago and is still PENDING_ACCEPTANCE", [e.id, input.now - e.approvedAt])
}

# The invariant above reads the clock about an approved endpoint still
# PENDING_ACCEPTANCE: its answer can change with time alone (sim.Report.Clocked).
clocked contains e.id if {
	some e in lib.endpoints
	e.connection == "APPROVED"
	e.status == "PENDING_ACCEPTANCE"
}
