package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// plan decoding keeps only what terraform.rego reads: the resource changes
// and prior-state resources of the types it judges (Engine.PlanTypes).
// Everything else (planned_values, configuration, other resource types) is
// scanned but never materialised, so a 100 MB plan costs the decoder's
// buffer, not several decoded copies.

// leanPlan is the decoded subset of a plan.
type leanPlan struct {
	FormatVersion   *string         `json:"format_version"`
	Configuration   map[string]any  `json:"configuration"` // the dependency graph of the apply order
	ResourceChanges []keptResource  `json:"resource_changes"`
	PriorState      *leanPriorState `json:"prior_state"`
	// The other top-level keys of Terraform's JSON plan, decoded only when
	// a team rule reads them (input.plan; planKeys).
	TerraformVersion   planPart `json:"terraform_version"`
	Variables          planPart `json:"variables"`
	PlannedValues      planPart `json:"planned_values"`
	ResourceDrift      planPart `json:"resource_drift"`
	OutputChanges      planPart `json:"output_changes"`
	RelevantAttributes planPart `json:"relevant_attributes"`
	Checks             planPart `json:"checks"`
	Timestamp          planPart `json:"timestamp"`
	Applyable          planPart `json:"applyable"`
	Complete           planPart `json:"complete"`
	Errored            planPart `json:"errored"`
}

// planParts are the parts of p a team rule may read, by their key.
func (p *leanPlan) planParts() map[string]*planPart {
	return map[string]*planPart{
		"terraform_version": &p.TerraformVersion, "variables": &p.Variables, "planned_values": &p.PlannedValues,
		"resource_drift": &p.ResourceDrift, "output_changes": &p.OutputChanges, "relevant_attributes": &p.RelevantAttributes,
		"checks": &p.Checks, "timestamp": &p.Timestamp, "applyable": &p.Applyable, "complete": &p.Complete, "errored": &p.Errored,
	}
}

// planPart is a top-level value of the plan, decoded as decodeJSON decodes
// the whole plan when wanted, else only scanned (as an unknown key is).
type planPart struct {
	want, found bool
	v           any
}

func (k *planPart) UnmarshalJSON(b []byte) error {
	if !k.want {
		return nil
	}
	k.found = true
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(&k.v)
}

type leanPriorState struct {
	Values *struct {
		RootModule leanModule `json:"root_module"`
	} `json:"values"`
}

type leanModule struct {
	Resources    []keptResource `json:"resources"`
	ChildModules []leanModule   `json:"child_modules"`
}

// keptResource decodes a resource (change) in full only when its type is
// judged; otherwise it records that it was skipped.
type keptResource struct {
	doc     map[string]any
	skipped bool // a managed resource of a type the rules do not read
}

// typeFilter is the set of resource types the rules read.
type typeFilter map[string]bool

// judged is that set, read once from the embedded policies (New); the
// decoder's UnmarshalJSON cannot take it as an argument.
var (
	judgedOnce sync.Once
	judged     typeFilter
)

func (k *keptResource) UnmarshalJSON(b []byte) error {
	var head struct {
		Type string `json:"type"`
		Mode string `json:"mode"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	if head.Mode != "" && head.Mode != "managed" {
		return nil
	}
	if len(judged) > 0 && !judged[head.Type] { // no list (never expected): judge everything
		k.skipped = true
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(&k.doc)
}

// decodePlan reads a plan and returns the policy input: format_version,
// resource_changes and prior_state.values.root_module.resources (child
// modules' resources flattened in), with the count of skipped changes.
func decodePlan(open opener, path string, r io.Reader) (map[string]any, int, error) {
	doc, skipped, _, err := decodePlanKeeping(open, path, r, nil)
	return doc, skipped, err
}

// decodePlanKeeping is decodePlan that also keeps the plan's top-level
// values at keys (a team's rules read them as input.plan), decoded as
// decodeJSON decodes them: kept is nil when one of keys is not a part it
// can keep (format_version, and the parts the lean decoding filters or
// decodes otherwise: configuration, resource_changes, prior_state; a key
// Terraform does not write), so that the caller reads the plan again.
func decodePlanKeeping(open opener, path string, r io.Reader, keys []string) (doc map[string]any, skipped int, kept map[string]any, err error) {
	var p leanPlan
	parts := p.planParts()
	for _, k := range keys {
		if parts[k] == nil {
			keys = nil
			break
		}
		parts[k].want = true
	}
	doc, skipped, err = p.decode(open, path, r)
	if err != nil || keys == nil {
		return doc, skipped, nil, err
	}
	kept = map[string]any{}
	for _, k := range keys {
		if parts[k].found {
			kept[k] = parts[k].v
		}
	}
	return doc, skipped, kept, nil
}

func (p *leanPlan) decode(open opener, path string, r io.Reader) (map[string]any, int, error) {
	dec := json.NewDecoder(r)
	if err := dec.Decode(p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, 0, &InputError{File: path, Line: lineAt(open, path, te.Offset), Msg: fmt.Sprintf("invalid plan: %s must be %s, not %s", te.Field, kindOf(te.Type.String()), te.Value)}
		}
		return nil, 0, jsonError(open, path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, 0, &InputError{File: path, Line: lineAt(open, path, dec.InputOffset()), Msg: "invalid JSON: more than one value"}
	}
	if p.FormatVersion == nil {
		return nil, 0, &InputError{File: path, Line: 1, Msg: "not a Terraform plan: no format_version (write plans with terraform show -json)"}
	}
	skipped := 0
	changes := []any{}
	for _, k := range p.ResourceChanges {
		if k.skipped {
			skipped++
		} else if k.doc != nil {
			changes = append(changes, k.doc)
		}
	}
	prior := []any{}
	if p.PriorState != nil && p.PriorState.Values != nil {
		prior = flatten(p.PriorState.Values.RootModule, prior)
	}
	doc := map[string]any{
		"format_version":   *p.FormatVersion,
		"resource_changes": changes,
		"prior_state":      map[string]any{"values": map[string]any{"root_module": map[string]any{"resources": prior}}},
	}
	if p.Configuration != nil {
		doc["configuration"] = p.Configuration
	}
	return doc, skipped, nil
}

func flatten(m leanModule, out []any) []any {
	for _, k := range m.Resources {
		if k.doc != nil {
			out = append(out, k.doc)
		}
	}
	for _, c := range m.ChildModules {
		out = flatten(c, out)
	}
	return out
}

func kindOf(goType string) string {
	switch {
	case goType == "string" || goType == "*string":
		return "a string"
	case len(goType) > 1 && goType[:2] == "[]":
		return "a list"
	}
	return "an object"
}
