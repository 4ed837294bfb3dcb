package policies

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// What each rule reads of the input, found in the compiled policies rather
// than declared beside them, so that it cannot drift from the Rego: a rule
// reads the input paths its own expressions name (input.project.endpoints,
// object.get(input, ["project", "encryption"], {})), and what the lib rules
// and sibling rule objects it uses read, transitively. A path is the longest
// constant prefix of a reference; a bare `input`, or a path that is not
// constant, reads the whole input.

// readSet is a set of input paths; whole means the entire input. derived
// holds the derived documents (derivedDocs) read in place of the paths they
// are computed from.
type readSet struct {
	whole   bool
	paths   map[string][]string
	derived map[string]bool
}

func newReadSet() *readSet { return &readSet{paths: map[string][]string{}, derived: map[string]bool{}} }

// derivedDocs are small lib documents that a rule is keyed by instead of
// the input they are computed from (paths under data): a rule that reads
// the endpoint list only through lib.active_regions decides alike for any
// two lists with the same ACTIVE regions, so an endpoint's change that
// leaves the ACTIVE regions as they are (a new endpoint INITIATING, one
// PENDING_ACCEPTANCE, a FAILED record) leaves its answer remembered. Each
// is a function of the input alone; its value is evaluated by the Rego.
var derivedDocs = map[string]bool{"earsim/lib/active_regions": true}

// derivedDoc returns the derived document a reference names: the document
// itself or a part of it (a reference to a whole package is not one).
func derivedDoc(ref []string) (string, bool) {
	for i := len(ref); i > 0; i-- {
		if k := strings.Join(ref[:i], "/"); derivedDocs[k] {
			return k, true
		}
	}
	return "", false
}

func (r *readSet) add(p []string) {
	if len(p) == 0 {
		r.whole = true
		return
	}
	r.paths[strings.Join(p, "\x00")] = p
}

// list returns the paths in order, without paths under another one (reading
// project covers project.encryption); nil when the whole input is read.
func (r *readSet) list() [][]string {
	if r.whole {
		return nil
	}
	var out [][]string
	for _, k := range slices.Sorted(maps.Keys(r.paths)) {
		p := r.paths[k]
		covered := false
		for _, q := range out {
			covered = covered || len(q) <= len(p) && slices.Equal(q, p[:len(q)])
		}
		if !covered {
			out = append(out, p)
		}
	}
	return out
}

// modCtx resolves the names of one parsed module: imports (lib.enc is
// data.earsim.lib.enc) and the rules of its own package (enc in lib is
// data.earsim.lib.enc). The analysis reads parsed modules, not compiled ones:
// the compiler moves `input` into local variables where it is an argument.
type modCtx struct {
	pkg     []string
	imports map[string][]string // alias: path under data
	local   map[string]bool     // rule names of the package
}

// scan collects what a node reads directly: input paths into r, and the
// data documents it references (as paths under data).
func (mc *modCtx) scan(node any, r *readSet) (refs [][]string) {
	var vis *ast.GenericVisitor
	// name resolves a name with the constant path after it: the input, a
	// document under data, an import, or a rule of the module's package. A
	// local variable named like a rule of the package counts as that rule:
	// more reads, never fewer.
	name := func(v ast.Var, rest []string) {
		switch {
		case v == "input":
			r.add(rest)
		case v == "data":
			refs = append(refs, rest)
		case mc.imports[string(v)] != nil:
			refs = append(refs, append(slices.Clone(mc.imports[string(v)]), rest...))
		case mc.local[string(v)]:
			refs = append(refs, append(append(slices.Clone(mc.pkg), string(v)), rest...))
		}
	}
	// get handles object.get(input, path, default) with a constant path.
	get := func(op ast.Ref, args []*ast.Term) bool {
		if op.String() != "object.get" || len(args) < 2 || !ast.InputRootRef.Equal(refOf(args[0])) {
			return false
		}
		var path []string
		switch p := args[1].Value.(type) {
		case ast.String:
			path = []string{string(p)}
		case *ast.Array:
			for i := 0; i < p.Len(); i++ {
				s, ok := p.Elem(i).Value.(ast.String)
				if !ok {
					return false
				}
				path = append(path, string(s))
			}
		default:
			return false
		}
		r.add(path)
		for _, a := range args[2:] {
			vis.Walk(a)
		}
		return true
	}
	vis = ast.NewGenericVisitor(func(x any) bool {
		switch x := x.(type) {
		case *ast.Expr:
			if x.IsCall() {
				return get(x.Operator(), x.Operands())
			}
		case ast.Call:
			if op, ok := x[0].Value.(ast.Ref); ok {
				return get(op, x[1:])
			}
		case ast.Ref:
			v, ok := x[0].Value.(ast.Var)
			if !ok {
				return false
			}
			name(v, constPrefix(x[1:]))
			for _, t := range x[1:] {
				vis.Walk(t) // the head is handled; dynamic parts may read more
			}
			return true
		case ast.Var:
			name(x, nil)
		}
		return false
	})
	vis.Walk(node)
	return refs
}

