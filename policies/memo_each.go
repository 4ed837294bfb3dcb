package policies

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/earsim/earsim/sim"
	"github.com/open-policy-agent/opa/v1/ast"
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
	sets := make([]map[string]ast.Set, len(g))
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
			if answers.empty {
				continue
			}
			if answers.ids {
				restore := c.Restorer()
				answers.ans = slices.Clone(answers.ans)
				for i, a := range answers.ans {
					answers.ans[i] = mapStrings(a, restore).(map[string]any)
				}
			}
		} else {
			in, err := k.projected(unionPaths(g), true, e)
			if err != nil {
				return nil, err
			}
			answers.ans = make([]map[string]any, len(g))
			holes := c.Placeholders()
			st := recordAnswers{ans: make([]map[string]any, len(g))}
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
				answers.ans[i] = ans
				st.ans[i] = ans
				if h := mapStrings(ans, holes).(map[string]any); !reflect.DeepEqual(h, ans) {
					st.ans[i], st.ids = h, true
				}
				size += docSize(st.ans[i])
			}
			if st.ids { // every answer in placeholders, so one restore serves all
				for i := range st.ans {
					st.ans[i] = mapStrings(answers.ans[i], holes).(map[string]any)
				}
			}
			st.empty = !slices.ContainsFunc(st.ans, func(a map[string]any) bool {
				for _, l := range a {
					if len(list(l)) > 0 {
						return true
					}
				}
				return false
			})
			m.records.put(key, st, size)
		}
		for i, ans := range answers.ans {
			for h, l := range ans {
				for _, x := range list(l) {
					t, err := ast.InterfaceToValue(x)
					if err != nil {
						return nil, err
					}
					if sets[i] == nil {
						sets[i] = map[string]ast.Set{}
					}
					if sets[i][h] == nil {
						sets[i][h] = ast.NewSet()
					}
					sets[i][h].Add(ast.NewTerm(t))
				}
			}
		}
	}
	out := make([]map[string]any, len(g))
	for i := range g {
		out[i] = map[string]any{}
		for h, set := range sets[i] {
			j, err := ast.JSON(set) // a set's elements in Rego's order
			if err != nil {
				return nil, err
			}
			out[i][h] = j
		}
	}
	return out, nil
}

// recordAnswers are an element-wise group's answers for one record, unit by
// unit; ids tells whether they hold placeholders.
type recordAnswers struct {
	ans   []map[string]any
	ids   bool
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
