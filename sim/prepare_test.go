package sim_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/earsim/earsim/sim"
)

// twoProjects is a world of two projects with CMK and private networking
// required (the second a copy of the first under its own id).
func twoProjects(t *testing.T, c sim.Checker) (*sim.Machine, string, string) {
	t.Helper()
	s := sim.NewWorld(7)
	p := s.Project(sim.DefaultProjectID)
	p.Encryption = sim.Presets["example"].Config(s)
	p.Encryption.RequirePrivateNetworking = true
	q := sim.NewProject("6a0000000000000000000002", "second", sim.DefaultOrgID, 0)
	q.Encryption = p.Encryption
	s.Projects = s.Projects.Append(q)
	m, err := sim.NewMachine(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return m, p.ID, q.ID
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// One client at a time: Prepare then Commit is Step, byte for byte (the
// answers, the effects, the world), so a scenario replays the same through
// either.
func TestPreparedStepsOneAtATimeAreSteps(t *testing.T) {
	a, g, _ := twoProjects(t, sim.AllowAll{})
	b, _, _ := twoProjects(t, sim.AllowAll{})
	cmds := []sim.Command{
		{Op: sim.CreatePrivateEndpoint, GroupID: g, RegionName: "US_CENTRAL"},
		{Op: sim.Advance, Seconds: 60},
		{Op: sim.ListPrivateEndpoints, GroupID: g, CloudProvider: "AZURE"},
		{Op: sim.CreatePrivateEndpoint, GroupID: g, RegionName: "US_EAST_2"},
		{Op: sim.GetPrivateEndpoint, GroupID: g, EndpointID: "nope"},
		{Op: sim.Advance, Seconds: sim.MaxApprovalLag},
		{Op: "NoSuchOp"},
	}
	for i, cmd := range cmds {
		want := asJSON(t, a.Step(cmd))
		got := asJSON(t, b.Commit(b.Prepare(cmd)))
		if got != want {
			t.Fatalf("step %d %s:\nprepared %s\nstep     %s", i+1, cmd.Op, got, want)
		}
	}
	if asJSON(t, a.State()) != asJSON(t, b.State()) || asJSON(t, a.Effects(0)) != asJSON(t, b.Effects(0)) {
		t.Fatal("the worlds or the effects differ")
	}
	if b.Reruns() != 0 {
		t.Fatalf("%d reruns with one step at a time", b.Reruns())
	}
}

// Steps prepared at once on different projects all hold: committed without
// running again, each with ids of its own, and the world is the one the
// same steps make one after the other (but for which ids they drew).
func TestPreparedStepsOnOtherProjectsHold(t *testing.T) {
	m, g1, g2 := twoProjects(t, sim.AllowAll{})
	p1 := m.Prepare(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g1, RegionName: "US_CENTRAL"})
	p2 := m.Prepare(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g2, RegionName: "US_CENTRAL"})
	r2, r1 := m.Commit(p2), m.Commit(p1) // the later prepared first
	if r1.Err != nil || r2.Err != nil || m.Reruns() != 0 {
		t.Fatalf("r1 %v, r2 %v, %d reruns", r1.Err, r2.Err, m.Reruns())
	}
	id1, id2 := r1.Body.(sim.EndpointView).ID, r2.Body.(sim.EndpointView).ID
	if id1 == id2 {
		t.Fatalf("both drew %s", id1)
	}
	st := m.State()
	if e := st.Project(g1).Endpoint(id1); e == nil || e.Status != sim.StatusInitiating {
		t.Fatalf("project 1 lost its endpoint: %+v", st.Project(g1).Endpoints)
	}
	if e := st.Project(g2).Endpoint(id2); e == nil {
		t.Fatalf("project 2 lost its endpoint: %+v", st.Project(g2).Endpoints)
	}
	if len(st.Timers) != 2 || st.Timers[0].Seq == st.Timers[1].Seq {
		t.Fatalf("timers %+v, want both provisioning timers", st.Timers)
	}
	if n := len(m.Effects(0)); n != len(r1.Effects)+len(r2.Effects) {
		t.Fatalf("%d effects logged, the steps emitted %d", n, len(r1.Effects)+len(r2.Effects))
	}
	// Both provisioning timers fire: the world goes on as after two Steps.
	seq, _, _ := twoProjects(t, sim.AllowAll{})
	seq.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g1, RegionName: "US_CENTRAL"})
	seq.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g2, RegionName: "US_CENTRAL"})
	for _, x := range []*sim.Machine{m, seq} {
		if r := x.Step(sim.Command{Op: sim.Advance, Seconds: 60}); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if a, b := sim.NewCanon().StateHash(m.State()), sim.NewCanon().StateHash(seq.State()); a != b {
		t.Fatalf("the world differs from the steps one after the other:\n%s\n%s", asJSON(t, m.State()), asJSON(t, seq.State()))
	}
}

