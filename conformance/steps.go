package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/earsim/earsim/features"
	"github.com/earsim/earsim/sim"
)

// Options configure a run of the features against one target.
type Options struct {
	Driver Driver
	// Tags selects scenarios (godog tag expression, e.g. "@EAR-PE-06").
	Tags string
	// Format is pretty, progress, junit or cucumber; default progress.
	Format string
	Output io.Writer
	// Poll is the interval of "within N minutes" checks on targets without a
	// clock; default 15 s. Targets with a clock advance it instead.
	Poll time.Duration
	// TestingT, when set, reports each scenario as a subtest.
	TestingT *testing.T
}

// Run runs the embedded features in strict mode (undefined, pending or
// ambiguous steps fail) and reports whether all selected scenarios passed.
// Scenarios needing a capability the target lacks are skipped, visibly.
func Run(opt Options) bool {
	if opt.Format == "" {
		opt.Format = "progress"
	}
	if opt.Poll == 0 {
		opt.Poll = 15 * time.Second
	}
	suite := godog.TestSuite{
		Name:                "earsim",
		ScenarioInitializer: func(sc *godog.ScenarioContext) { initialize(sc, opt) },
		Options: &godog.Options{
			Format:   opt.Format,
			Output:   opt.Output,
			FS:       features.FS(),
			Paths:    []string{"."},
			Strict:   true,
			Tags:     opt.Tags,
			TestingT: opt.TestingT,
			NoColors: true,
		},
	}
	return suite.Run() == 0
}

// world is one scenario's state: nothing is shared between scenarios.
type world struct {
	d      Driver
	poll   time.Duration
	names  map[string]string // endpoint name -> id
	last   Response
	lastOp sim.Op
}

// needs maps a capability tag to whether the target has it.
func needs(c Capabilities) map[string]bool {
	return map[string]bool{"@needs-azure": c.Azure, "@needs-clock": c.Clock, "@needs-operator": c.Operator}
}

func initialize(sc *godog.ScenarioContext, opt Options) {
	w := &world{d: opt.Driver, poll: opt.Poll, names: map[string]string{}}
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		have := needs(w.d.Capabilities())
		for _, t := range s.Tags {
			if ok, known := have[t.Name]; known && !ok {
				return ctx, fmt.Errorf("%w: the target cannot %s", godog.ErrSkip, strings.TrimPrefix(t.Name, "@needs-"))
			}
		}
		return ctx, w.d.Reset(ctx)
	})

	// Givens reach their state through the API and Azure events, so they work on every target.
	sc.Step(`^a project with customer-managed keys( over private networking)?$`, w.projectWithKeys)
	sc.Step(`^the project is INACTIVE$`, w.projectInactive)
	sc.Step(`^an endpoint "([^"]*)" in ([A-Z0-9_]+) that is (INITIATING|PENDING_ACCEPTANCE|ACTIVE)$`, w.endpointThatIs)

	sc.Step(`^I create an endpoint "([^"]*)" in ([A-Z0-9_]+)$`, w.createEndpoint)
	sc.Step(`^I delete endpoint "([^"]*)"$`, w.deleteEndpoint)
	sc.Step(`^Azure (approves|rejects|removes) endpoint "([^"]*)"$`, w.azureEvent)
	sc.Step(`^I (require|stop requiring) private networking$`, w.privateNetworking)
	sc.Step(`^I disable customer-managed keys$`, w.disableKeys)
	sc.Step(`^I change the key vault name to "([^"]*)"$`, w.changeVault)

	sc.Step(`^the request succeeds with status (\d+)$`, w.succeeds)
	sc.Step(`^the request is refused with status (\d+) and error code ([A-Z_]+)$`, w.refused)
	sc.Step(`^endpoint "([^"]*)" is (INITIATING|PENDING_ACCEPTANCE|ACTIVE|PENDING_RECREATION|FAILED|DELETING)$`, w.endpointIs)
	sc.Step(`^endpoint "([^"]*)" is (PENDING_ACCEPTANCE|ACTIVE|FAILED) within (\d+) minutes?$`, w.endpointBecomes)
	sc.Step(`^endpoint "([^"]*)" is gone within (\d+) minutes?$`, w.endpointGone)
	sc.Step(`^a new endpoint "([^"]*)" is INITIATING in ([A-Z0-9_]+)$`, w.newEndpoint)
}

