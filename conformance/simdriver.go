package conformance

import (
	"context"
	"encoding/json"

	"github.com/earsim/earsim/sim"
)

// SimDriver runs the features against the simulator in process.
type SimDriver struct {
	Seed    uint64
	Checker sim.Checker
	m       *sim.Machine
}

// Reset starts a fresh default world.
func (d *SimDriver) Reset(context.Context) error {
	m, err := sim.NewMachine(sim.NewWorld(d.Seed), d.Checker)
	d.m = m
	return err
}

// Do steps the machine.
func (d *SimDriver) Do(_ context.Context, cmd sim.Command) (Response, error) {
	res := d.m.Step(cmd)
	r := Response{Status: res.Status}
	if res.Err != nil {
		r.ErrorCode = res.Err.Code
		return r, nil
	}
	if res.Body != nil {
		b, err := json.Marshal(res.Body)
		if err != nil {
			return r, err
		}
		if err := json.Unmarshal(b, &r.Body); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Advance moves the logical clock.
func (d *SimDriver) Advance(ctx context.Context, seconds int64) error {
	_, err := d.Do(ctx, sim.Command{Op: sim.Advance, Seconds: seconds})
	return err
}

// Capabilities: the simulator can do everything.
func (d *SimDriver) Capabilities() Capabilities {
	return Capabilities{Azure: true, Clock: true, Operator: true, Roles: true, Effects: true, LegacyClusters: true}
}

// Effects returns every effect since the scenario began.
func (d *SimDriver) Effects(context.Context) ([]sim.Effect, error) { return d.m.Effects(0), nil }
