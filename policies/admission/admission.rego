# METADATA
# title: Admission entry point
# description: |
#   Evaluated before every request. Input: op, request, project, azure, now and,
#   when roles apply, actor. deny refuses the request (the simulator answers with
#   the lowest-order violation); warn forecasts what the request will cause, and
#   forecasts with an "apply" object are consequences the simulator carries out.
package earsim.admission

deny contains v if {
	some v in data.earsim.rules[_].deny
}

warn contains w if {
	some w in data.earsim.rules[_].warn
}

decision := {"deny": deny, "warn": warn}
