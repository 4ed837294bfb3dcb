package policies

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/earsim/earsim/sim"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// A team's own rules (policies/README.md, "A team's own rules"): Rego v1
// files under package earsim.team.<name>, conftest-style deny and warn sets
// of {msg} objects or strings, a # METADATA block for id, severity,
// remediation, errorCode and status. They are asked the admission question
// the built-in rules are asked, about every request that changes something.
// They are never evaluated through the Service's memos (which key a built-in
// rule's answer by what that rule reads): each op asks the team's rules its
// guards admit, on what they read, and the Team remembers those answers by
// the values read (team_memo.go).

// TeamNamespace is the package every team rule file declares, or one below it.
const TeamNamespace = "earsim.team"

// Defaults of a team rule's refusal when its METADATA names none.
const (
	TeamStatus    = 400
	TeamErrorCode = "TEAM_POLICY_VIOLATION"
	// TeamOrder is the order of a team refusal: after every built-in rule
	// (the highest is 90), so Atlas's own refusal answers first.
	TeamOrder = 1000
)

// TeamError is a team policy directory that cannot be used: a file that does
// not parse or compile, a package outside the namespace, bad METADATA.
type TeamError = sim.FileError

// Team is a team's rules, compiled with earsim's lib; safe for concurrent use.
type Team struct {
	rules []Rule
	byID  map[string]Rule
	sets  []teamSet
	docs  docCache
	// byOp is the question each op is asked: the sets of the packages
	// whose deny and warn rules' input.op guards admit it (RuleMemo's
	// opGuard), evaluated on what those rules read; other is the question
	// for an op no guard names (the unguarded packages', or nil). An op
	// whose question is nil is not evaluated: no rule could say anything
	// about it.
	byOp  map[string]*teamQuery
	other *teamQuery
	// planPaths are what the rules read of input.plan (nil: all of it),
	// converted once per plan.
	planPaths [][]string
	readsPlan bool
	// memo remembers answers by what they read (team_memo.go); nil asks
	// every question anew.
	memo *teamMemo
}

// teamQuery is one prepared question: some of the team's sets.
type teamQuery struct {
	sets  []int    // indices into Team.sets
	vars  []string // the query's variable bound to each
	query rego.PreparedEvalQuery
	// paths are what the sets' rules read of the input (nil: all of it);
	// they are evaluated on that part, converted from the documents the
	// Machine hands over unchanged by identity, as RuleMemo evaluates a
	// rule. step and plan: whether input.step and input.plan are read.
	paths      [][]string
	step, plan bool
}

// teamSet is one package's deny or warn set and the rule id its elements
// take when they name none.
type teamSet struct {
	pkg  string // earsim.team.regions
	name string // deny or warn
	id   string
}

// teamDocBytes bounds the Team's converted documents: a project or Azure
// document is asked about a few times in a row (the steps of one plan, the
// requests of one test), so a small cache keeps those; a large one only
// keeps documents alive for the collector to scan (measured: with
// CacheBytes, a check of 1,000 plans cost a third more CPU, the team's own
// evaluation 5% of it).
const teamDocBytes = 2 << 20

// teamLibKey is the name the embedded lib takes beside a team's files.
const teamLibKey = "(earsim)/policies/lib/lib.rego"

