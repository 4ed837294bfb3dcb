package sim

// Change is what a world changed between two of its states, for a log of
// changes that costs what a step changed rather than the world's size
// (`serve --state`: the state file plus a log of Changes). Projects are
// given whole when they changed; the timers, the Azure side and the rest
// only when they changed. Like State it holds no secret, only digests.
type Change struct {
	Now       int64         `json:"now"`
	Counter   uint64        `json:"counter"`
	Seed      *uint64       `json:"seed,omitempty"`
	SecretKey *string       `json:"secretKey,omitempty"`
	Org       *Organization `json:"org,omitempty"`
	Set       []*Project    `json:"set,omitempty"`     // changed or added (added at the end, in order)
	Removed   []string      `json:"removed,omitempty"` // project ids
	Timers    *[]Timer      `json:"timers,omitempty"`
	Azure     *Azure        `json:"azure,omitempty"`
}

// Diff returns the Change that turns a into b, two states of one world
// where b came from a by steps (they share what the steps did not change).
// It costs what changed: projects are compared by the chunks of their list
// the states share, the timers and the Azure side by identity. ok is false
// when b's projects are not a's with some changed, some removed and some
// added at the end (another world, an import): then b must be kept whole.
func Diff(a, b *State) (c Change, ok bool) {
	c = Change{Now: b.Now, Counter: b.Counter}
	if a.Seed != b.Seed {
		c.Seed = &b.Seed
	}
	if a.SecretKey != b.SecretKey {
		c.SecretKey = &b.SecretKey
	}
	if a.Org != b.Org {
		c.Org = &b.Org
	}
	if !same(a.Timers, b.Timers) {
		if b.Timers == nil {
			return c, false // a nil list reads back from JSON as no change
		}
		c.Timers = &b.Timers
	}
	if !sameAzure(a.Azure, b.Azure) {
		c.Azure = &b.Azure
	}
	c.Set, c.Removed, ok = projectChanges(a.Projects, b.Projects)
	return c, ok
}

// Apply returns a with c applied; a is unchanged (the result shares what c
// does not change).
func (c Change) Apply(a *State) *State {
	s := *a
	s.Now, s.Counter = c.Now, c.Counter
	if c.Seed != nil {
		s.Seed = *c.Seed
	}
	if c.SecretKey != nil {
		s.SecretKey = *c.SecretKey
	}
	if c.Org != nil {
		s.Org = *c.Org
	}
	if c.Timers != nil {
		s.Timers = *c.Timers
	}
	if c.Azure != nil {
		s.Azure = *c.Azure
	}
	if len(c.Removed) > 0 {
		gone := make(map[string]bool, len(c.Removed))
		for _, id := range c.Removed {
			gone[id] = true
		}
		var kept []*Project
		for _, p := range s.Projects.All() {
			if !gone[p.ID] {
				kept = append(kept, p)
			}
		}
		s.Projects = ListOf(kept...)
	}
	pos := map[string]int{}
	if len(c.Set) > 0 {
		for i, p := range s.Projects.All() {
			pos[p.ID] = i
		}
	}
	var w listWriter
	for _, p := range c.Set {
		if i, ok := pos[p.ID]; ok {
			w.set(&s.Projects, i, p)
		} else {
			s.Projects = s.Projects.Append(p)
			w.reset()
			pos[p.ID] = s.Projects.Len() - 1
		}
	}
	return &s
}

// projectChanges lists the projects of b that a does not have as they are,
// and the ids of a's that b has not, when b is a with those changes.
func projectChanges(a, b ProjectList) (set []*Project, removed []string, ok bool) {
	if a.n == b.n {
		aligned := true
		for ci, cb := range b.chunks {
			ca := a.chunks[ci]
			if len(ca) == len(cb) && (len(ca) == 0 || &ca[0] == &cb[0]) {
				continue // the chunk the states share
			}
			for i, p := range cb {
				switch {
				case p == ca[i]:
				case p.ID == ca[i].ID:
					set = append(set, p)
				default:
					aligned = false
				}
			}
		}
		if aligned {
			return set, nil, true
		}
		set = nil
	}
	// Projects added or removed: by id.
	inB := make(map[string]bool, b.n)
	for _, p := range b.All() {
		inB[p.ID] = true
	}
	inA := make(map[string]*Project, a.n)
	var keptOrder []string
	for _, p := range a.All() {
		inA[p.ID] = p
		if inB[p.ID] {
			keptOrder = append(keptOrder, p.ID)
		} else {
			removed = append(removed, p.ID)
		}
	}
	k := 0
	for _, p := range b.All() {
		was, had := inA[p.ID]
		switch {
		case had && (k >= len(keptOrder) || keptOrder[k] != p.ID):
			return nil, nil, false // moved: not a's order
		case had:
			k++
			if was != p {
				set = append(set, p)
			}
		case k < len(keptOrder):
			return nil, nil, false // added before a project a had
		default:
			set = append(set, p)
		}
	}
	return set, removed, true
}

// same tells whether two slices are one (a nil and an empty one are not:
// they encode differently).
func same[T any](a, b []T) bool {
	switch {
	case len(a) != len(b):
		return false
	case len(a) == 0:
		return (a == nil) == (b == nil)
	}
	return &a[0] == &b[0]
}

func sameAzure(a, b Azure) bool {
	if !same(a.Apps, b.Apps) || !same(a.Vaults, b.Vaults) || !same(a.Keys, b.Keys) || !same(a.Subscriptions, b.Subscriptions) {
		return false
	}
	for i := range a.Apps {
		if !same(a.Apps[i].Vaults, b.Apps[i].Vaults) {
			return false
		}
	}
	return true
}
