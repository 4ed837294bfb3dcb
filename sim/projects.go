package sim

import (
	"encoding/json"
	"iter"
	"reflect"
	"slices"
)

// ProjectList is a world's projects in order. States share it: a step that
// changes a project copies the spine (a pointer per chunk) and the one
// chunk that holds it, never the whole list, so that a write costs the
// same in a world of 1 or 10,000 projects (issue 24: copying a slice of
// 10,000 pointers on every write was 29% of a write's CPU at that size).
// Chunks and the spine are never changed in place once a state holds them;
// the zero value is an empty list. It encodes as a JSON array.
type ProjectList struct {
	chunks [][]*Project // each holds chunkSize projects but the last
	n      int
}

// chunkSize is how many projects a chunk holds: a change copies one chunk
// and the spine, 8 × (chunkSize + n/chunkSize) bytes (1.7 KB at 10,000).
const chunkSize = 64

// ListOf returns a list of the given projects, in order.
func ListOf(ps ...*Project) ProjectList {
	var l ProjectList
	for c := range slices.Chunk(ps, chunkSize) {
		l.chunks = append(l.chunks, slices.Clip(slices.Clone(c)))
	}
	l.n = len(ps)
	return l
}

// Len is the number of projects.
func (l ProjectList) Len() int { return l.n }

// At returns the i-th project.
func (l ProjectList) At(i int) *Project { return l.chunks[i/chunkSize][i%chunkSize] }

// All yields the projects in order with their index.
func (l ProjectList) All() iter.Seq2[int, *Project] {
	return func(yield func(int, *Project) bool) {
		i := 0
		for _, c := range l.chunks {
			for _, p := range c {
				if !yield(i, p) {
					return
				}
				i++
			}
		}
	}
}

// Slice returns the projects as a new slice.
func (l ProjectList) Slice() []*Project {
	out := make([]*Project, 0, l.n)
	for _, c := range l.chunks {
		out = append(out, c...)
	}
	return out
}

// Equal reports whether two lists hold equal projects in the same order
// (go-cmp compares lists with it).
func (l ProjectList) Equal(o ProjectList) bool {
	if l.n != o.n {
		return false
	}
	for i, p := range l.All() {
		if q := o.At(i); p != q && !reflect.DeepEqual(p, q) {
			return false
		}
	}
	return true
}

// Append returns the list with p added at the end; l is unchanged.
func (l ProjectList) Append(p *Project) ProjectList {
	chunks := slices.Clone(l.chunks)
	if k := len(chunks); k > 0 && len(chunks[k-1]) < chunkSize {
		chunks[k-1] = append(slices.Clip(slices.Clone(chunks[k-1])), p)
	} else {
		chunks = append(chunks, []*Project{p})
	}
	return ProjectList{chunks: chunks, n: l.n + 1}
}

// Delete returns the list without its i-th project; l is unchanged. It
// rebuilds the chunks from i's on (a project's deletion is rare).
func (l ProjectList) Delete(i int) ProjectList {
	c := i / chunkSize
	rest := make([]*Project, 0, l.n-c*chunkSize)
	for _, ch := range l.chunks[c:] {
		rest = append(rest, ch...)
	}
	rest = slices.Delete(rest, i-c*chunkSize, i-c*chunkSize+1)
	out := ListOf(rest...)
	out.chunks = append(slices.Clip(slices.Clone(l.chunks[:c])), out.chunks...)
	out.n = l.n - 1
	return out
}

// MarshalJSON encodes the list as an array (empty: []).
func (l ProjectList) MarshalJSON() ([]byte, error) {
	if l.n == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal(l.Slice())
}

// UnmarshalJSON reads an array of projects (null: empty).
func (l *ProjectList) UnmarshalJSON(b []byte) error {
	var ps []*Project
	if err := json.Unmarshal(b, &ps); err != nil {
		return err
	}
	*l = ListOf(ps...)
	return nil
}

// listWriter changes one step's list in place once it has its own copy of
// the spine and of the chunk a change lands in: a step that changes k
// projects copies the spine once and at most k chunks.
type listWriter struct {
	spine  bool
	chunks map[int]bool
}

// set replaces the i-th project of *l.
func (w *listWriter) set(l *ProjectList, i int, p *Project) {
	if !w.spine {
		l.chunks, w.spine, w.chunks = slices.Clone(l.chunks), true, map[int]bool{}
	}
	c := i / chunkSize
	if !w.chunks[c] {
		l.chunks[c], w.chunks[c] = slices.Clone(l.chunks[c]), true
	}
	l.chunks[c][i%chunkSize] = p
}

// reset forgets what the writer owns: after Append or Delete the list is a
// new value sharing chunks with the old.
func (w *listWriter) reset() { *w = listWriter{} }