// loadTeamFiles reads the team's directories as `opa test` and `opa eval -d`
// read them: .rego modules (tests only when withTests) and JSON/YAML data
// files, mounted at their folder's path below the directory. Every module
// must be in the team namespace; data must stay out of earsim's own.
func loadTeamFiles(dirs []string, withTests bool) (map[string]*ast.Module, map[string]any, error) {
	if len(dirs) == 0 {
		return nil, nil, errors.New("no policy directory given")
	}
	mods := map[string]*ast.Module{}
	docs := map[string]any{}
	for _, dir := range dirs {
		info, err := os.Stat(dir)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, nil, &TeamError{File: dir, Msg: err.Error()}
		}
		if !info.IsDir() {
			return nil, nil, &TeamError{File: dir, Msg: "not a directory: --policy takes a folder of .rego files"}
		}
		res, err := loader.NewFileLoader().
			WithRegoVersion(ast.RegoV1).
			WithProcessAnnotation(true).
			Filtered([]string{dir}, func(_ string, fi os.FileInfo, _ int) bool {
				return !fi.IsDir() && !withTests && IsTest(fi.Name())
			})
		if err != nil {
			return nil, nil, teamLoadError(dir, err)
		}
		for _, f := range res.Modules { // by the path as given (the loader's keys drop a leading /)
			mods[f.Name] = f.Parsed
		}
		for k, v := range res.Documents {
			if _, dup := docs[k]; dup {
				return nil, nil, &TeamError{File: dir, Msg: fmt.Sprintf("data.%s is set by two policy directories", k)}
			}
			docs[k] = v
		}
	}
	hasRule := false
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		m := mods[name]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if pkg != TeamNamespace && !strings.HasPrefix(pkg, TeamNamespace+".") {
			return nil, nil, &TeamError{File: name, Line: m.Package.Location.Row,
				Msg: fmt.Sprintf("package %s: a team's rules live in package %s.<name> (policies/README.md, \"A team's own rules\")", pkg, TeamNamespace)}
		}
		if !IsTest(name) {
			hasRule = true
		}
	}
	if !hasRule && !withTests {
		return nil, nil, &TeamError{File: strings.Join(dirs, ", "), Msg: "no .rego rule files (package " + TeamNamespace + ".<name>)"}
	}
	if e, ok := docs["earsim"].(map[string]any); ok {
		for k := range e {
			if k != "team" {
				return nil, nil, &TeamError{File: strings.Join(dirs, ", "), Msg: fmt.Sprintf("data file sets data.earsim.%s: a team's data lives outside data.earsim, or under data.earsim.team", k)}
			}
		}
	}
	lib, err := Modules(false)
	if err != nil {
		return nil, nil, err
	}
	mods[teamLibKey] = lib["lib/lib.rego"]
	return mods, docs, nil
}

// teamLoadError turns a loader or compiler error into one that names the
// file and line of its first error.
func teamLoadError(dir string, err error) error {
	var errs ast.Errors
	if errors.As(err, &errs) && len(errs) > 0 {
		return astError(errs[0], len(errs))
	}
	var ae *ast.Error
	if errors.As(err, &ae) {
		return astError(ae, 1)
	}
	var le loader.Errors
	if errors.As(err, &le) && len(le) > 0 {
		for _, e := range le {
			if errors.As(e, &ae) {
				return astError(ae, len(le))
			}
		}
		return &TeamError{File: dir, Msg: le[0].Error()} // a data file: its message names it
	}
	return &TeamError{File: dir, Msg: err.Error()}
}

func astError(e *ast.Error, n int) error {
	msg := fmt.Sprintf("%s: %s", e.Code, e.Message)
	if n > 1 {
		msg += fmt.Sprintf(" (and %d more)", n-1)
	}
	if e.Location == nil {
		return &TeamError{File: "policy", Msg: msg}
	}
	return &TeamError{File: e.Location.File, Line: e.Location.Row, Msg: msg}
}

// compileTeam compiles the team's modules with the lib under the engine's
// capabilities allow-list.
func compileTeam(mods map[string]*ast.Module) (*ast.Compiler, error) {
	c := ast.NewCompiler().WithCapabilities(Capabilities()).WithEnablePrintStatements(false).WithStrict(true)
	c.Compile(mods)
	if c.Failed() {
		return nil, astError(c.Errors[0], len(c.Errors))
	}
	return c, nil
}

// LoadTeam reads and compiles a team's rules from one or more directories
// (tests left out). The error is a *TeamError naming file and line.
func LoadTeam(dirs ...string) (*Team, error) {
	return loadTeam(dirs, true)
}

