package policies

import (
	"context"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// TerraformQuery is the entry point for Terraform plans (terraform/terraform.rego).
const TerraformQuery = "data.earsim.terraform.findings"

// PlanFinding is one rule's word on one planned resource change.
type PlanFinding struct {
	Rule     string            `json:"rule"`
	Severity string            `json:"severity"` // error, effect or hazard (a rule's check severity where it has one)
	Kind     string            `json:"kind"`     // refusal, forecast or planned state
	Address  string            `json:"address"`  // Terraform address, or "project ID" for the planned state
	Code     string            `json:"code,omitempty"`
	Effect   string            `json:"effect,omitempty"`
	Msg      string            `json:"msg"`
	Target   map[string]string `json:"target,omitempty"`
}

// PlanResult is what the policies say about a plan.
type PlanResult struct {
	Findings []PlanFinding
	Ignored  int // resource changes of types the rules do not read
}

type planQuery struct {
	once sync.Once
	q    rego.PreparedEvalQuery
	err  error
}

// Plan evaluates the Terraform entry point on a plan as `terraform show
// -json` writes it, already decoded.
func (e *Engine) Plan(ctx context.Context, plan map[string]any) (PlanResult, error) {
	e.plan.once.Do(func() { e.plan.q, e.plan.err = e.prepare(TerraformQuery) })
	if e.plan.err != nil {
		return PlanResult{}, e.plan.err
	}
	// Not through the engine's document cache: a plan is seen once.
	v, err := ast.InterfaceToValue(plan)
	if err != nil {
		return PlanResult{}, fmt.Errorf("policy input: %w", err)
	}
	out, err := evalValue(ctx, e.plan.q, v)
	if err != nil {
		return PlanResult{}, err
	}
	r := PlanResult{Ignored: num(out["ignored"])}
	for _, set := range []string{"deny", "warn"} {
		for _, x := range list(out[set]) {
			m := obj(x)
			r.Findings = append(r.Findings, PlanFinding{
				Rule: str(m["rule"]), Severity: str(m["severity"]), Kind: str(m["kind"]),
				Address: str(m["address"]), Code: str(m["code"]), Effect: str(m["effect"]),
				Msg: str(m["msg"]), Target: strmap(m["target"]),
			})
		}
	}
	return r, nil
}

// PlanTypes lists the resource types the Terraform entry point reads
// (terraform.rego's types); a plan's other resources can be dropped before
// evaluation without changing the findings.
func (e *Engine) PlanTypes() []string {
	rs, err := rego.New(rego.Query("data.earsim.terraform.types"), rego.Compiler(e.compiler)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		return nil
	}
	return strs(rs[0].Expressions[0].Value)
}
