// Package conformance runs earsim's Gherkin features (package features)
// against an implementation of the rules: the simulator in process, a mock
// over HTTP, or live Atlas. A Driver is the only thing a target provides;
// the per-scenario world is built in the scenario initializer, so scenarios
// share nothing.
package conformance

import (
	"context"
	"errors"

	"github.com/earsim/earsim/sim"
)

// Driver is one implementation under test.
type Driver interface {
	// Reset starts a scenario on a fresh default world (API.md), where the
	// target allows it; a live target cleans up what the previous scenario made.
	Reset(ctx context.Context) error
	// Do performs an Atlas operation or an event outside Atlas (Azure,
	// operator) and returns the answer. Op vocabulary: sim.Ops.
	Do(ctx context.Context, cmd sim.Command) (Response, error)
	// Advance moves the target's clock, or returns ErrNoClock.
	Advance(ctx context.Context, seconds int64) error
	// Capabilities says which kinds of step the target can take.
	Capabilities() Capabilities
}

// Capabilities of a target; scenarios tagged with a capability it lacks
// are skipped and reported as such.
type Capabilities struct {
	Azure    bool // @needs-azure: approve, reject, remove endpoints; key events
	Clock    bool // @needs-clock: advance logical time
	Operator bool // @needs-operator: set a project INACTIVE
	Roles    bool // @needs-roles: send requests as a read-only user
	Effects  bool // @needs-effects: read the effects the target reports (EffectReader)
	// LegacyClusters: @needs-legacy-clusters, clusters in the v1.0 shape
	// (legacy backup, EAR-TIER-03), which API v2 cannot express.
	LegacyClusters bool
}

// EffectReader is a Driver that reports the effects its world emitted: what
// the Atlas API does not show (a cluster's key unreachable in a region,
// migration to the private endpoint, data inaccessible).
type EffectReader interface {
	Effects(ctx context.Context) ([]sim.Effect, error)
}

// Response is an answer compared by status and errorCode, never by message.
type Response struct {
	Status    int
	ErrorCode string
	Body      any // the JSON body as generic values
}

// ErrNoClock is returned by Advance on targets without a logical clock.
var ErrNoClock = errors.New("the target has no clock to advance")
