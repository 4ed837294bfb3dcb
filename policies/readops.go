package policies

import (
	"context"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/earsim/earsim/sim"
)

// readQueries are the admission query of each read op, prepared over only
// the rule files whose deny or warn can answer it (opGuard), on first use.
// A read's guards are `in` sets that OPA's rule index does not use, so over
// all rules every guarded rule is tried: 185 µs for GetEncryptionConfig
// against 15 µs over its own eight files (docs/BENCHMARKS.md, issue 15).
// Writes keep the full query: OPA's index already skips other ops' rules
// there, and a subset was measured no faster. TestReadQueriesAgree proves
// the answers equal the full query's over every scenario.
type readQueries struct {
	mu sync.Mutex
	q  map[string]*rego.PreparedEvalQuery // nil entry: use the full query
}

// never gives a subset's deny and warn a definition, so that a subset in
// which no rule defines them still answers empty sets, as the full policies
// do when no rule fires.
const never = `package earsim.rules

deny contains x if x := input["earsim: never"]

warn contains x if x := input["earsim: never"]
`

func isRead(op string) bool {
	spec, ok := sim.Spec(sim.Op(op))
	return ok && spec.Read
}

// readQuery returns the prepared query for op: its own for a read op, the
// full one otherwise (or when the subset cannot be built).
func (e *Engine) readQuery(op string) rego.PreparedEvalQuery {
	if !isRead(op) {
		return e.admit
	}
	r := &e.reads
	r.mu.Lock()
	defer r.mu.Unlock()
	if q, ok := r.q[op]; ok {
		if q == nil {
			return e.admit
		}
		return *q
	}
	if r.q == nil {
		r.q = map[string]*rego.PreparedEvalQuery{}
	}
	q, err := e.subsetQuery(op)
	if err != nil {
		r.q[op] = nil
		return e.admit
	}
	r.q[op] = &q
	return q
}

func (e *Engine) subsetQuery(op string) (rego.PreparedEvalQuery, error) {
	mods, err := Modules(false)
	if err != nil {
		return rego.PreparedEvalQuery{}, err
	}
	sub := map[string]*ast.Module{}
	for name, m := range mods {
		if strings.HasPrefix(name, "rules/") {
			if g := opGuard(m.Rules); g != nil && !g[op] {
				continue
			}
		}
		sub[name] = m
	}
	stub, err := ast.ParseModuleWithOpts("earsim-never.rego", never, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return rego.PreparedEvalQuery{}, err
	}
	sub["earsim-never.rego"] = stub
	c, err := Compile(sub)
	if err != nil {
		return rego.PreparedEvalQuery{}, err
	}
	return rego.New(rego.Query(AdmissionQuery), rego.Compiler(c), rego.StrictBuiltinErrors(true)).PrepareForEval(context.Background())
}
