package sim_test

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/earsim/earsim/sim"
)

// populated returns a world in which every field of sim.State holds a value,
// with every slice holding one element and every pointer set.
func populated() *sim.State {
	s := &sim.State{}
	fill(reflect.ValueOf(s).Elem(), 0)
	s.Projects.At(0).Endpoints[0].Connection = sim.ConnectionApproved // so its approval time counts
	return s
}

var projectList = reflect.TypeFor[sim.ProjectList]()

func fill(v reflect.Value, n int) {
	if v.Type() == projectList { // a list of one project, filled
		p := &sim.Project{}
		fill(reflect.ValueOf(p).Elem(), n)
		v.Set(reflect.ValueOf(sim.ListOf(p)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i), n+i)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), n)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", n))
	case reflect.Bool:
		v.SetBool(n%2 == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n + 1))
	case reflect.Uint64:
		v.SetUint(uint64(n + 1))
	default:
		panic("fill: " + v.Kind().String())
	}
}

// leaves calls f with every settable leaf of v and its path.
func leaves(v reflect.Value, path string, f func(string, reflect.Value)) {
	if v.Type() == projectList {
		for i, p := range v.Interface().(sim.ProjectList).All() {
			leaves(reflect.ValueOf(p).Elem(), fmt.Sprintf("%s[%d]", path, i), f)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			leaves(v.Field(i), path+"."+v.Type().Field(i).Name, f)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			leaves(v.Index(i), fmt.Sprintf("%s[%d]", path, i), f)
		}
	case reflect.Pointer:
		leaves(v.Elem(), path, f)
	default:
		f(path, v)
	}
}

// Every field of a world, but those that say how it was reached, is part of
// its canonical hash: a field added to sim.State and forgotten in Canon
// fails here.
func TestCanonCoversEveryField(t *testing.T) {
	// How a world was reached, and creation times (read by nothing but the
	// API views; the policy input has none).
	ignored := map[string]bool{".Seed": true, ".Counter": true, ".Timers[0].Seq": true,
		".Projects[0].Created": true, ".Projects[0].Clusters[0].Created": true, ".Projects[0].Snapshots[0].Created": true}
	base := sim.NewCanon().StateHash(populated())
	n := 0
	leaves(reflect.ValueOf(populated()).Elem(), "", func(path string, _ reflect.Value) {
		n++
		s := populated()
		leaves(reflect.ValueOf(s).Elem(), "", func(p string, v reflect.Value) {
			if p != path {
				return
			}
			switch v.Kind() {
			case reflect.String:
				v.SetString(v.String() + "x")
			case reflect.Bool:
				v.SetBool(!v.Bool())
			case reflect.Int, reflect.Int64:
				v.SetInt(v.Int() + 7)
			case reflect.Uint64:
				v.SetUint(v.Uint() + 7)
			}
		})
		if changed := sim.NewCanon().StateHash(s) != base; changed == ignored[path] {
			t.Errorf("%s: hash changed = %v", path, changed)
		}
	})
	if n < 60 {
		t.Fatalf("only %d leaves visited", n)
	}
	// A pointer set or not, and a list one longer, are different worlds.
	s := populated()
	s.Projects.At(0).Encryption.Rotation = nil
	s.Projects.At(0).Clusters[0].ReplicationSpecs[0].RegionConfigs[0].ElectableSpecs = nil
	if sim.NewCanon().StateHash(s) == base {
		t.Error("nil pointers hash like set ones")
	}
	s = populated()
	s.Projects.At(0).Endpoints = append(s.Projects.At(0).Endpoints, sim.Endpoint{})
	if sim.NewCanon().StateHash(s) == base {
		t.Error("an extra endpoint does not change the hash")
	}
}