// loadTeam compiles the team; analysed false asks every set about every op
// on the whole input (the plain evaluation the analysis must agree with).
func loadTeam(dirs []string, analysed bool) (*Team, error) {
	mods, docs, err := loadTeamFiles(dirs, false)
	if err != nil {
		return nil, err
	}
	c, err := compileTeam(mods)
	if err != nil {
		return nil, err
	}
	t := &Team{byID: map[string]Rule{}, docs: newDocCache(teamDocBytes)}
	if err := t.catalog(c, mods); err != nil {
		return nil, err
	}
	if len(t.sets) == 0 {
		return nil, &TeamError{File: strings.Join(dirs, ", "), Msg: "no deny or warn rule in package " + TeamNamespace + ".<name>"}
	}
	store := inmem.NewFromObject(docs)
	prepared := map[string]*teamQuery{} // by the sets asked
	question := func(sets []int, reads *readSet) (*teamQuery, error) {
		if len(sets) == 0 {
			return nil, nil
		}
		key := fmt.Sprint(sets)
		if p, ok := prepared[key]; ok {
			return p, nil
		}
		q := &teamQuery{sets: sets, paths: reads.list()}
		var query []string
		for _, i := range sets {
			s := t.sets[i]
			q.vars = append(q.vars, fmt.Sprintf("x%d", i))
			query = append(query, fmt.Sprintf("x%d := data.%s.%s", i, s.pkg, s.name))
		}
		q.step, q.plan = q.paths == nil, q.paths == nil
		for _, p := range q.paths {
			q.step = q.step || p[0] == "step"
			q.plan = q.plan || p[0] == "plan"
		}
		var err error
		q.query, err = rego.New(rego.Query(strings.Join(query, "; ")), rego.Compiler(c), rego.Store(store),
			rego.StrictBuiltinErrors(true)).PrepareForEval(context.Background())
		if err != nil {
			return nil, fmt.Errorf("prepare team rules: %w", err)
		}
		prepared[key] = q
		return q, nil
	}
	an := newReadAnalysis(mods)
	pkgs := teamPackages(mods)
	all := make([]int, len(t.sets))
	for i := range all {
		all[i] = i
	}
	if !analysed {
		if t.other, err = question(all, &readSet{whole: true}); err != nil {
			return nil, err
		}
		t.readsPlan = true
		return t, nil
	}
	t.memo = newTeamMemo()
	// The sets a question asks, and what their rules read.
	ask := func(admits func(guard map[string]bool) bool) ([]int, *readSet) {
		var sets []int
		var answers []*ast.Rule
		for i, s := range t.sets {
			p := pkgs[s.pkg]
			if admits(p.guard) {
				sets = append(sets, i)
				answers = append(answers, p.answers...)
			}
		}
		return sets, an.teamReads(answers)
	}
	ops := map[string]bool{}
	for _, p := range pkgs {
		for op := range p.guard {
			ops[op] = true
		}
	}
	t.byOp = map[string]*teamQuery{}
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		if t.byOp[op], err = question(ask(func(g map[string]bool) bool { return g == nil || g[op] })); err != nil {
			return nil, err
		}
	}
	if t.other, err = question(ask(func(g map[string]bool) bool { return g == nil })); err != nil {
		return nil, err
	}
	_, reads := ask(func(map[string]bool) bool { return true })
	if paths := reads.list(); paths != nil {
		t.planPaths = [][]string{}
		for _, p := range paths {
			if p[0] == "plan" {
				if len(p) == 1 {
					t.planPaths = nil
					break
				}
				t.planPaths = append(t.planPaths, p[1:])
			}
		}
	}
	for _, q := range t.byOp {
		t.readsPlan = t.readsPlan || q != nil && q.plan
	}
	t.readsPlan = t.readsPlan || t.other != nil && t.other.plan
	return t, nil
}

// teamPackage is one package's deny and warn rules (from every file that
// declares the package) and the ops their input.op guards admit (nil: any
// op, a rule without a guard).
type teamPackage struct {
	answers []*ast.Rule
	guard   map[string]bool
}