func (w *world) do(ctx context.Context, cmd sim.Command) (Response, error) {
	if cmd.GroupID == "" {
		cmd.GroupID = sim.DefaultProjectID
	}
	r, err := w.d.Do(ctx, cmd)
	w.last, w.lastOp = r, cmd.Op
	return r, err
}

// must performs a setup request that has to succeed.
func (w *world) must(ctx context.Context, cmd sim.Command) (Response, error) {
	r, err := w.do(ctx, cmd)
	if err == nil && r.Status >= 300 {
		err = fmt.Errorf("%s answered %d %s", cmd.Op, r.Status, r.ErrorCode)
	}
	return r, err
}

func (w *world) id(name string) (string, error) {
	id, ok := w.names[name]
	if !ok {
		return "", fmt.Errorf("no endpoint named %q in this scenario", name)
	}
	return id, nil
}

func (w *world) projectWithKeys(ctx context.Context, private string) error {
	p := sim.Presets["example"]
	str := func(s string) *string { return &s }
	on := true
	secret := sim.Secret(p.Secret)
	patch := &sim.AzureKeyVaultPatch{
		AzureEnvironment: str(p.AzureEnvironment), ClientID: str(p.ClientID), TenantID: str(p.TenantID), Secret: &secret,
		SubscriptionID: str(p.SubscriptionID), ResourceGroupName: str(p.ResourceGroupName), KeyVaultName: str(p.KeyVaultName),
		KeyIdentifier: str(p.KeyIdentifier), Enabled: &on,
	}
	if private != "" {
		patch.RequirePrivateNetworking = &on
	}
	_, err := w.must(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, AzureKeyVault: patch})
	return err
}

func (w *world) projectInactive(ctx context.Context) error {
	_, err := w.must(ctx, sim.Command{Op: sim.SetProjectState, State: "INACTIVE"})
	return err
}

func (w *world) endpointThatIs(ctx context.Context, name, region, status string) error {
	if err := w.createEndpoint(ctx, name, region); err != nil {
		return err
	}
	if w.last.Status != 202 {
		return fmt.Errorf("creating endpoint %q answered %d %s", name, w.last.Status, w.last.ErrorCode)
	}
	if status == sim.StatusInitiating {
		return nil
	}
	if err := w.endpointBecomes(ctx, name, sim.StatusPendingAcceptance, 3); err != nil {
		return err
	}
	if status == sim.StatusPendingAcceptance {
		return nil
	}
	if err := w.azureEvent(ctx, "approves", name); err != nil {
		return err
	}
	return w.endpointBecomes(ctx, name, sim.StatusActive, 3)
}

func (w *world) createEndpoint(ctx context.Context, name, region string) error {
	r, err := w.do(ctx, sim.Command{Op: sim.CreatePrivateEndpoint, RegionName: region})
	if err != nil {
		return err
	}
	if id := field(r.Body, "id"); id != "" {
		w.names[name] = id
	}
	return nil
}

func (w *world) deleteEndpoint(ctx context.Context, name string) error {
	id, err := w.id(name)
	if err != nil {
		return err
	}
	_, err = w.do(ctx, sim.Command{Op: sim.DeletePrivateEndpoint, EndpointID: id})
	return err
}

func (w *world) azureEvent(ctx context.Context, verb, name string) error {
	id, err := w.id(name)
	if err != nil {
		return err
	}
	op := map[string]sim.Op{"approves": sim.ApproveConnection, "rejects": sim.RejectConnection, "removes": sim.RemoveConnection}[verb]
	_, err = w.must(ctx, sim.Command{Op: op, EndpointID: id})
	return err
}

func (w *world) privateNetworking(ctx context.Context, how string) error {
	on := how == "require"
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, AzureKeyVault: &sim.AzureKeyVaultPatch{RequirePrivateNetworking: &on}})
	return err
}

