package explore

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/earsim/earsim/sim"
)

// memo remembers a Checker's answers by the content of the input, so that
// the many states of a search that show a rule the same document pay for one
// evaluation. The key is the canonical encoding of the input (see canon),
// with generated ids renamed in order of appearance: an answer is stored
// with its ids replaced by placeholders and handed back with the ids of the
// input that asks, so that worlds which differ only in the ids the generator
// drew share answers. A Checker is deterministic (sim.Checker), so an answer
// depends on nothing but its input.
type memo struct {
	next    sim.Checker
	canons  sync.Pool
	shards  [64]memoShard
	hits    atomic.Int64
	lookups atomic.Int64
	// verify, for tests, asks the next Checker on every hit too and counts
	// the answers that differ from the remembered one in wrong.
	verify bool
	wrong  atomic.Int64
}

type memoShard struct {
	mu      sync.Mutex
	admit   map[[32]byte]sim.Decision
	inspect map[[32]byte]sim.Report
}

func newMemo(next sim.Checker) *memo {
	m := &memo{next: next}
	m.canons.New = func() any { return newCanon() }
	for i := range m.shards {
		m.shards[i].admit = map[[32]byte]sim.Decision{}
		m.shards[i].inspect = map[[32]byte]sim.Report{}
	}
	return m
}

// key encodes an input; ok is false when it holds a value canon cannot encode.
func (m *memo) key(kind byte, in sim.Input) (c *canon, k [32]byte, ok bool) {
	c = m.canons.Get().(*canon)
	c.reset()
	c.tag(kind)
	if now, ok := in["now"].(int64); ok {
		c.rel, c.now = true, now
	}
	c.value(map[string]any(in))
	return c, c.sum(), !c.bad
}

func (m *memo) shard(k [32]byte) *memoShard { return &m.shards[k[0]%byte(len(m.shards))] }

// Admit answers from the memo or asks the next Checker.
func (m *memo) Admit(in sim.Input) (sim.Decision, error) {
	c, k, ok := m.key('A', in)
	defer m.canons.Put(c)
	if !ok {
		return m.next.Admit(in)
	}
	m.lookups.Add(1)
	sh := m.shard(k)
	sh.mu.Lock()
	d, hit := sh.admit[k]
	sh.mu.Unlock()
	if hit {
		m.hits.Add(1)
		d = mapDecision(d, c.restorer())
		if m.verify {
			if fresh, err := m.next.Admit(in); err != nil || !reflect.DeepEqual(norm(fresh), norm(d)) {
				m.wrong.Add(1)
			}
		}
		return d, nil
	}
	d, err := m.next.Admit(in)
	if err != nil {
		return d, err
	}
	sh.mu.Lock()
	sh.admit[k] = mapDecision(d, c.placeholders())
	sh.mu.Unlock()
	return d, nil
}

// Inspect answers from the memo or asks the next Checker.
func (m *memo) Inspect(in sim.Input) (sim.Report, error) {
	c, k, ok := m.key('I', in)
	defer m.canons.Put(c)
	if !ok {
		return m.next.Inspect(in)
	}
	m.lookups.Add(1)
	sh := m.shard(k)
	sh.mu.Lock()
	r, hit := sh.inspect[k]
	sh.mu.Unlock()
	if hit {
		m.hits.Add(1)
		r = mapReport(r, c.restorer())
		if m.verify {
			if fresh, err := m.next.Inspect(in); err != nil || !reflect.DeepEqual(norm(fresh), norm(r)) {
				m.wrong.Add(1)
			}
		}
		return r, nil
	}
	r, err := m.next.Inspect(in)
	if err != nil {
		return r, err
	}
	sh.mu.Lock()
	sh.inspect[k] = mapReport(r, c.placeholders())
	sh.mu.Unlock()
	return r, nil
}

// placeholders replaces the input's generated ids by their placeholders;
// restorer does the reverse for another input with the same key.
func (c *canon) placeholders() func(string) string {
	if len(c.ids) == 0 {
		return nil
	}
	pairs := make([]string, 0, 2*len(c.ids))
	for i, id := range c.ids {
		pairs = append(pairs, id, placeholder(i))
	}
	return strings.NewReplacer(pairs...).Replace
}

func (c *canon) restorer() func(string) string {
	if len(c.ids) == 0 {
		return nil
	}
	pairs := make([]string, 0, 2*len(c.ids))
	for i, id := range c.ids {
		pairs = append(pairs, placeholder(i), id)
	}
	return strings.NewReplacer(pairs...).Replace
}

// placeholder cannot occur in a rule's text: it holds NUL bytes.
func placeholder(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }

// mapDecision returns a copy of d with f applied to every string that can
// hold an id (f nil: d itself, answers are never modified in place).
func mapDecision(d sim.Decision, f func(string) string) sim.Decision {
	if f == nil {
		return d
	}
	out := sim.Decision{}
	for _, v := range d.Deny {
		v.Msg = f(v.Msg)
		if v.Params != nil {
			ps := make([]string, len(v.Params))
			for i, p := range v.Params {
				ps[i] = f(p)
			}
			v.Params = ps
		}
		out.Deny = append(out.Deny, v)
	}
	for _, w := range d.Warn {
		w.Msg, w.Target = f(w.Msg), mapTarget(w.Target, f)
		if w.Apply != nil {
			a := *w.Apply
			a.Cluster, a.Endpoint, a.ErrorMessage = f(a.Cluster), f(a.Endpoint), f(a.ErrorMessage)
			w.Apply = &a
		}
		out.Warn = append(out.Warn, w)
	}
	return out
}

func mapReport(r sim.Report, f func(string) string) sim.Report {
	if f == nil {
		return r
	}
	out := sim.Report{Valid: r.Valid, Clusters: r.Clusters}
	for _, c := range r.Conditions {
		c.Msg, c.Target = f(c.Msg), mapTarget(c.Target, f)
		out.Conditions = append(out.Conditions, c)
	}
	for _, b := range r.Violations {
		b.Msg, b.Target = f(b.Msg), mapTarget(b.Target, f)
		out.Violations = append(out.Violations, b)
	}
	return out
}

func mapTarget(t map[string]string, f func(string) string) map[string]string {
	if t == nil {
		return nil
	}
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = f(v)
	}
	return out
}

// norm is an answer as JSON values, so that nil and empty lists compare equal.
func norm(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
