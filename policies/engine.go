package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"sync"

	"github.com/earsim/earsim/sim"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// The two entry points (see README.md in this folder).
const (
	AdmissionQuery = "data.earsim.admission.decision"
	StateQuery     = "data.earsim.state.report"
)

// Engine evaluates the embedded policies. It compiles them and prepares both
// entry points once; Admit and Inspect are safe for concurrent use. Engine
// implements sim.Checker.
type Engine struct {
	compiler *ast.Compiler
	admit    rego.PreparedEvalQuery
	state    rego.PreparedEvalQuery
	docs     docCache
	memo     identityMemo[sim.Decision]
	reports  identityMemo[sim.Report] // state reports, for Service
	plan     planQuery                // prepared on first use (Plan)
	service  serviceMemo
}

var _ sim.Checker = (*Engine)(nil)

// New compiles the embedded policies (tests excluded) and prepares the queries.
func New() (*Engine, error) {
	mods, err := Modules(false)
	if err != nil {
		return nil, err
	}
	c, err := compile(mods, checkOnly)
	if err != nil {
		return nil, err
	}
	e := &Engine{compiler: c, docs: newDocCache(CacheBytes), memo: newIdentityMemo[sim.Decision](CacheBytes), reports: newIdentityMemo[sim.Report](CacheBytes)}
	if e.admit, err = e.prepare(AdmissionQuery); err != nil {
		return nil, err
	}
	if e.state, err = e.prepare(StateQuery); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Engine) prepare(q string) (rego.PreparedEvalQuery, error) {
	pq, err := rego.New(rego.Query(q), rego.Compiler(e.compiler), rego.StrictBuiltinErrors(true)).PrepareForEval(context.Background())
	if err != nil {
		return pq, fmt.Errorf("prepare %s: %w", q, err)
	}
	return pq, nil
}

var (
	defaultOnce   sync.Once
	defaultEngine *Engine
	defaultErr    error
)

// Default returns the process-wide Engine, compiled on first use.
func Default() (*Engine, error) {
	defaultOnce.Do(func() { defaultEngine, defaultErr = New() })
	return defaultEngine, defaultErr
}

// MustDefault is Default for callers that cannot proceed without the
// embedded policies; it panics if they do not compile, which a test rules out.
func MustDefault() *Engine {
	e, err := Default()
	if err != nil {
		panic(err)
	}
	return e
}

// Compiler returns the compiler holding the policies and their annotations.
func (e *Engine) Compiler() *ast.Compiler { return e.compiler }

// Eval evaluates a query prepared by the engine on a JSON-shaped input and
// returns the result as plain Go values.
func (e *Engine) eval(q rego.PreparedEvalQuery, in map[string]any) (map[string]any, error) {
	v, err := e.docs.input(in)
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	return evalValue(context.Background(), q, v)
}

// evalValue evaluates a prepared query on a converted input; the query must
// yield one object.
func evalValue(ctx context.Context, q rego.PreparedEvalQuery, v ast.Value) (map[string]any, error) {
	rs, err := q.Eval(ctx, rego.EvalParsedInput(v))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("policy query returned %d results", len(rs))
	}
	out, ok := rs[0].Expressions[0].Value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy query returned %T", rs[0].Expressions[0].Value)
	}
	return out, nil
}

// Evaluate runs an entry point (AdmissionQuery or StateQuery) on any
// JSON-shaped input and returns its raw result, for tools such as
// `earsim check` that show what the policies said.
func (e *Engine) Evaluate(query string, in map[string]any) (map[string]any, error) {
	switch query {
	case AdmissionQuery:
		return e.eval(e.admit, in)
	case StateQuery:
		return e.eval(e.state, in)
	}
	return nil, fmt.Errorf("unknown entry point %q", query)
}

// Admit evaluates the admission entry point. A decision is remembered:
// the same op, request and actor on the same project and Azure documents
// (sim.Input: unchanged worlds hand over the same maps) decide the same, as
// admission rules read nothing else (TestAdmissionIgnoresTheClock).
func (e *Engine) Admit(in sim.Input) (sim.Decision, error) {
	key, ok := e.memo.key(in, false)
	if ok {
		if d, hit := e.memo.get(key); hit {
			return d, nil
		}
	}
	d, err := e.Decide(in)
	if err == nil && ok {
		e.memo.put(key, in, d)
	}
	return d, err
}

