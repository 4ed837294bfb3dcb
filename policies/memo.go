package policies

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/earsim/earsim/sim"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// RuleMemo is a sim.Checker for whatever asks the policies about many
// states differing in a little each (a search; earsim serve, through
// Service): it evaluates the rules one by one and remembers each rule's
// answer by the part of the input that rule reads (see reads.go), so that a
// state change only re-evaluates the rules that read what changed. Keys are
// canonical (sim.Canon): generated ids renamed, and times as distances from
// the clock, or left out for a rule that does not read the clock. A rule
// that reads the endpoint list only through a derived document
// (derivedDocs) is keyed by the document's value; one that reads it record
// by record (readAnalysis.elementwise) is answered record by record; each
// is evaluated on the part of the input it reads. Answers are the Engine's
// answers: the rules' outputs are gathered into the same sets, in the same
// order, as the admission and state entry points gather them
// (TestRuleMemoAgreesWithEngine compares every answer during the bundled
// scenarios and searches). It remembers up to unitCacheSize answers per
// rule, and with Limit no more than a number of bytes.
type RuleMemo struct {
	engine  *Engine
	admit   []*unit
	state   []*unit
	paths   [][]string // every path some unit or derived document reads, in a fixed order
	derived map[string]*derived
	canons  sync.Pool
	calls   sync.Pool // *call, for reuse
	docs    docDigests
	records bounded[[32]byte, recordAnswers] // element-wise units' answers, record by record
	hits    atomic.Int64
	lookups atomic.Int64
}

var _ sim.Checker = (*RuleMemo)(nil)

// unit is one rule (a module under rules/, with the rule modules it uses)
// compiled on its own with lib.
type unit struct {
	name    string
	index   int
	paths   [][]string      // input paths it reads; nil: the whole input
	slots   []int           // the paths as indexes into RuleMemo.paths
	derived []*derived      // derived documents it reads (derivedDocs), by name
	ops     map[string]bool // admission: the only ops it can answer; nil: any
	each    bool            // answers endpoint by endpoint (readAnalysis.elementwise); paths are the rest
	clock   bool            // reads the clock (input.now), and so times; else keyed without them
	// evalPaths is what it is evaluated on: its paths and those its
	// derived documents read (it computes them itself); nil: the whole input
	evalPaths [][]string
	query     rego.PreparedEvalQuery
	cache     bounded[[32]byte, stored]
}

// derived is a derived document (derivedDocs) evaluated on its own; its
// value is remembered by the paths it reads, as a unit's answer is.
type derived struct {
	name  string // the path under data, "earsim/lib/active_regions"
	index int
	paths [][]string // input paths it reads (never the whole input)
	slots []int
	clock bool // reads the clock, as unit.clock
	query rego.PreparedEvalQuery
	cache bounded[[32]byte, stored]
}

// unitCacheSize bounds the answers remembered per rule.
const unitCacheSize = 1 << 16

// stored is a remembered answer; ids tells whether it holds placeholders.
type stored struct {
	ans map[string]any
	ids bool
}

// storedAs is an answer as it is remembered: with the asker's generated ids
// (holes: those the asker's canon numbered) in placeholders, if it holds any.
func storedAs(ans map[string]any, holes func(string) string) stored {
	if holes != nil {
		if h := mapStrings(ans, holes).(map[string]any); !reflect.DeepEqual(h, ans) {
			return stored{ans: h, ids: true}
		}
	}
	return stored{ans: ans}
}

// restored is a remembered answer with the asker's ids.
func (st stored) restored(restore func(string) string) map[string]any {
	if !st.ids {
		return st.ans
	}
	return mapStrings(st.ans, restore).(map[string]any)
}