// A prepared step that read what another changed since runs again at
// commit, and answers as a Step at that point would, but for the values it
// draws (a step committed while another was pending draws past that one's
// reservation): on the same project, after the clock moved, after the
// Azure side changed. A project added meanwhile changes nothing the step
// read: it holds, and lands in the new list.
func TestPreparedStepsThatNoLongerHoldRunAgain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(g1, g2 string) sim.Command // committed after the prepare
		step   func(g1, g2 string) sim.Command
		reruns int
	}{
		{"the same project", func(g1, _ string) sim.Command {
			return sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g1, RegionName: "US_CENTRAL"}
		}, func(g1, _ string) sim.Command {
			return sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g1, RegionName: "US_CENTRAL"}
		}, 1},
		{"the clock", func(string, string) sim.Command { return sim.Command{Op: sim.Advance, Seconds: 5} },
			func(_, g2 string) sim.Command {
				return sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g2, RegionName: "US_CENTRAL"}
			}, 1},
		{"the Azure side", func(string, string) sim.Command {
			return sim.Command{Op: sim.CreateKey, KeyIdentifier: "https://EXAMPLEKeyVault.vault.azure.net/keys/other/0123456789abcdef0123456789abcdef"}
		}, func(_, g2 string) sim.Command {
			return sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g2, RegionName: "US_CENTRAL"}
		}, 1},
		{"a project added", func(string, string) sim.Command {
			return sim.Command{Op: sim.CreateProject, Project: &sim.ProjectSpec{Name: "third", OrgID: sim.DefaultOrgID}}
		}, func(_, g2 string) sim.Command {
			return sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g2, RegionName: "US_CENTRAL"}
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, g1, g2 := twoProjects(t, sim.AllowAll{})
			ref, _, _ := twoProjects(t, sim.AllowAll{})
			p := m.Prepare(tc.step(g1, g2))
			if r := m.Step(tc.before(g1, g2)); r.Err != nil {
				t.Fatal(r.Err)
			}
			got := m.Commit(p)
			ref.Step(tc.before(g1, g2))
			want := ref.Step(tc.step(g1, g2))
			if got.Status != want.Status || len(got.Effects) != len(want.Effects) ||
				sim.NewCanon().StateHash(m.State()) != sim.NewCanon().StateHash(ref.State()) {
				t.Fatalf("committed %s\nStep gave %s", asJSON(t, got), asJSON(t, want))
			}
			if m.Reruns() != tc.reruns {
				t.Fatalf("%d reruns, want %d", m.Reruns(), tc.reruns)
			}
		})
	}
}

// A prepared refusal still refuses and changes nothing, however often it
// is committed.
func TestPreparedRefusals(t *testing.T) {
	m := machine(t, denyAll{})
	before := asJSON(t, m.State())
	p := m.Prepare(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: sim.DefaultProjectID, RegionName: "US_CENTRAL"})
	if r := m.Commit(p); r.Status != 400 || r.Err == nil || asJSON(t, m.State()) != before || len(m.Effects(0)) != 0 {
		t.Fatalf("refusal: %+v", r)
	}
	if r := m.Commit(p); r.Status != 400 {
		t.Fatalf("a second commit of the same step: %+v", r)
	}
}

// Many clients at once on different projects (run under the race detector
// in make test): every step holds, every endpoint has an id of its own.
func TestPreparedStepsAtOnce(t *testing.T) {
	s := sim.NewWorld(9)
	var ids []string
	for i := range 8 {
		id := fmt.Sprintf("6b%022x", i)
		p := sim.NewProject(id, "p"+id, sim.DefaultOrgID, 0)
		p.Encryption = sim.Presets["example"].Config(s)
		p.Encryption.RequirePrivateNetworking = true
		s.Projects = s.Projects.Append(p)
		ids = append(ids, id)
	}
	m, err := sim.NewMachine(s, sim.AllowAll{})
	if err != nil {
		t.Fatal(err)
	}
	var rw sync.RWMutex // as the server holds it: Prepare shared, Commit alone
	var wg sync.WaitGroup
	seen := make(chan string, 8*20)
	for _, g := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, region := range []string{"US_CENTRAL", "US_EAST", "US_EAST_2", "US_WEST", "US_WEST_2", "US_WEST_3", "US_WEST_CENTRAL", "US_SOUTH_CENTRAL", "US_NORTH_CENTRAL", "CANADA_EAST",
				"CANADA_CENTRAL", "BRAZIL_SOUTH", "EUROPE_NORTH", "EUROPE_WEST", "UK_SOUTH", "UK_WEST", "FRANCE_CENTRAL", "GERMANY_WEST_CENTRAL", "SWITZERLAND_NORTH", "NORWAY_EAST"} {
				rw.RLock()
				p := m.Prepare(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, RegionName: region})
				rw.RUnlock()
				rw.Lock()
				r := m.Commit(p)
				rw.Unlock()
				if r.Err != nil {
					t.Error(r.Err)
					return
				}
				seen <- r.Body.(sim.EndpointView).ID
			}
		}()
	}
	wg.Wait()
	close(seen)
	unique := map[string]bool{}
	for id := range seen {
		unique[id] = true
	}
	n := 0
	for _, p := range m.State().Projects.All() {
		n += len(p.Endpoints)
	}
	if len(unique) != 160 || n != 160 || len(m.State().Timers) != 160 {
		t.Fatalf("%d distinct ids, %d endpoints, %d timers; want 160 each", len(unique), n, len(m.State().Timers))
	}
	if m.Reruns() != 0 {
		t.Fatalf("%d steps ran again though each client has a project of its own", m.Reruns())
	}
}