// Decide evaluates the admission entry point without the memo.
func (e *Engine) Decide(in sim.Input) (sim.Decision, error) {
	out, err := e.eval(e.admit, in)
	if err != nil {
		return sim.Decision{}, err
	}
	return decodeDecision(out), nil
}

// decodeDecision reads an admission decision from its JSON-shaped value.
func decodeDecision(out map[string]any) sim.Decision {
	var d sim.Decision
	for _, x := range list(out["deny"]) {
		m := obj(x)
		d.Deny = append(d.Deny, sim.Violation{
			Rule: str(m["rule"]), Status: num(m["status"]), Code: str(m["code"]),
			Order: num(m["order"]), Msg: str(m["msg"]), Params: strs(m["params"]),
		})
	}
	for _, x := range list(out["warn"]) {
		m := obj(x)
		f := sim.Forecast{Rule: str(m["rule"]), Severity: str(m["severity"]), Effect: str(m["effect"]), Msg: str(m["msg"]), Target: strmap(m["target"])}
		if a := obj(m["apply"]); a != nil {
			f.Apply = &sim.Action{Do: str(a["do"]), Cluster: str(a["cluster"]), Reason: str(a["reason"]), Endpoint: str(a["endpoint"]), ErrorMessage: str(a["errorMessage"])}
		}
		d.Warn = append(d.Warn, f)
	}
	return d
}

// Inspect evaluates the state entry point.
func (e *Engine) Inspect(in sim.Input) (sim.Report, error) {
	out, err := e.eval(e.state, in)
	if err != nil {
		return sim.Report{}, err
	}
	return decodeReport(out), nil
}

// decodeReport reads a state report from its JSON-shaped value.
func decodeReport(out map[string]any) sim.Report {
	r := sim.Report{Valid: out["valid"] == true, Clusters: strmap(out["clusters"]), Clocked: len(list(out["clocked"])) > 0}
	for _, x := range list(out["conditions"]) {
		m := obj(x)
		r.Conditions = append(r.Conditions, sim.Condition{Rule: str(m["rule"]), Severity: str(m["severity"]), Effect: str(m["effect"]), Msg: str(m["msg"]), Target: strmap(m["target"])})
	}
	for _, x := range list(out["violations"]) {
		m := obj(x)
		r.Violations = append(r.Violations, sim.Broken{Rule: str(m["rule"]), Msg: str(m["msg"]), Target: strmap(m["target"])})
	}
	return r
}

// docCache converts input documents to Rego values once. The simulator
// never modifies a map after handing it over and hands the same project and
// Azure documents over until they change (sim.Input), so a conversion is
// cached by the map's identity. An entry holds the map itself, so its
// address cannot be reused while the entry lives.
type docCache struct {
	m bounded[uintptr, cachedDoc] // by bytes only
}

func newDocCache(limit int64) docCache {
	return docCache{m: bounded[uintptr, cachedDoc]{entries: math.MaxInt, limit: limit}}
}

type cachedDoc struct {
	doc any // the map or list converted, pinned
	v   ast.Value
}

// CacheBytes bounds each of the Engine's caches (converted documents, and
// remembered decisions with the documents they pin) by the estimated size of
// what they hold, so that memory grows with the world, not with its square
// (a world whose Azure document grows by a key at each step would otherwise
// keep thousands of ever larger copies). 64 MiB each by default.
const CacheBytes = 64 << 20

// docSize estimates the memory a document takes, as a Go value and as its
// Rego conversion (about twice the encoded size of its parts).
func docSize(v any) int64 {
	switch x := v.(type) {
	case map[string]any:
		n := int64(64)
		for k, e := range x {
			n += 32 + int64(len(k)) + docSize(e)
		}
		return n
	case []any:
		n := int64(32)
		for _, e := range x {
			n += 16 + docSize(e)
		}
		return n
	case string:
		return 32 + 2*int64(len(x))
	}
	return 32
}

// cachedKeys are the input keys whose documents are cached.
var cachedKeys = map[string]bool{"project": true, "azure": true}

