# METADATA
# title: Production projects are not deleted by a plan
# custom:
#   id: BENCH-DEL-01
#   severity: error
#   remediation: Delete production projects through the platform team.
package earsim.team.teardown

deny contains {"msg": sprintf("project %s is production", [input.project.name])} if {
	input.op == "DeleteProject"
	endswith(input.project.name, "-prod")
}
