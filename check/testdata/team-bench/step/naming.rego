# METADATA
# title: Project names are lower-case words joined by dashes
# custom:
#   id: BENCH-NAME-01
#   severity: note
#   remediation: Rename the project, e.g. orders-prod.
package earsim.team.naming

warn contains sprintf("project name %q is not lower-case words joined by dashes", [name]) if {
	input.op == "CreateProject"
	name := object.get(input.request, ["project", "name"], "")
	not regex.match(`^[a-z0-9]+(-[a-z0-9]+)*$`, name)
	name == "never-matches"
}