func refOf(t *ast.Term) ast.Ref {
	r, _ := t.Value.(ast.Ref)
	return r
}

// constPrefix is the leading constant strings of a reference's path.
func constPrefix(ts []*ast.Term) []string {
	var out []string
	for _, t := range ts {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		out = append(out, string(s))
	}
	return out
}

// ruleName is the document a rule defines, e.g. deny or imm_01.
func ruleName(r *ast.Rule) string { return string(r.Head.Ref()[0].Value.(ast.Var)) }

// readAnalysis computes read sets over parsed modules.
type readAnalysis struct {
	rules map[string][]*ast.Rule // by document path under data ("earsim/lib/enc")
	ctx   map[*ast.Rule]*modCtx
}

func newReadAnalysis(mods map[string]*ast.Module) *readAnalysis {
	a := &readAnalysis{rules: map[string][]*ast.Rule{}, ctx: map[*ast.Rule]*modCtx{}}
	local := map[string]map[string]bool{} // package: rule names
	for _, m := range mods {
		pkg := strings.Join(constPrefix(m.Package.Path[1:]), "/")
		if local[pkg] == nil {
			local[pkg] = map[string]bool{}
		}
		for _, rule := range m.Rules {
			local[pkg][ruleName(rule)] = true
		}
	}
	for _, m := range mods {
		pkg := constPrefix(m.Package.Path[1:])
		mc := &modCtx{pkg: pkg, imports: map[string][]string{}, local: local[strings.Join(pkg, "/")]}
		for _, imp := range m.Imports {
			ref, ok := imp.Path.Value.(ast.Ref)
			if !ok || !ref[0].Equal(ast.DefaultRootDocument) {
				continue
			}
			path := constPrefix(ref[1:])
			alias := string(imp.Alias)
			if alias == "" && len(path) > 0 {
				alias = path[len(path)-1]
			}
			mc.imports[alias] = path
		}
		for _, rule := range m.Rules {
			k := strings.Join(append(slices.Clone(pkg), ruleName(rule)), "/")
			a.rules[k] = append(a.rules[k], rule)
			a.ctx[rule] = mc
		}
	}
	return a
}

