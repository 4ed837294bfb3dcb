package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The admission entry point (admission/admission.rego) unions every rule
// package's deny and warn. Evaluating all of them for every request costs
// far more than the few that apply, so the engine derives, from the rules'
// own guards, which packages an op can reach and prepares one query per op
// over just those. A rule body guarded by `input.op == "X"` or
// `input.op in {...}` applies to those ops only; a document with an
// unguarded rule applies to every op. TestDispatchMatchesEntryPoint proves
// the fast path decides exactly as the entry point.

const rulesRoot = "data.earsim.rules."

// docGuards maps a document ("data.earsim.rules.pe_06.deny") to the ops its
// rules are guarded by; nil means every op.
type docGuards map[string][]string

// guards reads the guards of every deny and warn document of the rule packages.
func guards(mods map[string]*ast.Module) docGuards {
	out := docGuards{}
	any := map[string]bool{}
	for _, name := range sortedKeys(mods) {
		m := mods[name]
		pkg := m.Package.Path.String()
		if !strings.HasPrefix(pkg, rulesRoot) {
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
			doc := pkg + "." + head
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

// query returns the admission query for op: one binding per deny ("d0",
// "d1", ...) and warn ("w0", ...) document that can apply to it. Separate
// bindings, merged in Go, cost far less than a union of sets in Rego.
func (g docGuards) query(op string) string {
	var parts []string
	nd, nw := 0, 0
	for _, doc := range sortedKeys(g) {
		ops := g[doc]
		if ops != nil && !slices.Contains(ops, op) {
			continue
		}
		if strings.HasSuffix(doc, ".deny") {
			parts = append(parts, fmt.Sprintf("d%d := %s", nd, doc))
			nd++
		} else {
			parts = append(parts, fmt.Sprintf("w%d := %s", nw, doc))
			nw++
		}
	}
	if len(parts) == 0 {
		return "true"
	}
	return strings.Join(parts, "; ")
}

// stateQuery returns the state query: the union of every rule package's
// condition and invariant documents, and the derived facts, as the state
// entry point (state/state.rego) reports them.
func stateQuery(mods map[string]*ast.Module) string {
	docs := map[string][]string{}
	for _, name := range sortedKeys(mods) {
		m := mods[name]
		pkg := m.Package.Path.String()
		if !strings.HasPrefix(pkg, rulesRoot) {
			continue
		}
		for _, r := range m.Rules {
			head := r.Head.Name.String()
			if head == "condition" || head == "invariant" {
				docs[head] = append(docs[head], pkg+"."+head)
			}
		}
	}
	union := func(list []string) string {
		slices.Sort(list)
		list = slices.Compact(list)
		if len(list) == 0 {
			return "set()"
		}
		return strings.Join(list, " | ")
	}
	return fmt.Sprintf(`{"conditions": %s, "violations": %s, "valid": data.earsim.rules.cred_05.valid, "clusters": data.earsim.rules.cl_02.private_networking}`,
		union(docs["condition"]), union(docs["invariant"]))
}
