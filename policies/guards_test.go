package policies

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Every deny and warn rule leads with an input.op guard (equality or
// membership), except the role check, which applies to every Atlas op. OPA's
// rule index then skips the rules that cannot apply to a request; a rule
// without a guard would be evaluated for every request.
func TestEveryRuleIsGuardedByOp(t *testing.T) {
	mods, err := Modules(false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for doc, ops := range guards(mods) {
		n++
		if ops == nil && doc != "data.earsim.rules.deny@rules/cl_01/cl_01.rego" {
			t.Errorf("%s has a rule without an input.op guard", doc)
		}
	}
	if n < 30 {
		t.Fatalf("only %d guarded rule files found", n)
	}
}

// docGuards maps a document and file ("data.earsim.rules.deny@rules/pe_06/pe_06.rego")
// to the ops its rules there are guarded by; nil means every op.
type docGuards map[string][]string

// guards reads the guards of every deny and warn document of the rule packages.
func guards(mods map[string]*ast.Module) docGuards {
	out := docGuards{}
	any := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		m := mods[name]
		pkg := m.Package.Path.String()
		if pkg != "data.earsim.rules" {
			continue
		}
		for _, r := range m.Rules {
			head := r.Head.Name.String()
			if head == "" && len(r.Head.Reference) > 0 {
				head = r.Head.Reference[0].String()
			}
			if head != "deny" && head != "warn" {
				continue
			}
			doc := pkg + "." + head + "@" + name
			ops := ruleOps(r)
			if ops == nil {
				any[doc] = true
			}
			out[doc] = append(out[doc], ops...)
		}
	}
	for doc := range out {
		if any[doc] {
			out[doc] = nil
			continue
		}
		slices.Sort(out[doc])
		out[doc] = slices.Compact(out[doc])
	}
	return out
}

// ruleOps returns the ops a rule body is guarded by, or nil if unguarded.
func ruleOps(r *ast.Rule) []string {
	inputOp := ast.MustParseRef("input.op")
	for _, e := range r.Body {
		terms, ok := e.Terms.([]*ast.Term)
		if !ok || len(terms) != 3 {
			continue
		}
		op := e.Operator().String()
		a, b := terms[1], terms[2]
		switch op {
		case "equal", "eq":
			if a.Value.Compare(inputOp) == 0 {
				if s, ok := b.Value.(ast.String); ok {
					return []string{string(s)}
				}
			}
			if b.Value.Compare(inputOp) == 0 {
				if s, ok := a.Value.(ast.String); ok {
					return []string{string(s)}
				}
			}
		case "internal.member_2":
			if a.Value.Compare(inputOp) != 0 {
				continue
			}
			var ops []string
			collect := func(t *ast.Term) {
				if s, ok := t.Value.(ast.String); ok {
					ops = append(ops, string(s))
				}
			}
			switch c := b.Value.(type) {
			case ast.Set:
				c.Foreach(collect)
			case *ast.Array:
				c.Foreach(collect)
			}
			if len(ops) > 0 {
				return ops
			}
		}
	}
	return nil
}

// Admission decisions are remembered without the clock (Engine.Admit), so no
// deny or warn rule may read input.now; only state invariants do.
func TestAdmissionIgnoresTheClock(t *testing.T) {
	mods, err := Modules(false)
	if err != nil {
		t.Fatal(err)
	}
	now := ast.MustParseRef("input.now")
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		for _, r := range mods[name].Rules {
			head := r.Head.Name.String()
			if head != "deny" && head != "warn" && !strings.HasPrefix(name, "lib/") {
				continue
			}
			ast.WalkRefs(r, func(ref ast.Ref) bool {
				if ref.HasPrefix(now) {
					t.Errorf("%s: a %s rule reads input.now", name, head)
				}
				return false
			})
		}
	}
}