// union is the elements of lists as one set, in Rego's order, as the entry
// points gather the rules' sets; one list is returned as it is (a rule's
// set: in Rego's order already).
func union(lists [][]any) ([]any, error) {
	if len(lists) == 1 {
		return lists[0], nil
	}
	set := ast.NewSet()
	for _, l := range lists {
		for _, x := range l {
			t, err := ast.InterfaceToValue(x)
			if err != nil {
				return nil, err
			}
			set.Add(ast.NewTerm(t))
		}
	}
	j, err := ast.JSON(set)
	if err != nil {
		return nil, err
	}
	l, _ := j.([]any)
	return l, nil
}

// The documents each kind of unit contributes, by entry point.
var (
	admissionHeads = []string{"deny", "warn"}
	stateHeads     = []string{"condition", "invariant", "valid", "private_networking", "clocked"}
)

// NewRuleMemo compiles every rule of e's policies on its own and finds what
// it reads.
func NewRuleMemo(e *Engine) (*RuleMemo, error) {
	parsed, err := Modules(false)
	if err != nil {
		return nil, err
	}
	an := newReadAnalysis(parsed)
	m := &RuleMemo{engine: e, derived: map[string]*derived{}}
	m.canons.New = func() any { return sim.NewCanon() }
	m.docs.canons = &m.canons
	m.docs.m = bounded[docKey, docDigest]{entries: docDigestsSize}
	m.records = bounded[[32]byte, recordAnswers]{entries: unitCacheSize}
	for _, name := range slices.Sorted(maps.Keys(parsed)) {
		if !strings.HasPrefix(name, "rules/") {
			continue
		}
		if err := m.addRule(name, parsed, an); err != nil {
			return nil, err
		}
	}
	if err := m.addDerived(an); err != nil {
		return nil, err
	}
	for _, u := range append(append([]*unit{}, m.admit...), m.state...) {
		if u.paths != nil {
			u.evalPaths = slices.Clone(u.paths)
			for _, d := range u.derived {
				u.evalPaths = append(u.evalPaths, d.paths...)
			}
		}
	}
	m.assignSlots()
	return m, nil
}

// readsClock reports whether paths include the clock (nil: the whole input).
// The rules read a time only as its distance from the clock, input.now - t
// (TestRulesReadTimesOnlyAsDistances), so what does not read the clock
// reads no time, and is keyed without them.
func readsClock(paths [][]string) bool {
	return paths == nil || slices.ContainsFunc(paths, func(p []string) bool { return p[0] == "now" })
}

// addDerived prepares the derived documents the units read, each as a query
// on the Engine's compiler, with the input paths it reads.
func (m *RuleMemo) addDerived(an *readAnalysis) error {
	for _, name := range slices.Sorted(maps.Keys(m.derived)) {
		d := m.derived[name]
		reads := newReadSet()
		if err := an.closure(an.rules[name], reads, false); err != nil {
			return fmt.Errorf("data.%s: %w", strings.ReplaceAll(name, "/", "."), err)
		}
		if d.paths = reads.list(); d.paths == nil {
			return fmt.Errorf("data.%s reads the whole input: not a derived document", strings.ReplaceAll(name, "/", "."))
		}
		d.clock = readsClock(d.paths)
		q, err := rego.New(rego.Query("x := data."+strings.ReplaceAll(name, "/", ".")), rego.Compiler(m.engine.compiler), rego.StrictBuiltinErrors(true)).
			PrepareForEval(context.Background())
		if err != nil {
			return fmt.Errorf("data.%s: %w", strings.ReplaceAll(name, "/", "."), err)
		}
		d.query = q
	}
	return nil
}

