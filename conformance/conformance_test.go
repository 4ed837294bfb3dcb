package conformance_test

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"strings"

	"github.com/earsim/earsim/features"
	"net/http/httptest"

	"github.com/earsim/earsim/atlasapi"
	"io"

	"github.com/earsim/earsim/sim"
	"testing"

	"github.com/earsim/earsim/conformance"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/policies/policiestest"
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

// The fast paths answer every feature as the Engine does: the whole suite on
// the simulator asking the policies as earsim serve does (policies.Service,
// both levels), every answer compared with the Engine evaluating every rule.
func TestFeaturesAgreeThroughTheServiceMemo(t *testing.T) {
	cmp, err := policiestest.New(policies.MustDefault())
	if err != nil {
		t.Fatal(err)
	}
	if !conformance.Run(conformance.Options{Driver: &conformance.SimDriver{Seed: 1, Checker: cmp}, Output: io.Discard}) {
		t.Fatal("the simulator fails its features through the service's memo")
	}
	asked, wrong, first := cmp.Result()
	if wrong != 0 {
		t.Errorf("%d of %d answers differ from the Engine's; the first: %s", wrong, asked, first)
	}
	if asked < 500 { // the suite asks about 800
		t.Errorf("only %d answers compared", asked)
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
func embedded(t testing.TB, faults ...string) *conformance.HTTPDriver {
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

// Every rule ID of RULES.md and every procedure of the seed has a feature.
func TestEveryRuleAndProcedureHasAFeature(t *testing.T) {
	rules, err := os.ReadFile("../../shared/spec/RULES.md")
	if err != nil {
		t.Fatalf("RULES.md is read from ../shared beside the checkout: %v", err)
	}
	var text strings.Builder
	fs.WalkDir(features.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".feature") {
			b, _ := fs.ReadFile(features.FS(), p)
			text.Write(b)
		}
		return nil
	})
	all := text.String()
	for _, id := range regexp.MustCompile(`EAR-[A-Z]+-\d\d`).FindAllString(string(rules), -1) {
		if !strings.Contains(all, "@"+id+" ") && !strings.Contains(all, "@"+id+"\n") {
			t.Errorf("no feature is tagged @%s", id)
		}
	}
	for _, p := range []string{
		"Enable Customer-Managed Keys for a Project", "Enable and Set up Private Endpoint Connections for a Project",
		"Enable Customer Key Management for an Atlas Cluster", "Create New Endpoints for a Project",
		"Reject or Remove Private Endpoint Connection", "View Private Endpoints and their Statuses",
		"Disable Private Endpoint Connections for a Project", "Disable Customer-Managed Keys for a Project",
		"Revoke Access to an Encryption Key", "Rotate your Azure Key Identifier",
	} {
		if !strings.Contains(all, "Scenario: "+p+"\n") {
			t.Errorf("no feature walks through %q", p)
		}
	}
}

// A live target runs only when EARSIM_TARGET and keys are set; destructive
// scenarios are left out.
func TestFeaturesOnALiveTarget(t *testing.T) {
	target := os.Getenv("EARSIM_TARGET")
	pub, priv := os.Getenv("EARSIM_PUBLIC_KEY"), os.Getenv("EARSIM_PRIVATE_KEY")
	if target == "" || pub == "" || priv == "" {
		t.Skip("set EARSIM_TARGET, EARSIM_PUBLIC_KEY and EARSIM_PRIVATE_KEY to run against a live endpoint")
	}
	d := &conformance.HTTPDriver{BaseURL: target, Owner: conformance.Credentials{PublicKey: pub, PrivateKey: priv}}
	if !conformance.Run(conformance.Options{Driver: d, Tags: "~@destructive", TestingT: t}) {
		t.Fatal("the live target fails the features")
	}
}

// On a live target every scenario works in a project of its own named with
// the run prefix, and the run removes them all afterwards. Checked by
// treating the mock as live; the Azure side is shared by all scenarios
// there (no reset), so scenarios that change it are left out, as a live
// target, which has no control of Azure, leaves them out.
func TestLiveModeNamesAndCleansUp(t *testing.T) {
	d := embedded(t)
	d.Live, d.RunPrefix = true, "earsim-test-run"
	var projects []string
	ok := conformance.Run(conformance.Options{Driver: d, Output: io.Discard, Tags: "~@needs-azure", Record: func(o conformance.Outcome) {
		if p := d.Project(); p != "" && (len(projects) == 0 || projects[len(projects)-1] != p) {
			projects = append(projects, p)
		}
		if o.Err != nil {
			t.Errorf("%s: %v", o.Name, o.Err)
		}
	}})
	if !ok || len(projects) < 25 {
		t.Fatalf("suite in live mode: ok=%v over %d projects", ok, len(projects))
	}
	if left := d.CleanupAll(context.Background()); len(left) > 0 {
		t.Fatalf("not removed: %v", left)
	}
	resp, err := http.Get(d.BaseURL + "/_sim/v1/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	state, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(state), "earsim-test-run") {
		t.Fatal("projects with the run prefix remain after cleanup")
	}
}

// otherCode answers one errorCode with another, as a live target might on a
// rule whose code is a modelling decision.
type otherCode struct {
	*conformance.SimDriver
	from, to string
}

func (o otherCode) Do(ctx context.Context, cmd sim.Command) (conformance.Response, error) {
	r, err := o.SimDriver.Do(ctx, cmd)
	if r.ErrorCode == o.from {
		r.ErrorCode = o.to
	}
	return r, err
}

// The same status with another code on a modelling-decision rule is a
// divergence, recorded and passing, unless codes are strict.
func TestDivergenceLedger(t *testing.T) {
	d := otherCode{&conformance.SimDriver{Seed: 1, Checker: policies.MustDefault()}, "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_ALREADY_EXISTS", "DUPLICATE_PRIVATE_ENDPOINT"}
	var seen []conformance.Divergence
	opts := conformance.Options{Driver: d, Output: io.Discard, Tags: "@EAR-PE-07", CodeIsMD: map[string]bool{"EAR-PE-07": true},
		Diverge: func(dv conformance.Divergence) { seen = append(seen, dv) }}
	if !conformance.Run(opts) {
		t.Fatal("a divergence on a modelling-decision code failed the run")
	}
	if len(seen) != 1 || seen[0].Got != "DUPLICATE_PRIVATE_ENDPOINT" || seen[0].Rules[0] != "EAR-PE-07" {
		t.Fatalf("divergences %+v", seen)
	}
	opts.StrictCodes = true
	if conformance.Run(opts) {
		t.Fatal("--strict-codes let a differing code pass")
	}
	opts.StrictCodes, opts.CodeIsMD = false, nil
	if conformance.Run(opts) {
		t.Fatal("a differing code on a rule whose code is not a modelling decision passed")
	}
}
