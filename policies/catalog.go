package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Rule is one rule as its package's METADATA block describes it.
type Rule struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Severity    string `json:"severity"`        // error, effect or hazard
	Check       string `json:"check,omitempty"` // severity a policy check reports, where it differs
	Plan        string `json:"plan,omitempty"`  // severity of its forecast at a step a plan carries out (RULES.md section 3: hazards in plans)
	Status      int    `json:"status"`
	ErrorCode   string `json:"errorCode,omitempty"`
	Remediation string `json:"remediation"`
	Source      string `json:"source"` // the seed (or API) sentence it comes from
	Modelling   string `json:"modellingDecision,omitempty"`
	CodeIsMD    bool   `json:"errorCodeIsModellingDecision,omitempty"` // no live answer confirms the errorCode
	Package     string `json:"package"`
	File        string `json:"file"`
	Order       int    `json:"order,omitempty"` // refusals are answered in this order: the first that applies
	Team        bool   `json:"team,omitempty"`  // a team's own rule (earsim check/serve/rules --policy DIR)
}

// Catalog lists every rule of the policies, ordered by ID, from the
// annotations the compiler holds: each rule file's METADATA block, on its
// NAME.meta rule. The Rego is the one place rules live.
func (e *Engine) Catalog() []Rule {
	var out []Rule
	for _, ref := range e.compiler.GetAnnotationSet().Flatten() {
		a := ref.Annotations
		if a == nil || a.Custom["id"] == nil {
			continue
		}
		c := a.Custom
		s := func(k string) string {
			if v, ok := c[k]; ok && v != nil {
				return strings.TrimSpace(fmt.Sprint(v))
			}
			return ""
		}
		status, order := 0, 0
		fmt.Sscan(s("status"), &status)
		fmt.Sscan(s("order"), &order)
		out = append(out, Rule{
			ID: s("id"), Title: a.Title, Description: strings.TrimSpace(a.Description), Severity: s("severity"),
			Check: s("check"), Plan: s("plan"), Status: status, ErrorCode: s("errorCode"), Remediation: s("remediation"),
			Source: s("source"), Modelling: s("md"), CodeIsMD: s("codeMD") == "true", Package: ast.Ref(ref.Path[:len(ref.Path)-1]).String(), File: ref.Location.File,
			Order: order,
		})
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}
