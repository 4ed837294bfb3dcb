# METADATA
# title: State entry point
# description: |
#   Evaluated on a project's state after each change. conditions are the effects
#   and hazards the state exhibits; violations are invariants of the rules that
#   the state breaks; valid and clusters are derived read-only facts; clocked
#   names the records whose answers can change with the clock alone.
package earsim.state

report := {
	"conditions": data.earsim.rules.condition,
	"violations": data.earsim.rules.invariant,
	"valid": data.earsim.rules.valid,
	"clusters": data.earsim.rules.private_networking,
	"clocked": data.earsim.rules.clocked,
}
