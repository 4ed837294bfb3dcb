package sim

import (
	"encoding/json"
	"reflect"
	"testing"
)

// cloneClustersOneByOne is the deep copy cloneClusters replaces: every
// slice and hardware spec allocated on its own.
func cloneClustersOneByOne(cs []Cluster) []Cluster {
	out := make([]Cluster, len(cs))
	for i, c := range cs {
		specs := make([]ReplicationSpec, len(c.ReplicationSpecs))
		for j, rs := range c.ReplicationSpecs {
			var rcs []RegionConfig
			if rs.RegionConfigs != nil {
				rcs = append([]RegionConfig{}, rs.RegionConfigs...)
			}
			for k := range rcs {
				if rcs[k].ElectableSpecs != nil {
					h := *rcs[k].ElectableSpecs
					rcs[k].ElectableSpecs = &h
				}
			}
			specs[j] = ReplicationSpec{ZoneName: rs.ZoneName, RegionConfigs: rcs}
		}
		c.ReplicationSpecs = specs
		out[i] = c
	}
	return out
}

// cloneClusters copies clusters as one allocation per slice did, nil and
// empty slices kept apart (they encode differently), and the copy's parts
// are independent of the original and of each other: an append to one
// cluster's region configs leaves its neighbour's alone.
func TestCloneClustersAsOneByOne(t *testing.T) {
	hw := func(size string) *HardwareSpec { return &HardwareSpec{InstanceSize: size, NodeCount: 3} }
	for _, cs := range [][]Cluster{
		nil,
		{},
		{{Name: "none"}},
		{{Name: "empty", ReplicationSpecs: []ReplicationSpec{}}},
		{{Name: "nil-configs", ReplicationSpecs: []ReplicationSpec{{ZoneName: "z"}}}, {Name: "empty-configs", ReplicationSpecs: []ReplicationSpec{{RegionConfigs: []RegionConfig{}}}}},
		{
			{Name: "a", ReplicationSpecs: []ReplicationSpec{{RegionConfigs: []RegionConfig{{ProviderName: "AZURE", RegionName: "US_CENTRAL", ElectableSpecs: hw("M10")}}}}},
			{Name: "b", ReplicationSpecs: []ReplicationSpec{
				{ZoneName: "1", RegionConfigs: []RegionConfig{{RegionName: "US_CENTRAL", ElectableSpecs: hw("M30")}, {RegionName: "US_EAST_2"}}},
				{ZoneName: "2", RegionConfigs: []RegionConfig{{RegionName: "US_EAST_1", ElectableSpecs: hw("M40")}}},
			}},
			{Name: "c"},
		},
	} {
		before, _ := json.Marshal(cs)
		want := cloneClustersOneByOne(cs)
		got := cloneClusters(cs)
		if !reflect.DeepEqual(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("cloneClusters(%+v) = %+v, want %+v", cs, got, want)
		}
		for i := range got {
			if (got[i].ReplicationSpecs == nil) != (want[i].ReplicationSpecs == nil) {
				t.Fatalf("cluster %d: replication specs nil %v, want %v", i, got[i].ReplicationSpecs == nil, want[i].ReplicationSpecs == nil)
			}
			for j := range got[i].ReplicationSpecs {
				if g, w := got[i].ReplicationSpecs[j].RegionConfigs, want[i].ReplicationSpecs[j].RegionConfigs; (g == nil) != (w == nil) {
					t.Fatalf("cluster %d spec %d: region configs nil %v, want %v", i, j, g == nil, w == nil)
				}
			}
		}
		// Change every part of the copy; the original stays as it was.
		for i := range got {
			c := &got[i]
			c.Name += "!"
			for j := range c.ReplicationSpecs {
				rs := &c.ReplicationSpecs[j]
				for k := range rs.RegionConfigs {
					rs.RegionConfigs[k].RegionName += "!"
					if h := rs.RegionConfigs[k].ElectableSpecs; h != nil {
						h.InstanceSize += "!"
					}
				}
				rs.RegionConfigs = append(rs.RegionConfigs, RegionConfig{RegionName: "appended"})
			}
			c.ReplicationSpecs = append(c.ReplicationSpecs, ReplicationSpec{ZoneName: "appended"})
		}
		if after, _ := json.Marshal(cs); string(after) != string(before) {
			t.Fatalf("changing the copy changed the original: %+v", cs)
		}
		for i := range got { // each cluster's own specs: appended to once
			for j := 0; j+1 < len(got[i].ReplicationSpecs); j++ {
				rcs := got[i].ReplicationSpecs[j].RegionConfigs
				if n := len(rcs); n == 0 || rcs[n-1].RegionName != "appended" {
					t.Fatalf("cluster %d spec %d: %+v", i, j, rcs)
				}
				for _, rc := range rcs[:len(rcs)-1] {
					if rc.RegionName == "appended" {
						t.Fatalf("cluster %d spec %d: a neighbour's append landed here: %+v", i, j, rcs)
					}
				}
			}
		}
	}
}