// definedIn returns the modules (their file names, under prefix) that hold
// rules defining the document named doc in package earsim.rules.
func (a *readAnalysis) definedIn(doc, prefix string) []string {
	var out []string
	for _, r := range a.rules["earsim/rules/"+doc] {
		if f := r.Location.File; strings.HasPrefix(f, prefix) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// docs returns the rule documents a reference to path (under data) reads:
// the document itself, those under it, or the one it is under.
func (a *readAnalysis) docs(path []string) ([]string, error) {
	key := strings.Join(path, "/")
	var out []string
	for _, k := range slices.Sorted(maps.Keys(a.rules)) {
		if key == "" || k == key || strings.HasPrefix(k, key+"/") || strings.HasPrefix(key, k+"/") {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("data.%s: no rule defines it", strings.ReplaceAll(key, "/", "."))
	}
	return out, nil
}

// closure adds to r what the given rules read, with everything they use,
// transitively (a walk over the documents, so recursion is harmless). With
// derive, a derived document (derivedDocs) is read as itself, and not
// through what it reads.
func (a *readAnalysis) closure(rules []*ast.Rule, r *readSet, derive bool) error {
	seen := map[string]bool{}
	var queue []string
	visit := func(rule *ast.Rule) error {
		for _, ref := range a.refs(rule, r) {
			if d, ok := derivedDoc(ref); ok && derive {
				r.derived[d] = true
				continue
			}
			ks, err := a.docs(ref)
			if err != nil {
				return err
			}
			for _, k := range ks {
				if !seen[k] {
					seen[k] = true
					queue = append(queue, k)
				}
			}
		}
		return nil
	}
	for _, rule := range rules {
		if err := visit(rule); err != nil {
			return err
		}
	}
	for ; len(queue) > 0; queue = queue[1:] {
		for _, rule := range a.rules[queue[0]] {
			if err := visit(rule); err != nil {
				return err
			}
		}
	}
	return nil
}

// refs scans a rule in its module's context: its head's key, value and
// reference path, its body, and its else branches; not the name it defines
// (deny in `deny contains x if ...` is not a read of every deny rule).
func (a *readAnalysis) refs(rule *ast.Rule, r *readSet) [][]string {
	mc := a.ctx[rule]
	var out [][]string
	for x := rule; x != nil; x = x.Else {
		h := x.Head
		for _, t := range h.Ref()[1:] {
			out = append(out, mc.scan(t, r)...)
		}
		if h.Key != nil {
			out = append(out, mc.scan(h.Key, r)...)
		}
		if h.Value != nil {
			out = append(out, mc.scan(h.Value, r)...)
		}
		out = append(out, mc.scan(x.Body, r)...)
	}
	return out
}

// opGuard returns the ops for which the given rules can say anything at
// admission: every deny and warn rule among them must test input.op at the
// top of its body (input.op == "X", input.op in {...}); nil when one does
// not, or when there is none.
func opGuard(rules []*ast.Rule) map[string]bool {
	ops := map[string]bool{}
	guarded := false
	for _, r := range rules {
		if n := ruleName(r); n != "deny" && n != "warn" {
			continue
		}
		for x := r; x != nil; x = x.Else {
			g := bodyOps(x.Body)
			if g == nil {
				return nil
			}
			for op := range g {
				ops[op] = true
			}
			guarded = true
		}
	}
	if !guarded {
		return nil
	}
	return ops
}

var inputOp = ast.MustParseRef("input.op")

// bodyOps returns the ops a body's top-level test of input.op allows, or nil.
func bodyOps(body ast.Body) map[string]bool {
	for _, e := range body {
		if !e.IsCall() || e.Negated || len(e.With) > 0 || len(e.Operands()) != 2 {
			continue
		}
		lhs, rhs := e.Operands()[0], e.Operands()[1]
		if !inputOp.Equal(refOf(lhs)) {
			continue
		}
		switch e.Operator().String() {
		case "equal":
			if s, ok := rhs.Value.(ast.String); ok {
				return map[string]bool{string(s): true}
			}
		case "internal.member_2":
			ops := map[string]bool{}
			ok := true
			collect := func(t *ast.Term) {
				s, isStr := t.Value.(ast.String)
				ok = ok && isStr
				ops[string(s)] = true
			}
			switch c := rhs.Value.(type) {
			case ast.Set:
				c.Foreach(collect)
			case *ast.Array:
				c.Foreach(collect)
			default:
				ok = false
			}
			if ok {
				return ops
			}
		}
	}
	return nil
}

// endpointList is the document of the project's endpoint records.
var endpointList = []string{"earsim", "lib", "endpoints"}

// elementwise reports whether rules answer element by element over the
// endpoint list: each is a partial set rule (deny, warn, condition,
// invariant contains ...) whose body iterates the list at its top level once
// (some e in lib.endpoints) and reads it nowhere else, nor does what it uses,
// nor a derived document. Then what they answer for a list is the union of
// what they answer for each of its elements alone (a one-element list), and
// each element's answer can be remembered by that element. It returns what
// the rules read besides the list.
func (a *readAnalysis) elementwise(rules []*ast.Rule) (*readSet, bool) {
	if len(rules) == 0 {
		return nil, false
	}
	var rest []*ast.Rule
	for _, r := range rules {
		if r.Head.RuleKind() != ast.MultiValue || r.Else != nil || r.Default {
			return nil, false
		}
		at := -1
		for i, e := range r.Body {
			if a.iteratesEndpoints(r, e) {
				if at >= 0 {
					return nil, false
				}
				at = i
			}
		}
		if at < 0 {
			return nil, false
		}
		c := r.Copy()
		c.Body = append(c.Body[:at:at], c.Body[at+1:]...)
		a.ctx[c] = a.ctx[r]
		rest = append(rest, c)
	}
	reads := newReadSet()
	err := a.closure(rest, reads, true)
	for _, c := range rest {
		delete(a.ctx, c)
	}
	if err != nil || reads.whole || len(reads.derived) > 0 {
		return nil, false
	}
	for _, p := range reads.paths {
		if p[0] == "project" && (len(p) == 1 || p[1] == "endpoints") {
			return nil, false
		}
	}
	return reads, true
}

// iteratesEndpoints reports whether e is `some x in lib.endpoints`, x a variable.
func (a *readAnalysis) iteratesEndpoints(r *ast.Rule, e *ast.Expr) bool {
	some, ok := e.Terms.(*ast.SomeDecl)
	if !ok || e.Negated || len(e.With) > 0 || len(some.Symbols) != 1 {
		return false
	}
	call, ok := some.Symbols[0].Value.(ast.Call)
	if !ok || len(call) != 3 || call[0].String() != ast.Member.Ref().String() {
		return false
	}
	if _, isVar := call[1].Value.(ast.Var); !isVar {
		return false
	}
	in := newReadSet()
	refs := a.ctx[r].scan(call[2], in)
	return len(in.paths) == 0 && !in.whole && len(refs) == 1 && slices.Equal(refs[0], endpointList)
}
