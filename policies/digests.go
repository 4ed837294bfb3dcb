package policies

import (
	"math"
	"reflect"
	"sync"

	"github.com/earsim/earsim/sim"
)

// docDigests remembers the encoding of the documents the Machine hands over
// again and again (a project's endpoints, clusters, the Azure keys) by their
// identity and the clock: the Machine never modifies a map or list once it
// is part of an Input (sim.Input). An entry holds its document, so its
// address cannot be reused while the entry lives.
type docDigests struct {
	m      bounded[docKey, docDigest]
	canons *sync.Pool
}

type docKey struct {
	p   uintptr
	n   int
	now int64
	key string
}

type docDigest struct {
	pin any
	d   [32]byte
	ids []string // generated ids in order of appearance, numbered 0, 1, ...
}

const docDigestsSize = 1 << 16

// get returns the digest of a map or non-empty list; ok is false for other
// values, which are encoded in place.
func (c *docDigests) get(v any, now int64, key string, timeless bool) (docDigest, bool) {
	var k docKey
	switch x := v.(type) {
	case map[string]any:
		k = docKey{p: uintptr(reflect.ValueOf(x).UnsafePointer()), n: len(x)}
	case []any:
		if len(x) == 0 {
			return docDigest{}, false
		}
		k = docKey{p: uintptr(reflect.ValueOf(x).UnsafePointer()), n: len(x)}
	default:
		return docDigest{}, false
	}
	k.now, k.key = now, key
	if timeless {
		k.now = math.MinInt64 // one digest at every moment
	}
	d, ok := c.m.get(k)
	if ok {
		return d, true
	}
	lc := c.canons.Get().(*sim.Canon)
	defer c.canons.Put(lc)
	lc.Reset()
	lc.RelativeTo(now)
	lc.IgnoreTimes(timeless)
	lc.Entry(key, v)
	if lc.Bad() {
		return docDigest{}, false // encoded in place, where the call sees it is bad
	}
	d = docDigest{pin: v, d: lc.Sum(), ids: lc.IDList()}
	// An entry pins its document: counted in full, as if no other entry
	// or the world held it (an overestimate).
	c.m.put(k, d, sizeFor(&c.m, 128+int64(24*len(d.ids)), v))
	return d, true
}

// lookup finds the value at a path of nested documents.
func lookup(in map[string]any, p []string) (any, bool) {
	var v any = in
	for _, k := range p {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// mapStrings returns a copy of a JSON-shaped value with f applied to every
// string in it (keys too); f nil returns v itself (answers in memory are
// never modified in place).
func mapStrings(v any, f func(string) string) any {
	if f == nil {
		return v
	}
	switch x := v.(type) {
	case string:
		return f(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapStrings(e, f)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[f(k)] = mapStrings(e, f)
		}
		return out
	}
	return v
}
