package policies

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/earsim/earsim/sim"
)

// answerEach answers element-wise units (readAnalysis.elementwise) that
// all read the clock or all do not: for each, the union of its answers for
// each endpoint record alone. A record's answers to the group are
// remembered together, keyed by the record and the rest of what the units
// read, with ids numbered on their own (so that a record answers alike
// among any others), or evaluated on the input with that record as the
// only one.
func (m *RuleMemo) answerEach(g []*unit, k *call) ([]map[string]any, error) {
	whole := func() ([]map[string]any, error) { // no record to answer by: each as a whole
		out := make([]map[string]any, len(g))
		for i, u := range g {
			ans, err := m.eval(u, k)
			if err != nil {
				return nil, err
			}
			out[i] = ans
		}
		return out, nil
	}
	v, _ := lookup(k.in, []string{"project", "endpoints"})
	records, ok := v.([]any)
	if !ok {
		return whole()
	}
	clock := g[0].clock
	c := m.canons.Get().(*sim.Canon)
	defer m.canons.Put(c)
	c.Reset()
	c.RelativeTo(k.now)
	c.IgnoreTimes(!clock)
	var paths [][]string // the rest the units read, each path once
	seen := map[string]bool{}
	for _, u := range g {
		c.Value(int64(u.index))
		for _, p := range u.paths {
			if j := strings.Join(p, "\x00"); !seen[j] {
				seen[j] = true
				paths = append(paths, p)
			}
		}
	}
	for _, p := range paths {
		v, found := lookup(k.in, p)
		c.Value(p[:len(p)-1])
		if found {
			c.Entry(p[len(p)-1], v)
		} else {
			c.Absent(p[len(p)-1])
		}
	}
	if c.Bad() {
		return whole()
	}
	// Each record after the rest: its encoding remembered while the Machine
	// hands the record over (docDigests), its ids numbered after the rest's.
	rest, prefix := c.Mark(), c.Sum()
	lists := make([]map[string][][]any, len(g)) // by unit, head: each record's set
	for _, e := range records {
		c.Rewind(rest)
		var buf [64 + 8*16]byte
		b := append(buf[:0], prefix[:]...)
		if d, ok := m.docs.get(e, k.now, "endpoint", !clock); ok {
			b = append(b, d.d[:]...)
			for _, id := range d.ids {
				b = binary.AppendUvarint(b, uint64(c.Name(id)))
			}
		} else {
			c.Entry("endpoint", e)
			if c.Bad() {
				return whole()
			}
			s := c.SumFrom(rest.Len())
			b = append(b, s[:]...)
		}
		key := sha256.Sum256(b)
		m.lookups.Add(1)
		answers, hit := m.records.get(key)
		if hit {
			m.hits.Add(1)
		} else {
			in, err := k.projected(unionPaths(g), true, e)
			if err != nil {
				return nil, err
			}
			holes := c.Placeholders()
			answers = recordAnswers{ans: make([]stored, len(g)), empty: true}
			size := int64(96)
			for i, u := range g {
				x, err := evalOn(u.query, u.name, in)
				if err != nil {
					return nil, err
				}
				ans, ok := x.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s: result %T", u.name, x)
				}
				answers.ans[i] = storedAs(ans, holes)
				size = sizeFor(&m.records, size, answers.ans[i].ans)
				for _, l := range ans {
					answers.empty = answers.empty && len(list(l)) == 0
				}
			}
			m.records.put(key, answers, size)
		}
		if answers.empty {
			continue
		}
		restore := c.Restorer()
		for i, st := range answers.ans {
			for h, l := range st.restored(restore) {
				if l := list(l); len(l) > 0 {
					if lists[i] == nil {
						lists[i] = map[string][][]any{}
					}
					lists[i][h] = append(lists[i][h], l)
				}
			}
		}
	}
	out := make([]map[string]any, len(g))
	for i := range g {
		out[i] = map[string]any{}
		for h, ls := range lists[i] {
			l, err := union(ls)
			if err != nil {
				return nil, err
			}
			out[i][h] = l
		}
	}
	return out, nil
}

// recordAnswers are an element-wise group's answers for one record, unit by
// unit.
type recordAnswers struct {
	ans   []stored
	empty bool // no unit says anything of the record (most records, most of the time)
}

// unionPaths is what a group of units is evaluated on.
func unionPaths(g []*unit) [][]string {
	var out [][]string
	for _, u := range g {
		out = append(out, u.evalPaths...)
	}
	return out
}
