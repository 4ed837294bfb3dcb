package sim

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

func someProjects(n int) []*Project {
	ps := make([]*Project, n)
	for i := range ps {
		ps[i] = NewProject(fmt.Sprintf("%024x", i+1), fmt.Sprintf("p%d", i), DefaultOrgID, 0)
	}
	return ps
}

// canonical checks the layout every operation keeps: chunks full but the
// last, none empty, n their total.
func canonical(t *testing.T, l ProjectList) {
	t.Helper()
	total := 0
	for i, c := range l.chunks {
		if len(c) == 0 || len(c) > chunkSize || i < len(l.chunks)-1 && len(c) != chunkSize {
			t.Fatalf("chunk %d of %d holds %d projects", i, len(l.chunks), len(c))
		}
		total += len(c)
	}
	if total != l.n {
		t.Fatalf("chunks hold %d projects, n = %d", total, l.n)
	}
}

func TestProjectListReadsBackInOrder(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 200} {
		ps := someProjects(n)
		l := ListOf(ps...)
		canonical(t, l)
		if l.Len() != n || !slices.Equal(l.Slice(), ps) {
			t.Fatalf("n=%d: Len %d, Slice differs", n, l.Len())
		}
		for i, p := range l.All() {
			if l.At(i) != p || ps[i] != p {
				t.Fatalf("n=%d: At(%d) differs from All", n, i)
			}
		}
	}
}

// Append and Delete return new lists; the list they were called on, which
// an earlier state holds, reads the same afterwards.
func TestProjectListChangesLeaveTheOldList(t *testing.T) {
	ps := someProjects(130)
	l := ListOf(ps...)
	extra := NewProject(fmt.Sprintf("%024x", 999), "extra", DefaultOrgID, 0)
	for _, i := range []int{0, 63, 64, 100, 129} {
		d := l.Delete(i)
		canonical(t, d)
		if want := slices.Delete(slices.Clone(ps), i, i+1); !slices.Equal(d.Slice(), want) {
			t.Fatalf("Delete(%d) reads %d projects, not the rest in order", i, d.Len())
		}
		if a := d.Append(extra); a.At(a.Len()-1) != extra || a.Len() != 130 || d.Len() != 129 {
			t.Fatalf("Append after Delete(%d): %d then %d", i, d.Len(), a.Len())
		}
		if !slices.Equal(l.Slice(), ps) {
			t.Fatalf("Delete(%d) changed the list it was called on", i)
		}
	}
	for n := range 130 { // appending at every fill of the last chunk
		a := ListOf(ps[:n]...)
		b := a.Append(extra)
		canonical(t, b)
		if !slices.Equal(a.Slice(), ps[:n]) || b.Len() != n+1 || b.At(n) != extra {
			t.Fatalf("Append at %d", n)
		}
		c := a.Append(ps[0]) // a second append to the same list: b unchanged
		if b.At(n) != extra || c.At(n) != ps[0] {
			t.Fatalf("two appends to one list at %d share their last chunk", n)
		}
	}
}

// A step that changes k projects copies the spine once and k chunks; the
// list before the step reads the same, and every other chunk is shared.
func TestListWriterCopiesOnlyWhatItChanges(t *testing.T) {
	ps := someProjects(10_000)
	before := ListOf(ps...)
	after := before
	var w listWriter
	repl := map[int]*Project{5: {ID: "a"}, 6: {ID: "b"}, 9_000: {ID: "c"}}
	for i, p := range repl {
		w.set(&after, i, p)
	}
	if !slices.Equal(before.Slice(), ps) {
		t.Fatal("the list before the step changed")
	}
	shared := 0
	for c := range before.chunks {
		if &before.chunks[c][0] == &after.chunks[c][0] {
			shared++
		}
	}
	if want := len(before.chunks) - 2; shared != want {
		t.Errorf("%d chunks shared, want %d (all but the two changed)", shared, want)
	}
	for i, p := range after.All() {
		if want, ok := repl[i]; ok && p != want || !ok && p != ps[i] {
			t.Fatalf("project %d after the step is wrong", i)
		}
	}
}

func TestProjectListJSON(t *testing.T) {
	for _, n := range []int{0, 1, 70} {
		l := ListOf(someProjects(n)...)
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := json.Marshal(append([]*Project{}, someProjects(n)...))
		if string(b) != string(plain) {
			t.Fatalf("n=%d: encodes as %.80s, not as the array %.80s", n, b, plain)
		}
		var back ProjectList
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(l) {
			t.Fatalf("n=%d: round trip: %v", n, err)
		}
		canonical(t, back)
	}
	var l ProjectList
	if err := json.Unmarshal([]byte("null"), &l); err != nil || l.Len() != 0 {
		t.Fatalf("null: %v, %d projects", err, l.Len())
	}
	if err := json.Unmarshal([]byte(`{"id":"x"}`), &l); err == nil {
		t.Fatal("an object read as a list of projects")
	}
}

// Diff's projects: changed ones found by the chunks the states share,
// removed ones and ones added at the end by id; another order is no Change.
func TestProjectChanges(t *testing.T) {
	ps := someProjects(200)
	a := ListOf(ps...)
	b := a
	var w listWriter
	changed := &Project{ID: ps[130].ID, Name: "changed"}
	w.set(&b, 130, changed)
	if set, removed, ok := projectChanges(a, b); !ok || len(set) != 1 || set[0] != changed || removed != nil {
		t.Fatalf("one changed: %v %v %v", set, removed, ok)
	}
	added := NewProject(fmt.Sprintf("%024x", 999), "added", DefaultOrgID, 0)
	c := b.Delete(7).Append(added)
	set, removed, ok := projectChanges(a, c)
	if !ok || len(set) != 2 || set[0] != changed || set[1] != added || len(removed) != 1 || removed[0] != ps[7].ID {
		t.Fatalf("changed, removed, added: %v %v %v", set, removed, ok)
	}
	s := &State{Projects: a}
	if got := (Change{Set: set, Removed: removed}).Apply(s).Projects; !slices.Equal(got.Slice(), c.Slice()) {
		t.Fatal("Apply does not give the list back")
	}
	swapped := ListOf(append([]*Project{ps[1], ps[0]}, ps[2:]...)...)
	if _, _, ok := projectChanges(a, swapped); ok {
		t.Fatal("two projects swapped read as a Change")
	}
	before := ListOf(append([]*Project{added}, ps...)...)
	if _, _, ok := projectChanges(a, before); ok {
		t.Fatal("a project added first read as a Change")
	}
}