// teamPackages finds, in the team's rule files before they compile, each
// package's deny and warn rules and the ops they can answer, as RuleMemo
// finds them for the built-in rules (opGuard: every deny and warn rule of a
// file tests input.op at the top of its body). A rule whose guard does not
// admit an op says nothing about it.
func teamPackages(mods map[string]*ast.Module) map[string]*teamPackage {
	pkgs := map[string]*teamPackage{}
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		m := mods[name]
		if name == teamLibKey || IsTest(name) {
			continue
		}
		var answers []*ast.Rule
		for _, r := range m.Rules {
			if n := ruleName(r); n == "deny" || n == "warn" {
				answers = append(answers, r)
			}
		}
		if len(answers) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		g := opGuard(m.Rules)
		p, seen := pkgs[pkg]
		switch {
		case !seen:
			p = &teamPackage{guard: g}
			pkgs[pkg] = p
		case p.guard == nil || g == nil:
			p.guard = nil
		default:
			maps.Copy(p.guard, g)
		}
		p.answers = append(p.answers, answers...)
	}
	return pkgs
}

// teamReads is what rules read of the input, with what they use, as
// closure finds it; a reference to a document no rule defines is the
// team's data, which reads no input.
func (a *readAnalysis) teamReads(rules []*ast.Rule) *readSet {
	r := newReadSet()
	seen := map[string]bool{}
	queue := slices.Clone(rules)
	for ; len(queue) > 0; queue = queue[1:] {
		for _, ref := range a.refs(queue[0], r) {
			ks, err := a.docs(ref)
			if err != nil {
				continue // data.json and the like
			}
			for _, k := range ks {
				if !seen[k] {
					seen[k] = true
					queue = append(queue, a.rules[k]...)
				}
			}
		}
	}
	return r
}