func (c *docCache) input(in map[string]any) (ast.Value, error) {
	obj := ast.NewObject()
	for _, k := range slices.Sorted(maps.Keys(in)) {
		var v ast.Value
		var err error
		if doc, ok := in[k].(map[string]any); ok && cachedKeys[k] {
			v, err = c.value(doc)
		} else {
			v, err = ast.InterfaceToValue(in[k])
		}
		if err != nil {
			return nil, err
		}
		obj.Insert(ast.StringTerm(k), ast.NewTerm(v))
	}
	return obj, nil
}

// value converts a document (a map, or a non-empty list: the parts of a
// project a rule reads, for RuleMemo), cached by identity as input is.
func (c *docCache) value(doc any) (ast.Value, error) {
	var key uintptr
	switch d := doc.(type) {
	case map[string]any:
		key = uintptr(reflect.ValueOf(d).UnsafePointer())
	case []any:
		if len(d) == 0 {
			return ast.InterfaceToValue(d)
		}
		// the backing array's address: a list the Machine hands over again
		// is the same slice (sim.Input); its length is part of the key
		key = uintptr(reflect.ValueOf(d).UnsafePointer()) ^ uintptr(len(d))<<56
	default:
		return ast.InterfaceToValue(doc)
	}
	if e, ok := c.m.get(key); ok {
		return e.v, nil
	}
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil, err
	}
	c.m.put(key, cachedDoc{doc: doc, v: v}, 2*docSize(doc)) // one too large for the bound is converted each time
	return v, nil
}

// identityMemo remembers answers (admission decisions; state reports) by
// (project document, Azure document, op, request, actor, and for reports the
// clock). Entries hold their documents, so a map's address cannot be reused
// while its entry lives.
type identityMemo[V any] struct {
	m bounded[memoKey, memoEntry[V]] // by bytes only: the keys, and the documents the entries pin
}

func newIdentityMemo[V any](limit int64) identityMemo[V] {
	return identityMemo[V]{m: bounded[memoKey, memoEntry[V]]{entries: math.MaxInt, limit: limit}}
}

type memoKey struct {
	project, azure uintptr
	rest           string
}

type memoEntry[V any] struct {
	project, azure map[string]any // pinned
	d              V
}

func identity(v any) (uintptr, map[string]any) {
	m, ok := v.(map[string]any)
	if !ok || m == nil {
		return 0, nil
	}
	return uintptr(reflect.ValueOf(m).UnsafePointer()), m
}

// key is an admission question's key: admission rules do not read the
// clock (TestAdmissionIgnoresTheClock); withClock for state reports.
func (c *identityMemo[V]) key(in sim.Input, withClock bool) (memoKey, bool) {
	p, _ := identity(in["project"])
	a, _ := identity(in["azure"])
	parts := []any{in["op"], in["request"], in["actor"]}
	if withClock {
		parts = append(parts, in["now"])
	}
	rest, err := json.Marshal(parts)
	if err != nil {
		return memoKey{}, false
	}
	return memoKey{project: p, azure: a, rest: string(rest)}, true
}

func (c *identityMemo[V]) get(k memoKey) (V, bool) {
	e, ok := c.m.get(k)
	return e.d, ok
}

func (c *identityMemo[V]) put(k memoKey, in sim.Input, d V) {
	_, p := identity(in["project"])
	_, a := identity(in["azure"])
	// An entry pins its documents: its project counted in full, as if no
	// other entry held it (an overestimate where entries share one), the
	// Azure side, which every project's questions share, once per
	// generation of the memo (sized then, not at every question: sizing it
	// for each of N projects was the N² of a large world's clock advance).
	c.m.putShared(k, memoEntry[V]{project: p, azure: a, d: d}, 256+int64(len(k.rest))+docSize(p), k.azure, func() int64 { return docSize(a) })
}

func list(v any) []any         { l, _ := v.([]any); return l }
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func str(v any) string         { s, _ := v.(string); return s }

func num(v any) int {
	switch n := v.(type) {
	case interface{ Int64() (int64, error) }:
		i, _ := n.Int64()
		return int(i)
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

func strs(v any) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func strmap(v any) map[string]string {
	m := obj(v)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out
}