// Worlds that differ only in the ids the generator drew are one state;
// worlds whose ids are arranged differently are not.
func TestCanonRenamesGeneratedIDs(t *testing.T) {
	world := func(a, b string) *sim.State {
		s := sim.NewWorld(1)
		p := s.Projects.At(0)
		p.Endpoints = []sim.Endpoint{
			{ID: a, RegionName: "US_CENTRAL", Status: sim.StatusActive, ConnectionName: "earsim-US_CENTRAL-" + a},
			{ID: b, RegionName: "US_EAST_2", Status: sim.StatusInitiating},
		}
		s.Timers = []sim.Timer{{At: 60, Kind: sim.TimerEndpointProvisioned, GroupID: p.ID, EndpointID: b}}
		return s
	}
	const x, y, z = "aaaaaaaaaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbbbbbbbbb2", "ccccccccccccccccccccccc3"
	c := sim.NewCanon()
	h := c.StateHash(world(x, y))
	if c.StateHash(world(z, x)) != h {
		t.Error("renamed ids hash differently")
	}
	if c.StateHash(world(x, x)) == h {
		t.Error("two endpoints sharing an id hash like two ids")
	}
	s := world(x, y)
	s.Timers[0].EndpointID = x
	if c.StateHash(s) == h {
		t.Error("a timer pointing at the other endpoint hashes alike")
	}
	s = world(x, y)
	s.Projects.At(0).ID = "66c9e8f1dd6c9960802420ea"
	if c.StateHash(s) == h {
		t.Error("a project id other than the default one hashes like it")
	}
}

// Worlds equal but for when they happen are one state; a world whose clock
// alone moved is not (its timers, statuses and approvals are older).
func TestCanonSeesWorldsFromTheirClock(t *testing.T) {
	shift := func(d int64) *sim.State {
		s := populated()
		p := s.Projects.At(0)
		s.Now += d
		s.Timers[0].At += d
		p.Created += d
		p.Encryption.Rotation.Until += d
		p.Endpoints[0].Since += d
		p.Endpoints[0].ApprovedAt += d
		p.Clusters[0].Created += d
		p.Snapshots[0].Created += d
		return s
	}
	c := sim.NewCanon()
	h := c.StateHash(shift(0))
	if c.StateHash(shift(600)) != h {
		t.Error("a world moved in time hashes differently")
	}
	s := shift(0)
	s.Now += 60
	if c.StateHash(s) == h {
		t.Error("a world whose clock alone moved hashes alike")
	}
	// The approval time of a connection that is not approved is not read.
	a, b := shift(0), shift(0)
	a.Projects.At(0).Endpoints[0].Connection, b.Projects.At(0).Endpoints[0].Connection = sim.ConnectionRejected, sim.ConnectionRejected
	b.Projects.At(0).Endpoints[0].ApprovedAt += 60
	if c.StateHash(a) != c.StateHash(b) {
		t.Error("a rejected connection's approval time changes the hash")
	}
}

// A policy input seen from its clock: the same endpoints at two moments
// encode alike, an unapproved connection's approvedAt (0: no time) too;
// only an approved connection's approval is a time.
func TestCanonSeesInputsFromTheirClock(t *testing.T) {
	input := func(now int64, connection string, approvedAt int64) []byte {
		c := sim.NewCanon()
		c.RelativeTo(now)
		c.Value(map[string]any{"now": now, "endpoints": []any{map[string]any{
			"id": "e099ec6cd7363ca500000007", "status": "PENDING_ACCEPTANCE", "since": now - 30,
			"connection": connection, "approvedAt": approvedAt,
		}}})
		h := c.Sum()
		return h[:]
	}
	if !bytes.Equal(input(120, sim.ConnectionPending, 0), input(180, sim.ConnectionPending, 0)) {
		t.Error("an endpoint whose connection is not approved encodes differently as the clock moves")
	}
	if !bytes.Equal(input(120, sim.ConnectionApproved, 100), input(180, sim.ConnectionApproved, 160)) {
		t.Error("an approval 20 s ago encodes differently at another moment")
	}
	if bytes.Equal(input(120, sim.ConnectionApproved, 0), input(180, sim.ConnectionApproved, 0)) {
		t.Error("an approval at time 0 encodes alike 120 s and 180 s later")
	}
	if bytes.Equal(input(120, sim.ConnectionPending, 0), input(120, sim.ConnectionPending, 100)) {
		t.Error("an unapproved connection's nonzero approvedAt is lost")
	}
}

// recorder keeps the inputs a Machine hands its Checker.
type recorder struct{ inputs []sim.Input }

func (r *recorder) Admit(in sim.Input) (sim.Decision, error) {
	r.inputs = append(r.inputs, in)
	return sim.Decision{}, nil
}