// catalog reads the team's METADATA: one Rule per id, and the id each deny
// and warn set's elements take. A package's deny (warn) takes the id of the
// METADATA on its deny (warn) rule, else of the package's own, else the one
// id the package has; a package with none is its own id (earsim.team.x).
func (t *Team) catalog(c *ast.Compiler, mods map[string]*ast.Module) error {
	type idAt struct {
		id, scope, rule string
	}
	byPkg := map[string][]idAt{}
	for _, ref := range c.GetAnnotationSet().Flatten() {
		a := ref.Annotations
		if a == nil || a.Location == nil || a.Location.File == teamLibKey {
			continue
		}
		id := customString(a.Custom, "id")
		if id == "" {
			continue
		}
		file, line := a.Location.File, a.Location.Row
		if strings.HasPrefix(id, "EAR-") || strings.HasPrefix(id, "EARSIM-") {
			return &TeamError{File: file, Line: line, Msg: fmt.Sprintf("id %s: EAR- and EARSIM- ids are earsim's own; name the team's rules otherwise (e.g. ACME-REGIONS-01)", id)}
		}
		r := Rule{ID: id, Title: a.Title, Description: strings.TrimSpace(a.Description), Remediation: customString(a.Custom, "remediation"),
			Source: customString(a.Custom, "source"), File: file, Team: true}
		r.Severity = customString(a.Custom, "severity")
		if r.Severity != "" && !slices.Contains([]string{"error", "warning", "note"}, r.Severity) {
			return &TeamError{File: file, Line: line, Msg: fmt.Sprintf("severity %q: want error, warning or note", r.Severity)}
		}
		r.ErrorCode = customString(a.Custom, "errorCode")
		if s := customString(a.Custom, "status"); s != "" {
			if _, err := fmt.Sscan(s, &r.Status); err != nil || r.Status < 400 || r.Status > 499 {
				return &TeamError{File: file, Line: line, Msg: fmt.Sprintf("status %q: want an HTTP client error status, 400 to 499", s)}
			}
		}
		path := ast.Ref(ref.Path)
		pkg, rule := strings.TrimPrefix(path.String(), "data."), ""
		if ref.Annotations.Scope == "rule" || ref.Annotations.Scope == "document" {
			pkg, rule = strings.TrimPrefix(path[:len(path)-1].String(), "data."), path[len(path)-1].String()
			if s, ok := path[len(path)-1].Value.(ast.String); ok {
				rule = string(s)
			}
		}
		r.Package = pkg
		if prev, ok := t.byID[id]; ok && prev.Package != pkg {
			return &TeamError{File: file, Line: line, Msg: fmt.Sprintf("id %s is also the id of package %s (%s)", id, prev.Package, prev.File)}
		}
		if _, ok := t.byID[id]; !ok {
			t.byID[id] = r
		}
		byPkg[pkg] = append(byPkg[pkg], idAt{id, a.Scope, rule})
	}
	pkgs := map[string]map[string]bool{} // package: deny/warn it defines
	files := map[string]string{}
	for name, m := range mods {
		if name == teamLibKey || IsTest(name) {
			continue
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		files[pkg] = name
		for _, r := range m.Rules {
			n := r.Head.Name.String()
			if len(r.Head.Reference) > 0 {
				n = r.Head.Reference[0].String()
				if s, ok := r.Head.Reference[0].Value.(ast.Var); ok {
					n = string(s)
				}
			}
			if n != "deny" && n != "warn" {
				continue
			}
			if len(r.Head.Args) > 0 || len(r.Head.Reference) > 1 {
				return &TeamError{File: name, Line: r.Location.Row, Msg: n + " must be a set: " + n + " contains {\"msg\": ...} if { ... } (or a string)"}
			}
			if pkgs[pkg] == nil {
				pkgs[pkg] = map[string]bool{}
			}
			pkgs[pkg][n] = true
		}
	}
	for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
		ids := byPkg[pkg]
		for _, set := range []string{"deny", "warn"} {
			if !pkgs[pkg][set] {
				continue
			}
			pick := func(ok func(idAt) bool) string {
				var found []string
				for _, x := range ids {
					if ok(x) && !slices.Contains(found, x.id) {
						found = append(found, x.id)
					}
				}
				if len(found) == 1 {
					return found[0]
				}
				return ""
			}
			id := pick(func(x idAt) bool { return x.rule == set })
			if id == "" {
				id = pick(func(x idAt) bool { return x.rule == "" })
			}
			if id == "" {
				id = pick(func(idAt) bool { return true })
			}
			if id == "" {
				id = pkg
				if _, ok := t.byID[id]; !ok {
					t.byID[id] = Rule{ID: id, Title: pkg, Package: pkg, File: files[pkg], Team: true}
				}
			}
			t.sets = append(t.sets, teamSet{pkg: pkg, name: set, id: id})
		}
	}
	for id, r := range t.byID { // defaults, from what the rule's sets are
		deny := false
		for _, s := range t.sets {
			deny = deny || s.id == id && s.name == "deny"
		}
		if r.Severity == "" {
			r.Severity = map[bool]string{true: "error", false: "warning"}[deny]
		}
		if deny {
			if r.Status == 0 {
				r.Status = TeamStatus
			}
			if r.ErrorCode == "" {
				r.ErrorCode = TeamErrorCode
			}
		}
		t.byID[id] = r
	}
	for _, id := range slices.Sorted(maps.Keys(t.byID)) {
		t.rules = append(t.rules, t.byID[id])
	}
	return nil
}

func customString(c map[string]any, k string) string {
	if v, ok := c[k]; ok && v != nil {
		return strings.TrimSpace(fmt.Sprint(v))
	}
	return ""
}

// Rules lists the team's rules by id, from their METADATA.
func (t *Team) Rules() []Rule { return slices.Clone(t.rules) }

// ReadsPlan reports whether a team rule reads input.plan, so that a caller
// builds that document only when it is read.
func (t *Team) ReadsPlan() bool { return t.readsPlan }

// PlanKeys are the plan's top-level keys the rules read (terraform_version,
// variables, ...), so that a caller keeps those while it reads the plan
// rather than reading it again; nil when a rule reads the plan as a whole
// (or none reads it).
func (t *Team) PlanKeys() []string {
	if !t.readsPlan || t.planPaths == nil {
		return nil
	}
	keys := []string{}
	for _, p := range t.planPaths {
		if !slices.Contains(keys, p[0]) {
			keys = append(keys, p[0])
		}
	}
	return keys
}

// TeamFinding is one element of a team rule's deny or warn set.
type TeamFinding struct {
	Rule   string // its id (METADATA)
	Deny   bool   // from deny: a refusal; else from warn
	Msg    string
	Status int    // a refusal's HTTP status (METADATA, default TeamStatus)
	Code   string // a refusal's errorCode (METADATA, default TeamErrorCode)
}