func (w *world) disableKeys(ctx context.Context) error {
	off := false
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, AzureKeyVault: &sim.AzureKeyVaultPatch{Enabled: &off}})
	return err
}

func (w *world) changeVault(ctx context.Context, vault string) error {
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, AzureKeyVault: &sim.AzureKeyVaultPatch{KeyVaultName: &vault}})
	return err
}

func (w *world) succeeds(status int) error {
	if w.last.Status != status {
		return fmt.Errorf("%s answered %d %s, want %d", w.lastOp, w.last.Status, w.last.ErrorCode, status)
	}
	return nil
}

func (w *world) refused(status int, code string) error {
	if w.last.Status != status || w.last.ErrorCode != code {
		return fmt.Errorf("%s answered %d %s, want %d %s", w.lastOp, w.last.Status, w.last.ErrorCode, status, code)
	}
	return nil
}

// status reads an endpoint's status; "" when it is gone (404).
func (w *world) status(ctx context.Context, name string) (string, error) {
	id, err := w.id(name)
	if err != nil {
		return "", err
	}
	r, err := w.d.Do(ctx, sim.Command{Op: sim.GetPrivateEndpoint, GroupID: sim.DefaultProjectID, EndpointID: id})
	switch {
	case err != nil:
		return "", err
	case r.Status == 404:
		return "", nil
	case r.Status != 200:
		return "", fmt.Errorf("reading endpoint %q answered %d %s", name, r.Status, r.ErrorCode)
	}
	return field(r.Body, "status"), nil
}

func (w *world) endpointIs(ctx context.Context, name, want string) error {
	got, err := w.status(ctx, name)
	if err == nil && got != want {
		err = fmt.Errorf("endpoint %q is %q, want %s", name, got, want)
	}
	return err
}

// within checks cond until it holds or minutes pass: by advancing the
// target's clock in 15 s steps where it has one, else by polling in real time.
func (w *world) within(ctx context.Context, minutes int, cond func() (bool, string, error)) error {
	deadline := time.Duration(minutes) * time.Minute
	step := 15 * time.Second
	clock := w.d.Capabilities().Clock
	if !clock {
		step = w.poll
	}
	for waited := time.Duration(0); ; waited += step {
		ok, last, err := cond()
		if err != nil || ok {
			return err
		}
		if waited >= deadline {
			return fmt.Errorf("not within %d minutes: %s", minutes, last)
		}
		if clock {
			if err := w.d.Advance(ctx, int64(step/time.Second)); err != nil && !errors.Is(err, ErrNoClock) {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(step):
		}
	}
}

func (w *world) endpointBecomes(ctx context.Context, name, want string, minutes int) error {
	return w.within(ctx, minutes, func() (bool, string, error) {
		got, err := w.status(ctx, name)
		return got == want, fmt.Sprintf("endpoint %q is %q, want %s", name, got, want), err
	})
}

func (w *world) endpointGone(ctx context.Context, name string, minutes int) error {
	return w.within(ctx, minutes, func() (bool, string, error) {
		got, err := w.status(ctx, name)
		return got == "", fmt.Sprintf("endpoint %q is still %q", name, got), err
	})
}

// newEndpoint finds the endpoint that replaced a rejected or removed one.
func (w *world) newEndpoint(ctx context.Context, name, region string) error {
	r, err := w.d.Do(ctx, sim.Command{Op: sim.ListPrivateEndpoints, GroupID: sim.DefaultProjectID})
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, id := range w.names {
		known[id] = true
	}
	results, _ := asMap(r.Body)["results"].([]any)
	for _, x := range results {
		e := asMap(x)
		if e["regionName"] == region && e["status"] == sim.StatusInitiating && !known[fmt.Sprint(e["id"])] {
			w.names[name] = fmt.Sprint(e["id"])
			return nil
		}
	}
	return fmt.Errorf("no new INITIATING endpoint in %s among %d", region, len(results))
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func field(body any, key string) string {
	if v, ok := asMap(body)[key]; ok {
		return fmt.Sprint(v)
	}
	return ""
}
