# METADATA
# title: Plans come from Terraform or OpenTofu 1.x
# custom:
#   id: BENCH-PLAN-01
#   severity: warning
#   remediation: Upgrade Terraform to 1.x.
package earsim.team.plan_version

warn contains sprintf("the plan was written by Terraform %s, step %d of %d", [v, input.step.n, input.step.of]) if {
	v := input.plan.terraform_version
	startswith(v, "0.")
}
