# METADATA
# title: State entry point
# description: |
#   Evaluated on a project's state after each change. conditions are the effects
#   and hazards the state exhibits; violations are invariants of the rules that
#   the state breaks; valid and clusters are derived read-only facts.
package earsim.state

conditions contains c if {
	some c in data.earsim.rules[_].condition
}

violations contains v if {
	some v in data.earsim.rules[_].invariant
}

report := {
	"conditions": conditions,
	"violations": violations,
	"valid": data.earsim.rules.cred_05.valid,
	"clusters": data.earsim.rules.cl_02.private_networking,
}
