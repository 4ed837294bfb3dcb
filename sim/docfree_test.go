package sim_test

import (
	"encoding/json"
	"testing"

	"github.com/earsim/earsim/sim"
	"github.com/google/go-cmp/cmp"
)

// counting allows everything and counts the inputs it is asked with, nil
// and not; free says whether it declares itself DocumentFree.
type counting struct {
	free       bool
	nil, total int
}

func (c *counting) count(in sim.Input) {
	c.total++
	if in == nil {
		c.nil++
	}
}

func (c *counting) Admit(in sim.Input) (sim.Decision, error) { c.count(in); return sim.Decision{}, nil }
func (c *counting) Inspect(in sim.Input) (sim.Report, error) { c.count(in); return sim.Report{}, nil }
func (c *counting) DocumentFree() bool                       { return c.free }

// A Checker that says it reads no documents (sim.DocumentFree) is asked
// with none; one that says otherwise, or a wrapper around it, gets every
// document; and the world and the effects come out the same either way.
func TestDocumentFreeCheckerGetsNoDocuments(t *testing.T) {
	g := sim.DefaultProjectID
	run := func(c sim.Checker) (string, []sim.Effect) {
		m := machine(t, c)
		m.Warm()
		res := m.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, RegionName: "US_CENTRAL"})
		if res.Status != 202 {
			t.Fatalf("create: %+v", res)
		}
		id := res.Body.(sim.EndpointView).ID
		for _, cmd := range []sim.Command{
			{Op: sim.Advance, Seconds: sim.ProvisioningSeconds},
			{Op: sim.ApproveConnection, GroupID: g, EndpointID: id},
			{Op: sim.Advance, Seconds: sim.MaxApprovalLag},
			{Op: sim.DeletePrivateEndpoint, GroupID: g, EndpointID: id},
			{Op: sim.Advance, Seconds: sim.DeletionSeconds},
		} {
			if r := m.Step(cmd); r.Err != nil {
				t.Fatalf("%s: %v", cmd.Op, r.Err)
			}
		}
		b, _ := json.Marshal(m.State())
		return string(b), m.Effects(0)
	}
	free, reading := &counting{free: true}, &counting{}
	freeState, freeEffects := run(free)
	readingState, readingEffects := run(reading)
	if free.total == 0 || free.nil != free.total {
		t.Errorf("DocumentFree checker: %d of %d inputs nil, want all", free.nil, free.total)
	}
	if reading.total == 0 || reading.nil != 0 {
		t.Errorf("checker reading documents: %d of %d inputs nil, want none", reading.nil, reading.total)
	}
	wrapped := &counting{free: true}
	run(sim.Breaking(wrapped, nil, nil))
	if wrapped.total == 0 || wrapped.nil != 0 {
		t.Errorf("DocumentFree checker behind Breaking: %d of %d inputs nil, want none (the wrapper may read them)", wrapped.nil, wrapped.total)
	}
	if freeState != readingState {
		t.Errorf("the world differs with and without documents:\n%s\n%s", freeState, readingState)
	}
	if d := cmp.Diff(readingEffects, freeEffects); d != "" || len(freeEffects) == 0 {
		t.Errorf("the effects differ with and without documents (-with +without):\n%s", d)
	}
	embedding := &embedsAllowAll{}
	run(embedding)
	if embedding.asked == 0 || embedding.nil != 0 {
		t.Errorf("a Checker embedding AllowAll: %d of %d inputs nil, want none (it reads them)", embedding.nil, embedding.asked)
	}
}

// embedsAllowAll takes Inspect from sim.AllowAll and reads its Admit input:
// it is not taken for AllowAll.
type embedsAllowAll struct {
	sim.AllowAll
	nil, asked int
}

func (e *embedsAllowAll) Admit(in sim.Input) (sim.Decision, error) {
	e.asked++
	if in == nil {
		e.nil++
	}
	return sim.Decision{}, nil
}