// addRule adds the units of one rule module: one for the admission entry
// point, one for the state entry point, as the module has rules for them.
func (m *RuleMemo) addRule(name string, parsed map[string]*ast.Module, an *readAnalysis) error {
	own := gathered(parsed[name].Rules)
	if len(own) == 0 {
		return nil // helpers only
	}
	// The module with the rule modules it uses, transitively (mig_01 reads
	// cl_02's private_networking): compiled together, the unit reads what
	// they all read and answers what they all define.
	set := map[string]bool{name: true}
	for queue := []string{name}; len(queue) > 0; queue = queue[1:] {
		for _, r := range parsed[queue[0]].Rules {
			for _, ref := range an.refs(r, newReadSet()) {
				if len(ref) < 3 || ref[0] != "earsim" || ref[1] != "rules" {
					continue
				}
				for _, dep := range an.definedIn(ref[2], "rules/") {
					if !set[dep] {
						set[dep] = true
						queue = append(queue, dep)
					}
				}
			}
		}
	}
	mods := map[string]*ast.Module{"lib/lib.rego": parsed["lib/lib.rego"].Copy()}
	var rules []*ast.Rule
	for _, mn := range slices.Sorted(maps.Keys(set)) {
		rules = append(rules, parsed[mn].Rules...)
		mods[mn] = parsed[mn].Copy()
	}
	heads := gathered(rules)
	c, err := Compile(mods)
	if err != nil {
		return fmt.Errorf("%s on its own: %w", name, err)
	}
	for _, entry := range [][]string{admissionHeads, stateHeads} {
		var fields []string
		for _, h := range entry {
			if heads[h] {
				fields = append(fields, fmt.Sprintf("%q: data.earsim.rules.%s", h, h))
			}
		}
		if len(fields) == 0 {
			continue
		}
		// What the entry point's rules read, with what they use: a state
		// unit is not keyed by the request its admission rules read.
		var asked []*ast.Rule
		for _, r := range rules {
			if slices.Contains(entry, ruleName(r)) {
				asked = append(asked, r)
			}
		}
		reads := newReadSet()
		if err := an.closure(asked, reads, true); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		q, err := rego.New(rego.Query("x := {"+strings.Join(fields, ", ")+"}"), rego.Compiler(c), rego.StrictBuiltinErrors(true)).
			PrepareForEval(context.Background())
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		u := &unit{name: path.Base(path.Dir(name)), paths: reads.list(), query: q, cache: bounded[[32]byte, stored]{entries: unitCacheSize}}
		if rest, ok := an.elementwise(asked); ok {
			u.each, u.paths, reads = true, append([][]string{}, rest.list()...), rest
		}
		u.clock = readsClock(u.paths)
		for _, dn := range slices.Sorted(maps.Keys(reads.derived)) {
			if m.derived[dn] == nil {
				m.derived[dn] = &derived{name: dn, index: len(m.derived), cache: bounded[[32]byte, stored]{entries: unitCacheSize}}
			}
			u.derived = append(u.derived, m.derived[dn])
		}
		if entry[0] == admissionHeads[0] {
			u.ops, u.index = opGuard(rules), len(m.admit)
			m.admit = append(m.admit, u)
		} else {
			u.index = 1000 + len(m.state)
			m.state = append(m.state, u)
		}
	}
	return nil
}

// gathered returns the documents among the rules' that an entry point gathers.
func gathered(rules []*ast.Rule) map[string]bool {
	out := map[string]bool{}
	for _, r := range rules {
		if h := ruleName(r); isGathered(h) {
			out[h] = true
		}
	}
	return out
}