// TeamPlan is a plan for input.plan: read and converted once, when a rule
// that reads it is first asked; only the parts the rules read are converted.
type TeamPlan struct {
	load  func() (map[string]any, error)
	paths [][]string // Team.planPaths
	once  sync.Once
	v     ast.Value
	d     [32]byte // planDigest of the same parts
	err   error
}

// Plan returns a plan document for Judge, loaded by load (the plan as
// terraform show -json wrote it, decoded) when first needed.
func (t *Team) Plan(load func() (map[string]any, error)) *TeamPlan {
	return &TeamPlan{load: load, paths: t.planPaths}
}

func (p *TeamPlan) value() (ast.Value, *[32]byte, error) {
	p.once.Do(func() {
		doc, err := p.load()
		if err != nil {
			p.err = err
			return
		}
		p.d = planDigest(doc, p.paths)
		if p.paths == nil {
			p.v, err = ast.InterfaceToValue(doc)
		} else {
			p.v, err = pick(doc, p.paths, nil)
		}
		if err != nil {
			p.err = fmt.Errorf("plan as policy input: %w", err)
		}
	})
	return p.v, &p.d, p.err
}

// TeamJudges reports whether the team's rules are asked about an op: every
// request or event that changes something (Atlas writes, Azure and operator
// events); not reads, the clock, or the simulator's own timers.
func TeamJudges(op string) bool {
	s, ok := sim.Spec(sim.Op(op))
	return ok && !s.Read && s.Kind != "clock"
}

