package policies

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
)

// A team's answers are remembered by what its rules read, as RuleMemo
// remembers a built-in rule's: a team rule is a function of its input and
// the team's data alone (it compiles only with Capabilities(), without
// nondeterministic builtins), so two questions of one op that read the
// same values get the same findings. The key is a digest of the exact
// values read (the paths of the op's question, input.step and input.plan
// when read), not of what they mean: every difference in a value, its type
// included, is a different key. A check of many plans asks the same
// questions again at the same steps (the same modules, the same changes);
// they are answered without converting the input or evaluating.

// teamMemoBytes bounds the remembered answers (their estimated size).
const teamMemoBytes = 4 << 20

type teamMemoKey struct {
	q *teamQuery
	d [32]byte
}

type teamMemo = bounded[teamMemoKey, []TeamFinding]

func newTeamMemo() *teamMemo {
	return &teamMemo{entries: math.MaxInt, limit: teamMemoBytes}
}

func findingsSize(fs []TeamFinding) int64 {
	n := int64(96)
	for _, f := range fs {
		n += 96 + int64(len(f.Rule)+len(f.Msg)+len(f.Code))
	}
	return n
}

var digestBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// key is the digest of what q reads of in, step and plan's digest (nil: not
// given), in the order q reads them.
func (q *teamQuery) key(in map[string]any, step map[string]any, plan *[32]byte) teamMemoKey {
	bp := digestBufs.Get().(*[]byte)
	b := (*bp)[:0]
	if q.paths == nil {
		b = encodeValue(b, in)
	} else {
		for _, p := range q.paths {
			b = encodePath(b, p)
			if v, ok := lookup(in, p); ok {
				b = encodeValue(append(b, 'y'), v)
			} else {
				b = append(b, 'n')
			}
		}
	}
	if q.step && step != nil {
		b = encodeValue(append(b, 'S'), step)
	}
	if q.plan && plan != nil {
		b = append(append(b, 'P'), plan[:]...)
	}
	k := teamMemoKey{q: q, d: sha256.Sum256(b)}
	*bp = b
	digestBufs.Put(bp)
	return k
}

// planDigest is the digest of the plan's parts at paths (nil: all of it).
func planDigest(doc map[string]any, paths [][]string) [32]byte {
	var b []byte
	if paths == nil {
		b = encodeValue(b, doc)
	} else {
		for _, p := range paths {
			b = encodePath(b, p)
			if v, ok := lookup(doc, p); ok {
				b = encodeValue(append(b, 'y'), v)
			} else {
				b = append(b, 'n')
			}
		}
	}
	return sha256.Sum256(b)
}

func encodePath(b []byte, p []string) []byte {
	b = binary.AppendUvarint(append(b, 'p'), uint64(len(p)))
	for _, k := range p {
		b = encodeString(b, k)
	}
	return b
}

func encodeString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// encodeValue appends an encoding of a JSON-shaped value that tells every
// two values apart (a type tag, lengths before contents, map keys in
// order); a value of another type is encoded as encoding/json writes it,
// as OPA converts it.
func encodeValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, '0')
	case bool:
		if x {
			return append(b, 't')
		}
		return append(b, 'f')
	case string:
		return encodeString(append(b, 's'), x)
	case json.Number:
		return encodeString(append(b, '#'), string(x))
	case int:
		return strconv.AppendInt(append(b, 'i'), int64(x), 10)
	case int64:
		return strconv.AppendInt(append(b, 'I'), x, 10)
	case float64:
		return strconv.AppendFloat(append(b, 'F'), x, 'g', -1, 64)
	case map[string]any:
		b = binary.AppendUvarint(append(b, '{'), uint64(len(x)))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = encodeValue(encodeString(b, k), x[k])
		}
		return b
	case []any:
		b = binary.AppendUvarint(append(b, '['), uint64(len(x)))
		for _, e := range x {
			b = encodeValue(b, e)
		}
		return b
	case []string:
		b = binary.AppendUvarint(append(b, '<'), uint64(len(x)))
		for _, e := range x {
			b = encodeString(b, e)
		}
		return b
	}
	j, err := json.Marshal(v)
	if err != nil {
		j = []byte(err.Error()) // such a value fails its conversion: never answered
	}
	return encodeString(append(b, 'j'), string(j))
}
