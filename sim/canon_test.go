package sim_test

import (
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
	return s
}

func fill(v reflect.Value, n int) {
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
	ignored := map[string]bool{".Seed": true, ".Counter": true, ".Timers[0].Seq": true}
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
	s.Projects[0].Encryption.Rotation = nil
	s.Projects[0].Clusters[0].ReplicationSpecs[0].RegionConfigs[0].ElectableSpecs = nil
	if sim.NewCanon().StateHash(s) == base {
		t.Error("nil pointers hash like set ones")
	}
	s = populated()
	s.Projects[0].Endpoints = append(s.Projects[0].Endpoints, sim.Endpoint{})
	if sim.NewCanon().StateHash(s) == base {
		t.Error("an extra endpoint does not change the hash")
	}
}

// Worlds that differ only in the ids the generator drew are one state;
// worlds whose ids are arranged differently are not.
func TestCanonRenamesGeneratedIDs(t *testing.T) {
	world := func(a, b string) *sim.State {
		s := sim.NewWorld(1)
		p := &s.Projects[0]
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
	s.Projects[0].ID = "66c9e8f1dd6c9960802420ea"
	if c.StateHash(s) == h {
		t.Error("a project id other than the default one hashes like it")
	}
}
