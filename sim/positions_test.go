package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Projects added and removed in any order, past the rebuild bound, with
// Machines forked between: every project is found where the list has it,
// and one removed or never made is not found (the positions are never
// rebuilt but past maxRemoved removals).
func TestPositionsFollowAddsAndRemovals(t *testing.T) {
	m, err := NewMachine(NewWorld(3), AllowAll{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var forks []*Machine
	gone, removed := map[string]bool{}, 0
	check := func(x *Machine, step int) {
		t.Helper()
		for i, p := range x.state.Projects.All() {
			if got := x.project(p.ID); got != p {
				t.Fatalf("step %d: project %d (%s) found as %v", step, i, p.ID, got)
			}
			if at, ok := x.pos.of(p.ID); !ok || at != i {
				t.Fatalf("step %d: project %s at %d, positions say %d %v", step, p.ID, i, at, ok)
			}
		}
		for id := range gone {
			if x.state.Project(id) == nil && x.project(id) != nil {
				t.Fatalf("step %d: removed project %s still found", step, id)
			}
		}
		if x.project("ffffffffffffffffffffffff") != nil {
			t.Fatalf("step %d: a project never made was found", step)
		}
	}
	for step := range 600 {
		ps := m.state.Projects.Slice()
		var res Result
		switch k := r.IntN(10); {
		case k < 5 || len(ps) < 3:
			res = m.Step(Command{Op: CreateProject, Project: &ProjectSpec{Name: fmt.Sprintf("p%d", step), OrgID: DefaultOrgID}})
		case k < 8:
			victim := ps[r.IntN(len(ps))].ID
			res = m.Step(Command{Op: DeleteProject, GroupID: victim})
			gone[victim] = true
			if res.Err == nil {
				removed++
			}
		default:
			res = m.Step(Command{Op: CreatePrivateEndpoint, GroupID: ps[r.IntN(len(ps))].ID, RegionName: "US_CENTRAL"})
		}
		if res.Err != nil && res.Status >= 500 {
			t.Fatalf("step %d: %v", step, res.Err)
		}
		check(m, step)
		if step%97 == 0 {
			forks = append(forks, m.Fork())
		}
	}
	if removed < 2*maxRemoved {
		t.Fatalf("only %d projects removed: the rebuild was never reached", removed)
	}
	for i, f := range forks { // a fork stepped on its own, the others untouched
		f.Step(Command{Op: CreateProject, Project: &ProjectSpec{Name: fmt.Sprintf("fork%d", i), OrgID: DefaultOrgID}})
		check(f, 1000+i)
	}
	check(m, 2000)

	// A name is taken while a project has it, and free again once it is deleted.
	taken := m.state.Projects.At(m.state.Projects.Len() - 1)
	create := Command{Op: CreateProject, Project: &ProjectSpec{Name: taken.Name, OrgID: DefaultOrgID}}
	if r := m.Step(create); r.Status != 409 {
		t.Fatalf("a second project named %q: %d", taken.Name, r.Status)
	}
	if r := m.Step(Command{Op: DeleteProject, GroupID: taken.ID}); r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := m.Step(create); r.Status != 200 {
		t.Fatalf("the name of a deleted project: %d %v", r.Status, r.Err)
	}
}
