# METADATA
# title: Admission entry point
# description: |
#   Evaluated before every request. Input: op, request, project, azure, now and,
#   when roles apply, actor. deny refuses the request (the simulator answers with
#   the lowest-order violation); warn forecasts what the request will cause, and
#   forecasts with an "apply" object are consequences the simulator carries out.
#   Every rule file adds to data.earsim.rules.deny and .warn; OPA's rule index
#   picks the rules whose input.op guard matches.
package earsim.admission

decision := {"deny": data.earsim.rules.deny, "warn": data.earsim.rules.warn}
