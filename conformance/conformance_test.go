package conformance_test

import (
	"net/http/httptest"

	"github.com/earsim/earsim/atlasapi"
	"io"

	"github.com/earsim/earsim/sim"
	"testing"

	"github.com/earsim/earsim/conformance"
	"github.com/earsim/earsim/policies"
)

// The whole suite against the simulator, in strict mode: undefined, pending
// or ambiguous steps fail.
func TestFeaturesOnTheSimulator(t *testing.T) {
	ok := conformance.Run(conformance.Options{
		Driver:   &conformance.SimDriver{Seed: 1, Checker: policies.MustDefault()},
		TestingT: t,
	})
	if !ok {
		t.Fatal("the simulator fails its own features")
	}
}

// The suite notices an implementation without the rules: the simulator with
// the allow-all hook (mechanics only) fails it.
func TestFeaturesCatchAnImplementationWithoutRules(t *testing.T) {
	ok := conformance.Run(conformance.Options{
		Driver: &conformance.SimDriver{Seed: 1, Checker: sim.AllowAll{}},
		Output: io.Discard,
	})
	if ok {
		t.Fatal("the features pass on a simulator that enforces no rule")
	}
}

// embedded starts the mock on a loopback port with an owner and a read-only key.
func embedded(t *testing.T, faults ...string) *conformance.HTTPDriver {
	t.Helper()
	owner := atlasapi.Key{PublicKey: "ownerkey", PrivateKey: "owner-private-key", Roles: []string{"ORG_OWNER"}}
	ro := atlasapi.Key{PublicKey: "readonly", PrivateKey: "read-only-private-key", Roles: []string{"ORG_READ_ONLY"}}
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault(), Keys: []atlasapi.Key{owner, ro}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &conformance.HTTPDriver{
		BaseURL:  hs.URL,
		Owner:    conformance.Credentials{PublicKey: owner.PublicKey, PrivateKey: owner.PrivateKey},
		ReadOnly: &conformance.Credentials{PublicKey: ro.PublicKey, PrivateKey: ro.PrivateKey},
		Seed:     1,
	}
}

// The whole suite against the mock over real HTTP with digest authentication.
func TestFeaturesOverHTTP(t *testing.T) {
	if !conformance.Run(conformance.Options{Driver: embedded(t), TestingT: t}) {
		t.Fatal("the mock fails the features")
	}
}

// Suite strength: for every fault of earsim serve --list-faults, the suite
// fails against a mock started with that fault (and passes against the
// faithful mock, TestFeaturesOverHTTP).
func TestEveryFaultIsCaught(t *testing.T) {
	caught := 0
	for _, f := range atlasapi.Faults {
		var failing []string
		ok := conformance.Run(conformance.Options{
			Driver: embedded(t, f.Name),
			Output: io.Discard,
			Record: func(o conformance.Outcome) {
				if o.Err != nil {
					failing = append(failing, o.Name)
				}
			},
		})
		if ok || len(failing) == 0 {
			t.Errorf("fault %s (%s) is not caught by any scenario", f.Name, f.Rule)
			continue
		}
		caught++
		t.Logf("%-42s %-12s caught by %d scenarios, e.g. %q", f.Name, f.Rule, len(failing), failing[0])
	}
	if caught != len(atlasapi.Faults) {
		t.Fatalf("%d of %d faults caught", caught, len(atlasapi.Faults))
	}
}