func (r *recorder) Inspect(in sim.Input) (sim.Report, error) {
	r.inputs = append(r.inputs, in)
	return sim.Report{}, nil
}

// What the state hash leaves out the policies cannot see: the input holds
// no creation time, and no approval time for a connection not approved.
func TestInputHoldsNoTimeTheHashLeavesOut(t *testing.T) {
	s, g := oneClusterOneEndpoint(t), sim.DefaultProjectID
	s.Now = 500
	p := s.Project(g)
	p.Created = 7
	p.Snapshots = []sim.Snapshot{{ID: "bbbbbbbbbbbbbbbbbbbbbbb2", ClusterName: "c1", Created: 9}}
	p.Endpoints[0].Connection, p.Endpoints[0].ApprovedAt = sim.ConnectionRejected, 300
	r := &recorder{}
	m, err := sim.NewMachine(s, r)
	if err != nil {
		t.Fatal(err)
	}
	m.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, RegionName: "US_EAST_2"})
	if len(r.inputs) < 2 {
		t.Fatalf("%d inputs recorded", len(r.inputs))
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["created"]; ok {
				t.Errorf("%s holds a creation time", path)
			}
			if x["connection"] != nil && x["connection"] != sim.ConnectionApproved && x["approvedAt"] != int64(0) {
				t.Errorf("%s: a %v connection with approvedAt %v", path, x["connection"], x["approvedAt"])
			}
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	for i, in := range r.inputs {
		walk(fmt.Sprintf("input %d", i), map[string]any(in))
	}
}

// Rewinding to a mark forgets what came after it, the ids first seen since
// included: one prefix then one value after another hashes as each alone.
func TestCanonRewind(t *testing.T) {
	const a, b, p = "aaaaaaaaaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbbbbbbbbb2", "ccccccccccccccccccccccc3"
	fresh := func(v any) [32]byte {
		c := sim.NewCanon()
		c.Value(p)
		c.Value(v)
		return c.Sum()
	}
	c := sim.NewCanon()
	c.Value(p)
	m := c.Mark()
	for _, v := range []any{a, []any{b, a}, p, a} {
		c.Rewind(m)
		c.Value(v)
		if c.Sum() != fresh(v) {
			t.Errorf("%v after a rewind hashes otherwise than alone", v)
		}
	}
}

// A changed project hands over again, as the same maps and lists, the
// parts the change left as they were: after an endpoint is created, the
// clusters, the encryption config and the first endpoint's record are the
// documents of before, the endpoint list is new.
func TestChangedProjectSharesUnchangedParts(t *testing.T) {
	s, g := oneClusterOneEndpoint(t), sim.DefaultProjectID
	r := &recorder{}
	m, err := sim.NewMachine(s, r)
	if err != nil {
		t.Fatal(err)
	}
	m.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, RegionName: "US_EAST_2"})
	project := func(in sim.Input) map[string]any { return in["project"].(map[string]any) }
	before, after := project(r.inputs[0]), project(r.inputs[len(r.inputs)-1])
	same := func(a, b any) bool { return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() }
	if len(after["endpoints"].([]any)) != 2 || same(before["endpoints"], after["endpoints"]) {
		t.Fatalf("the endpoint list after the create: %v", after["endpoints"])
	}
	for _, k := range []string{"clusters", "encryption"} {
		if !same(before[k], after[k]) {
			t.Errorf("%s built again though unchanged", k)
		}
	}
	if !same(before["endpoints"].([]any)[0], after["endpoints"].([]any)[0]) {
		t.Error("the unchanged endpoint record built again")
	}
}

// oneClusterOneEndpoint is the default project with cluster c1 and an
// ACTIVE endpoint, both in US_CENTRAL.
func oneClusterOneEndpoint(t *testing.T) *sim.State {
	s := sim.NewWorld(1)
	g := sim.DefaultProjectID
	if err := s.PlaceCluster(g, sim.Cluster{Name: "c1", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{{ProviderName: "AZURE", RegionName: "US_CENTRAL"}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlaceEndpoint(g, "US_CENTRAL", sim.StatusActive); err != nil {
		t.Fatal(err)
	}
	return s
}