// assignSlots indexes every unit's paths into one ordered list, so that a
// call encodes each path once and in one order (see call.digest).
func (m *RuleMemo) assignSlots() {
	units := append(append([]*unit{}, m.admit...), m.state...)
	all := [][][]string{}
	for _, u := range units {
		all = append(all, u.paths)
	}
	for _, d := range m.derived {
		all = append(all, d.paths)
	}
	slot := map[string]int{}
	var keys []string
	for _, ps := range all {
		for _, p := range ps {
			k := strings.Join(p, "\x00")
			if _, ok := slot[k]; !ok {
				slot[k] = -1
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		slot[k] = i
		m.paths = append(m.paths, strings.Split(k, "\x00"))
	}
	slots := func(ps [][]string) (out []int) {
		for _, p := range ps {
			out = append(out, slot[strings.Join(p, "\x00")])
		}
		return out
	}
	for _, u := range units {
		u.slots = slots(u.paths)
	}
	for _, d := range m.derived {
		d.slots = slots(d.paths)
	}
}

func isGathered(doc string) bool {
	return slices.Contains(admissionHeads, doc) || slices.Contains(stateHeads, doc)
}

// Reads returns, rule by rule ("admission/mig_01", "state/mig_01": the
// entry point and the rule's directory), what the memo keys that rule's
// answers by: input paths ("*" stands for the whole input; "project.endpoints[_]"
// for each endpoint record on its own: unit.each), then the derived
// documents it reads instead of their input ("data.earsim.lib.active_regions").
func (m *RuleMemo) Reads() map[string][]string {
	out := map[string][]string{}
	for i, units := range [][]*unit{m.admit, m.state} {
		for _, u := range units {
			var ps []string
			for _, p := range u.paths {
				ps = append(ps, strings.Join(p, "."))
			}
			if u.paths == nil {
				ps = []string{"*"}
			}
			if u.each {
				ps = append(ps, "project.endpoints[_]")
			}
			for _, d := range u.derived {
				ps = append(ps, "data."+strings.ReplaceAll(d.name, "/", "."))
			}
			out[[]string{"admission/", "state/"}[i]+u.name] = ps
		}
	}
	return out
}

// Limit bounds what the memo remembers by its estimated size as well as by
// entries, for a memo that lives as long as a service does (earsim serve):
// half the bytes for the documents' digests, half shared out among the
// rules' answers. Call it before the first question.
func (m *RuleMemo) Limit(bytes int64) {
	m.docs.m.limit = bytes / 2
	n := int64(len(m.admit) + len(m.state) + len(m.derived) + 8)
	m.records.limit = bytes / 2 / n * 8 // the element-wise rules' answers, record by record: eight shares
	for _, u := range append(append([]*unit{}, m.admit...), m.state...) {
		u.cache.limit = bytes / 2 / n
	}
	for _, d := range m.derived {
		d.cache.limit = bytes / 2 / n
	}
}

// LimitDocuments bounds how many documents' digests the memo keeps by the
// documents' identity (docDigests; 65,536 unless set), for a memo asked
// about ever new documents: a search's Machines are rebuilt and stepped,
// each handing over maps of its own, so the digests of long-gone states'
// documents are seldom asked again, and each entry pins its document (a
// bound of 1,024 took the depth-8 search's peak memory from 665–726 MB to
// 400–410 MB). Call it before the first question.
func (m *RuleMemo) LimitDocuments(n int) { m.docs.m.entries = max(n, 2) }

// sizeFor is the size to remember v under in b: base and v's estimated
// size when b is bounded by bytes (Limit), else base alone (the entries
// bound reads no size, and estimating one walks v).
func sizeFor[K comparable, V any](b *bounded[K, V], base int64, v any) int64 {
	if b.limit == 0 { // set before the first question (Limit), never after
		return base
	}
	return base + docSize(v)
}

// Stats returns how many answers came from memory out of how many were asked.
func (m *RuleMemo) Stats() (hits, lookups int64) { return m.hits.Load(), m.lookups.Load() }

// Admit gathers the rules' refusals and forecasts.
func (m *RuleMemo) Admit(in sim.Input) (sim.Decision, error) {
	out, err := m.gather(m.admit, in, admissionHeads)
	if err != nil {
		return sim.Decision{}, err
	}
	return decodeDecision(map[string]any{"deny": out["deny"], "warn": out["warn"]}), nil
}

// Inspect gathers what the rules see in a project's state.
func (m *RuleMemo) Inspect(in sim.Input) (sim.Report, error) {
	out, err := m.gather(m.state, in, stateHeads)
	if err != nil {
		return sim.Report{}, err
	}
	return decodeReport(map[string]any{"conditions": out["condition"], "violations": out["invariant"], "valid": out["valid"], "clusters": out["private_networking"], "clocked": out["clocked"]}), nil
}

// call is one question to the memo: the input encoded path by path.
type call struct {
	m       *RuleMemo
	now     int64
	in      sim.Input
	c       *sim.Canon
	digests []digestOf // by slot<<1 | timeless, valid for this call's gen
	derived []digestOf // by derived document, valid for this call's gen
	gen     uint32     // tells this call's digests from earlier calls' (calls are reused)
	whole   *[32]byte  // the whole input, for units that read it all
	value   ast.Value  // the input as a Rego value, on the first miss
	restore func(string) string
	holes   func(string) string
	built   int // how many ids restore and holes know; -1: not built
}

// digestOf is a digest that a call with generation gen computed.
type digestOf struct {
	gen uint32
	d   [32]byte
}

// newCall returns a call for one question, reusing an earlier call's
// tables (release).
func (m *RuleMemo) newCall(now int64, in sim.Input, c *sim.Canon) *call {
	k, _ := m.calls.Get().(*call)
	if k == nil || k.gen == math.MaxUint32 {
		k = &call{digests: make([]digestOf, 2*len(m.paths)), derived: make([]digestOf, len(m.derived))}
	}
	k.gen++
	k.m, k.now, k.in, k.c, k.built = m, now, in, c, -1
	return k
}

// release returns a call for reuse, holding nothing of its question.
func (m *RuleMemo) release(k *call) {
	k.in, k.c, k.whole, k.value, k.restore, k.holes = nil, nil, nil, nil, nil, nil
	m.calls.Put(k)
}

// digest returns the hash of one path of the input; timeless, with its
// times left out (for a unit that does not read the clock, and so reads no
// time). Paths are encoded in
// the order they are first asked for, which depends only on the op (the
// units asked and their paths are fixed per op), so generated ids are
// numbered alike in calls that ask alike. A document the Machine hands over
// again (the same map or list: sim.Input) is encoded once per clock value,
// with its ids numbered on their own, and joined to the call's numbering.
func (k *call) digest(slot int, p []string, timeless bool) [32]byte {
	at := slot << 1
	if timeless {
		at |= 1
	}
	if x := &k.digests[at]; x.gen == k.gen {
		return x.d
	}
	v, found := lookup(k.in, p)
	var d [32]byte
	if doc, ok := k.m.docs.get(v, k.now, p[len(p)-1], timeless); found && ok {
		var buf [32 + 8*16]byte
		b := append(buf[:0], doc.d[:]...)
		for _, id := range doc.ids {
			b = binary.AppendUvarint(b, uint64(k.c.Name(id)))
		}
		d = sha256.Sum256(b)
	} else {
		from := k.c.Len()
		k.c.IgnoreTimes(timeless)
		k.c.Value(p[:len(p)-1])
		if found {
			k.c.Entry(p[len(p)-1], v)
		} else {
			k.c.Absent(p[len(p)-1])
		}
		k.c.IgnoreTimes(false)
		d = k.c.SumFrom(from)
	}
	k.digests[at] = digestOf{gen: k.gen, d: d}
	return d
}

// key is a unit's key: its index and the digests of the paths it reads.
func (k *call) key(u *unit) ([32]byte, error) {
	var buf [8 + 32*8]byte
	b := append(buf[:0], byte(u.index), byte(u.index>>8))
	if u.paths == nil {
		if k.whole == nil {
			from := k.c.Len()
			k.c.Value(map[string]any(k.in))
			d := k.c.SumFrom(from)
			k.whole = &d
		}
		b = append(b, k.whole[:]...)
	}
	for i, slot := range u.slots {
		d := k.digest(slot, u.paths[i], !u.clock)
		b = append(b, d[:]...)
	}
	if u.paths != nil { // the whole input covers every derived document
		for _, d := range u.derived {
			dd, err := k.derivedDigest(d)
			if err != nil {
				return [32]byte{}, err
			}
			b = append(b, dd[:]...)
		}
	}
	return sha256.Sum256(b), nil
}

// derivedDigest returns the hash of a derived document's value: evaluated
// by its query, or remembered by the digests of the paths it reads (with
// the call's generated ids in placeholders, as a unit's answer is stored).
// Its value is encoded in the call's numbering, in the order units ask.
func (k *call) derivedDigest(d *derived) ([32]byte, error) {
	if x := &k.derived[d.index]; x.gen == k.gen {
		return x.d, nil
	}
	var buf [8 + 32*8]byte
	b := append(buf[:0], byte(d.index), byte(d.index>>8))
	for i, slot := range d.slots {
		dd := k.digest(slot, d.paths[i], !d.clock)
		b = append(b, dd[:]...)
	}
	key := sha256.Sum256(b)
	var v any
	if st, hit := d.cache.get(key); hit {
		restore, _ := k.ids()
		v = st.restored(restore)["x"]
	} else {
		out, err := k.evalQuery(d.query, d.name, d.paths)
		if err != nil {
			return [32]byte{}, err
		}
		v = out
		_, holes := k.ids()
		st := storedAs(map[string]any{"x": v}, holes)
		d.cache.put(key, st, sizeFor(&d.cache, 96, st.ans))
	}
	from := k.c.Len()
	k.c.Entry(d.name, v)
	dd := k.c.SumFrom(from)
	k.derived[d.index] = digestOf{gen: k.gen, d: dd}
	return dd, nil
}

// ids returns the functions that swap the input's generated ids (those
// encoded so far, so every id of the paths of the unit just keyed) and
// their placeholders.
func (k *call) ids() (restore, holes func(string) string) {
	if n := k.c.IDs(); n != k.built {
		k.restore, k.holes, k.built = k.c.Restorer(), k.c.Placeholders(), n
	}
	return k.restore, k.holes
}

// gather asks the units that can answer op (from memory where they can)
// and merges their sets as the entry points do: a set's elements in Rego's
// order. Other documents (valid, private_networking) come from the one
// unit that defines them.
func (m *RuleMemo) gather(units []*unit, in sim.Input, heads []string) (map[string]any, error) {
	c := m.canons.Get().(*sim.Canon)
	defer m.canons.Put(c)
	c.Reset()
	// The rules read times only as distances from the clock
	// (TestRulesReadTimesOnlyAsDistances): a rule that does not read the
	// clock reads no time, and one that does decides alike at any time.
	now, _ := in["now"].(int64)
	c.RelativeTo(now)
	k := m.newCall(now, in, c)
	defer m.release(k)
	op, _ := in["op"].(string)
	lists := map[string][][]any{}
	out := map[string]any{}
	var answers []map[string]any
	var each [2][]*unit // element-wise units that do not read the clock, and that do
	for _, u := range units {
		if u.ops != nil && !u.ops[op] {
			continue
		}
		if u.each {
			i := 0
			if u.clock {
				i = 1
			}
			each[i] = append(each[i], u)
			continue
		}
		ans, err := m.answer(u, k)
		if err != nil {
			return nil, err
		}
		answers = append(answers, ans)
	}
	for _, g := range each {
		if len(g) > 0 {
			ans, err := m.answerEach(g, k)
			if err != nil {
				return nil, err
			}
			answers = append(answers, ans...)
		}
	}
	for _, ans := range answers {
		for _, h := range heads {
			v, ok := ans[h]
			if !ok {
				continue
			}
			if l, isList := v.([]any); isList && h != "valid" && h != "private_networking" {
				if len(l) > 0 {
					lists[h] = append(lists[h], l)
				}
				continue
			}
			out[h] = v
		}
	}
	for h, ls := range lists {
		l, err := union(ls)
		if err != nil {
			return nil, err
		}
		out[h] = l
	}
	return out, nil
}

// answer is one unit's answer: from memory, or evaluated and remembered.
func (m *RuleMemo) answer(u *unit, k *call) (map[string]any, error) {
	key, err := k.key(u)
	if err != nil {
		return nil, err
	}
	if k.c.Bad() {
		return m.eval(u, k)
	}
	m.lookups.Add(1)
	if st, hit := u.cache.get(key); hit {
		m.hits.Add(1)
		restore, _ := k.ids()
		return st.restored(restore), nil
	}
	ans, err := m.eval(u, k)
	if err != nil {
		return nil, err
	}
	_, holes := k.ids()
	st := storedAs(ans, holes)
	u.cache.put(key, st, sizeFor(&u.cache, 96, st.ans))
	return ans, nil
}

func (m *RuleMemo) eval(u *unit, k *call) (map[string]any, error) {
	paths := u.evalPaths
	if u.each { // answered as a whole: with the whole list
		paths = append(slices.Clip(paths), []string{"project", "endpoints"})
	}
	x, err := k.evalQuery(u.query, u.name, paths)
	if err != nil {
		return nil, err
	}
	out, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: result %T", u.name, x)
	}
	return out, nil
}

// projected is the part of the call's input that paths name, as a Rego
// value (nil paths: the whole input); with each, its project's endpoint list
// is the one record e. A unit reads nothing but its paths (reads.go), so it
// answers on the part as on the whole (TestRuleMemoAgreesWithEngine
// compares every answer), and converting what it reads costs less than the
// whole input, whose project document changes at every write. Maps and
// lists are converted once while the Machine hands them over (docCache).
func (k *call) projected(paths [][]string, each bool, e any) (ast.Value, error) {
	if paths == nil {
		if k.value == nil {
			v, err := k.m.engine.docs.input(k.in)
			if err != nil {
				return nil, fmt.Errorf("policy input: %w", err)
			}
			k.value = v
		}
		return k.value, nil
	}
	part := newPartial()
	put := part.put
	for _, p := range paths {
		if v, found := lookup(k.in, p); found {
			t, err := k.m.engine.docs.value(v)
			if err != nil {
				return nil, fmt.Errorf("policy input: %w", err)
			}
			put(p, t)
		}
	}
	if each { // the record converted by identity; the one-record list is new each time
		t, err := k.m.engine.docs.value(e)
		if err != nil {
			return nil, fmt.Errorf("policy input: %w", err)
		}
		put([]string{"project", "endpoints"}, ast.NewArray(ast.NewTerm(t)))
	}
	return part.root, nil
}

// partial builds the part of an input that some paths name: objects along
// the paths are built here; the values put at their ends, converted once
// and shared, are never modified (a path through one is copied first).
type partial struct {
	root ast.Object
	made map[ast.Object]bool
}

func newPartial() *partial {
	root := ast.NewObject()
	return &partial{root: root, made: map[ast.Object]bool{root: true}}
}

// put sets the value at path p (at least one key).
func (b *partial) put(p []string, v ast.Value) {
	o := b.root
	for _, key := range p[:len(p)-1] {
		kt := ast.StringTerm(key)
		var child ast.Object
		if t := o.Get(kt); t != nil {
			child, _ = t.Value.(ast.Object)
		}
		if !b.made[child] { // absent, not an object, or converted: a copy to add to
			c := ast.NewObject()
			if child != nil {
				child.Foreach(func(ck, cv *ast.Term) { c.Insert(ck, cv) })
			}
			child, b.made[c] = c, true
			o.Insert(kt, ast.NewTerm(child))
		}
		o = child
	}
	o.Insert(ast.StringTerm(p[len(p)-1]), ast.NewTerm(v))
}

// evalQuery evaluates a query binding x on the part of the call's input
// that paths name.
func (k *call) evalQuery(q rego.PreparedEvalQuery, name string, paths [][]string) (any, error) {
	in, err := k.projected(paths, false, nil)
	if err != nil {
		return nil, err
	}
	return evalOn(q, name, in)
}

// evalOn evaluates a query binding x on an input.
func evalOn(q rego.PreparedEvalQuery, name string, in ast.Value) (any, error) {
	rs, err := q.Eval(context.Background(), rego.EvalParsedInput(in))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("%s: %d results", name, len(rs))
	}
	return rs[0].Bindings["x"], nil
}
