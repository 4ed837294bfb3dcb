package sim

import "slices"

// positions says where each project is in a world's list without being
// rebuilt when a project is added or removed (issue 24: rebuilding the map
// of every project's position was 38% of a project's creation or deletion
// at 10,000 projects). Each id maps to a number ("where"), fixed when the
// project is entered: its index when the map was built, or past every
// number given before when it was added later. A project's index is its
// number less the numbers removed before it. The map is rebuilt when the
// removals reach an eighth of the projects (at least maxRemoved), so a
// removal costs a few entries of the map on average, and a lookup a binary
// search among the removals.
type positions struct {
	where   map[string]int
	names   map[string]int // how many projects have each name (a new one's must be free)
	removed []int          // the numbers of the projects removed since the build, sorted
	next    int            // the number the next project added gets
	shared  bool           // another Machine holds the same map (Fork): copied before a change
}

const maxRemoved = 64

// build numbers the projects of a list as they stand.
func (p *positions) build(l ProjectList) {
	*p = positions{where: make(map[string]int, l.Len()), names: make(map[string]int, l.Len()), next: l.Len()}
	for i, pr := range l.All() {
		p.where[pr.ID] = i
		p.names[pr.Name]++
	}
}

// named tells whether a project has the name.
func (p *positions) named(name string) bool { return p.names[name] > 0 }

// of returns where a project is now.
func (p *positions) of(id string) (int, bool) {
	w, ok := p.where[id]
	if !ok {
		return 0, false
	}
	before, _ := slices.BinarySearch(p.removed, w)
	return w - before, true
}

// len is how many projects the list holds.
func (p *positions) len() int { return len(p.where) }

// add enters a project added at the end of the list.
func (p *positions) add(id, name string) {
	p.own()
	p.where[id] = p.next
	p.names[name]++
	p.next++
}

// remove forgets a project removed from the list, rebuilding the map from l
// (the list after the removal) past maxRemoved removals.
func (p *positions) remove(id, name string, l ProjectList) {
	w, ok := p.where[id]
	if !ok {
		return
	}
	if len(p.removed) >= max(maxRemoved, len(p.where)/8) {
		p.build(l)
		return
	}
	p.own()
	delete(p.where, id)
	if p.names[name]--; p.names[name] <= 0 {
		delete(p.names, name)
	}
	i, _ := slices.BinarySearch(p.removed, w)
	p.removed = slices.Insert(p.removed, i, w)
}

// own copies what another Machine also holds before a change.
func (p *positions) own() {
	if p.shared {
		p.where, p.names, p.removed, p.shared = mapsClone(p.where), mapsClone(p.names), slices.Clone(p.removed), false
	}
}

func mapsClone(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