// Judge evaluates the team's rules on an admission input, with step (the
// apply step, or nil) and plan (or nil) added as input.step and input.plan.
// Only the rules whose input.op guards admit the op are evaluated, on what
// they read; an answer to the same values read is remembered. Findings come
// in a stable order: by rule, deny first, then message.
func (t *Team) Judge(in sim.Input, step map[string]any, plan *TeamPlan) ([]TeamFinding, error) {
	op, _ := in["op"].(string)
	q := t.other
	if p, ok := t.byOp[op]; ok {
		q = p
	}
	if q == nil {
		return nil, nil // no rule's guard admits op
	}
	var pv ast.Value
	var pd *[32]byte
	if plan != nil && q.plan {
		var err error
		if pv, pd, err = plan.value(); err != nil {
			return nil, err
		}
	}
	var key teamMemoKey
	if t.memo != nil {
		key = q.key(in, step, pd)
		if fs, ok := t.memo.get(key); ok {
			return slices.Clone(fs), nil
		}
	}
	var obj ast.Object
	var err error
	if q.paths == nil {
		obj, err = t.input(in)
	} else {
		obj, err = pick(in, q.paths, &t.docs)
	}
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	if step != nil && q.step {
		v, err := ast.InterfaceToValue(step)
		if err != nil {
			return nil, fmt.Errorf("policy input: %w", err)
		}
		obj.Insert(ast.StringTerm("step"), ast.NewTerm(v))
	}
	if pv != nil {
		obj.Insert(ast.StringTerm("plan"), ast.NewTerm(pv))
	}
	rs, err := q.query.Eval(context.Background(), rego.EvalParsedInput(obj))
	if err != nil {
		return nil, fmt.Errorf("team rules: %w", err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("team rules: a deny or warn rule is undefined (write them as sets: deny contains ... if { ... })")
	}
	var out []TeamFinding
	for j, i := range q.sets {
		s := t.sets[i]
		elems, ok := rs[0].Bindings[q.vars[j]].([]any)
		if !ok {
			return nil, fmt.Errorf("team rules: data.%s.%s is not a set of messages", s.pkg, s.name)
		}
		for _, x := range elems {
			f := TeamFinding{Rule: s.id, Deny: s.name == "deny"}
			switch e := x.(type) {
			case string:
				f.Msg = e
			case map[string]any:
				msg, ok := e["msg"].(string)
				if !ok {
					return nil, fmt.Errorf("team rules: an element of data.%s.%s has no string msg: %v", s.pkg, s.name, e)
				}
				f.Msg = msg
				for _, k := range []string{"id", "rule"} {
					if id, ok := e[k].(string); ok && id != "" {
						if _, known := t.byID[id]; !known {
							return nil, fmt.Errorf("team rules: data.%s.%s names rule %q, which no METADATA block of the policy directory declares", s.pkg, s.name, id)
						}
						f.Rule = id
						break
					}
				}
			default:
				return nil, fmt.Errorf("team rules: an element of data.%s.%s is neither a message nor an object with msg: %v", s.pkg, s.name, x)
			}
			if f.Deny {
				r := t.byID[f.Rule]
				f.Status, f.Code = r.Status, r.ErrorCode
				if f.Status == 0 {
					f.Status = TeamStatus
				}
				if f.Code == "" {
					f.Code = TeamErrorCode
				}
			}
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b TeamFinding) int {
		if c := strings.Compare(a.Rule, b.Rule); c != 0 {
			return c
		}
		if a.Deny != b.Deny {
			if a.Deny {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Msg, b.Msg)
	})
	out = slices.CompactFunc(out, func(a, b TeamFinding) bool { return a == b })
	if t.memo != nil {
		t.memo.put(key, slices.Clone(out), findingsSize(out))
	}
	return out, nil
}

// Violation is a team refusal as the simulator answers it: the detail names
// the rule, the parameters carry its id.
func (f TeamFinding) Violation() sim.Violation {
	return sim.Violation{Rule: f.Rule, Status: f.Status, Code: f.Code, Order: TeamOrder, Msg: f.Rule + ": " + f.Msg, Params: []string{f.Rule}}
}

// Checker wraps next (the built-in rules) so that the team's deny rules
// also refuse: earsim serve --policy. Inspect is next's.
func (t *Team) Checker(next sim.Checker) sim.Checker { return teamChecker{next: next, team: t} }

type teamChecker struct {
	next sim.Checker
	team *Team
}

func (c teamChecker) Admit(in sim.Input) (sim.Decision, error) {
	d, err := c.next.Admit(in)
	if err != nil {
		return d, err
	}
	op, _ := in["op"].(string)
	if !TeamJudges(op) {
		return d, nil
	}
	fs, err := c.team.Judge(in, nil, nil)
	if err != nil {
		return d, err
	}
	return WithTeamDenials(d, fs), nil
}

func (c teamChecker) Inspect(in sim.Input) (sim.Report, error) { return c.next.Inspect(in) }

// WithTeamDenials is d with the team's refusals added (a copy: d may be a
// remembered answer).
func WithTeamDenials(d sim.Decision, fs []TeamFinding) sim.Decision {
	var deny []sim.Violation
	for _, f := range fs {
		if f.Deny {
			deny = append(deny, f.Violation())
		}
	}
	if len(deny) > 0 {
		d.Deny = append(slices.Clip(d.Deny), deny...)
	}
	return d
}

// input is the whole of in, each document converted once while the Machine
// hands the same map or list over.
func (t *Team) input(in sim.Input) (ast.Object, error) {
	root := ast.NewObject()
	for k, x := range in {
		v, err := t.docs.value(x)
		if err != nil {
			return nil, err
		}
		root.Insert(ast.StringTerm(k), ast.NewTerm(v))
	}
	return root, nil
}

// pick is the part of doc at paths, each part converted once while the same
// map or list is handed over (docs; nil converts each time). (An input has
// no step or plan of its own but for a request document as written, whose
// own are read where Judge adds none, as on the whole input.)
func pick(doc map[string]any, paths [][]string, docs *docCache) (ast.Object, error) {
	part := newPartial()
	for _, p := range paths {
		x, found := lookup(doc, p)
		if !found {
			continue
		}
		var v ast.Value
		var err error
		if docs != nil {
			v, err = docs.value(x)
		} else {
			v, err = ast.InterfaceToValue(x)
		}
		if err != nil {
			return nil, err
		}
		part.put(p, v)
	}
	return part.root, nil
}
