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
	// Record, when set, receives every scenario's outcome.
	Record func(Outcome)
	// CodeIsMD lists the rule IDs whose errorCode is a modelling decision.
	// Answering such a scenario with the expected status but another code
	// is a Divergence, not a failure, unless StrictCodes.
	CodeIsMD    map[string]bool
	StrictCodes bool
	Diverge     func(Divergence)
	// Context, when set, cancels every request (e.g. on Ctrl-C).
	Context context.Context
}

// Divergence is an answer with the expected status and another errorCode on
// a rule whose errorCode is a modelling decision.
type Divergence struct {
	Scenario string   `json:"scenario"`
	Rules    []string `json:"rules"`
	Status   int      `json:"status"`
	Expected string   `json:"expectedErrorCode"`
	Got      string   `json:"errorCode"`
}

// Outcome is how one scenario ended.
type Outcome struct {
	Name    string
	Tags    []string
	Err     error // nil when it passed
	Skipped bool  // the target lacks a capability it needs
	Why     string
}

// Run runs the embedded features in strict mode (undefined, pending or
// ambiguous steps fail) and reports whether all selected scenarios passed.
// Scenarios needing a capability the target lacks are skipped, visibly.
// The progress and pretty reports leave out godog's counts (which count a
// skipped scenario as passed): the caller prints the one summary, from the
// Outcomes Record receives.
func Run(opt Options) bool {
	if opt.Format == "" {
		opt.Format = "progress"
	}
	if opt.Poll == 0 {
		opt.Poll = 15 * time.Second
	}
	var counts *dropCounts
	if (opt.Format == "progress" || opt.Format == "pretty") && opt.Output != nil {
		counts = &dropCounts{w: opt.Output}
		opt.Output = counts
	}
	suite := godog.TestSuite{
		Name:                "earsim",
		ScenarioInitializer: func(sc *godog.ScenarioContext) { initialize(sc, opt) },
		Options: &godog.Options{
			Format:         opt.Format,
			Output:         opt.Output,
			FS:             features.FS(),
			Paths:          []string{"."},
			Strict:         true,
			Tags:           opt.Tags,
			TestingT:       opt.TestingT,
			NoColors:       true,
			DefaultContext: opt.Context,
		},
	}
	ok := suite.Run() == 0
	if counts != nil {
		counts.flush()
	}
	return ok
}

// world is one scenario's state: nothing is shared between scenarios.
type world struct {
	d        Driver
	opt      *Options
	poll     time.Duration
	names    map[string]string // endpoint name -> id
	last     Response
	lastOp   sim.Op
	scenario string
	tags     []string
	skipped  string // why the scenario was skipped, if it was
}

// needs maps a capability tag to whether the target has it.
func needs(c Capabilities) map[string]bool {
	return map[string]bool{"@needs-azure": c.Azure, "@needs-clock": c.Clock, "@needs-operator": c.Operator, "@needs-roles": c.Roles, "@needs-effects": c.Effects,
		"@needs-legacy-clusters": c.LegacyClusters}
}

func initialize(sc *godog.ScenarioContext, opt Options) {
	w := &world{d: opt.Driver, opt: &opt, poll: opt.Poll, names: map[string]string{}}
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		w.scenario = s.Name
		for _, t := range s.Tags {
			w.tags = append(w.tags, t.Name)
		}
		have := needs(w.d.Capabilities())
		for _, t := range s.Tags {
			if ok, known := have[t.Name]; known && !ok {
				w.skipped = Lacks(t.Name)
				return ctx, fmt.Errorf("%w: %s", godog.ErrSkip, w.skipped)
			}
		}
		return ctx, w.d.Reset(ctx)
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		if opt.Record != nil {
			var tags []string
			for _, t := range s.Tags {
				tags = append(tags, t.Name)
			}
			skipped := w.skipped != "" || errors.Is(err, godog.ErrSkip)
			if skipped {
				err = nil
			}
			opt.Record(Outcome{Name: s.Name, Tags: tags, Err: err, Skipped: skipped, Why: w.skipped})
		}
		return ctx, nil
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

	sc.Step(`^a cluster "([^"]*)" in ([A-Z0-9_, ]+?)( with customer-managed keys)?$`, w.givenCluster)
	sc.Step(`^a multi-cloud cluster "([^"]*)"$`, w.multiCloud)
	sc.Step(`^I create a cluster "([^"]*)" in ([A-Z0-9_, ]+?)( with customer-managed keys)?$`, w.createCluster)
	sc.Step(`^I create an? (M0|M2|M5|Flex) cluster "([^"]*)" with customer-managed keys$`, w.createTenant)
	sc.Step(`^I create a cluster "([^"]*)" of size (\w+) with customer-managed keys$`, w.createSized)
	sc.Step(`^I create a cluster "([^"]*)" with customer-managed keys and legacy backup$`, w.createLegacyBackup)
	sc.Step(`^I create a cluster "([^"]*)" with customer-managed keys and cloud backup$`, w.createCloudBackup)
	sc.Step(`^I create a multi-cloud cluster "([^"]*)"$`, w.createMultiCloud)
	sc.Step(`^I resume cluster "([^"]*)"$`, w.resume)
	sc.Step(`^cluster "([^"]*)" is (paused|running)$`, w.clusterIs)
	sc.Step(`^Azure (revokes|restores) Atlas's access to the key$`, w.keyAccess)
	sc.Step(`^I read the encryption configuration$`, w.readConfig)
	sc.Step(`^the answer holds no secret$`, w.noSecret)
	sc.Step(`^the key is (valid|not valid)$`, w.keyValid)
	sc.Step(`^a read-only user reads the encryption configuration$`, w.readOnlyRead)
	sc.Step(`^a read-only user changes the key vault name to "([^"]*)"$`, w.readOnlyChange)
	sc.Step(`^I enable customer-managed keys with only the key identifier$`, w.enablePartial)
	sc.Step(`^I enable customer-managed keys with a wrong secret$`, w.enableWrongSecret)
	sc.Step(`^I change the key identifier to "([^"]*)"$`, w.changeKey)

	sc.Step(`^Microsoft\.Network is not registered for the vault's subscription$`, w.unregisterNetwork)
	sc.Step(`^endpoint "([^"]*)" says why it failed$`, w.failedWhy)
	sc.Step(`^Azure holds a new key "([^"]*)"$`, w.newKey)
	sc.Step(`^Azure (disables|deletes) the key "([^"]*)"$`, w.keyEvent)
	sc.Step(`^a snapshot of cluster "([^"]*)"$`, w.snapshot)
	sc.Step(`^I turn on customer-managed keys for cluster "([^"]*)"$`, w.clusterCMK)
	sc.Step(`^I move cluster "([^"]*)" to ([A-Z0-9_, ]+)$`, w.moveCluster)
	sc.Step(`^the effect (\w+) is reported( for cluster "([^"]*)")?$`, w.effectReported)
	sc.Step(`^the effect (\w+) is not reported$`, w.effectNotReported)

	sc.Step(`^the request succeeds with status (\d+)$`, w.succeeds)
	sc.Step(`^the request is refused with status (\d+) and error code ([A-Z_]+)$`, w.refused)
	sc.Step(`^endpoint "([^"]*)" is (INITIATING|PENDING_ACCEPTANCE|ACTIVE|PENDING_RECREATION|FAILED|DELETING)$`, w.endpointIs)
	sc.Step(`^endpoint "([^"]*)" is (PENDING_ACCEPTANCE|ACTIVE|FAILED) within (\d+) minutes?$`, w.endpointBecomes)
	sc.Step(`^endpoint "([^"]*)" is gone within (\d+) minutes?$`, w.endpointGone)
	sc.Step(`^a new endpoint "([^"]*)" is INITIATING in ([A-Z0-9_]+)$`, w.newEndpoint)
}

func (w *world) do(ctx context.Context, cmd sim.Command) (Response, error) {
	if cmd.GroupID == "" {
		cmd.GroupID = w.group()
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

// group is the project the scenario works in: the driver's, when it makes
// one per scenario (live targets), else the default project.
func (w *world) group() string {
	if p, ok := w.d.(interface{ Project() string }); ok && p.Project() != "" {
		return p.Project()
	}
	return sim.DefaultProjectID
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
	if w.last.Status == status && w.last.ErrorCode == code {
		return nil
	}
	if w.last.Status == status && !w.opt.StrictCodes {
		var md []string
		for _, t := range w.tags {
			if id := strings.TrimPrefix(t, "@"); w.opt.CodeIsMD[id] {
				md = append(md, id)
			}
		}
		if len(md) > 0 {
			if w.opt.Diverge != nil {
				w.opt.Diverge(Divergence{Scenario: w.scenario, Rules: md, Status: status, Expected: code, Got: w.last.ErrorCode})
			}
			return nil
		}
	}
	return fmt.Errorf("%s answered %d %s, want %d %s", w.lastOp, w.last.Status, w.last.ErrorCode, status, code)
}

// status reads an endpoint's status; "" when it is gone (404).
func (w *world) status(ctx context.Context, name string) (string, error) {
	id, err := w.id(name)
	if err != nil {
		return "", err
	}
	r, err := w.d.Do(ctx, sim.Command{Op: sim.GetPrivateEndpoint, GroupID: w.group(), EndpointID: id})
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
	r, err := w.d.Do(ctx, sim.Command{Op: sim.ListPrivateEndpoints, GroupID: w.group()})
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

func (w *world) unregisterNetwork(ctx context.Context) error {
	_, err := w.must(ctx, sim.Command{Op: sim.UnregisterNetwork, SubscriptionID: sim.Presets["example"].SubscriptionID})
	return err
}

func (w *world) failedWhy(ctx context.Context, name string) error {
	id, err := w.id(name)
	if err != nil {
		return err
	}
	r, err := w.d.Do(ctx, sim.Command{Op: sim.GetPrivateEndpoint, GroupID: w.group(), EndpointID: id})
	if err != nil {
		return err
	}
	if field(r.Body, "status") != sim.StatusFailed || field(r.Body, "errorMessage") == "" {
		return fmt.Errorf("endpoint %q: status %q, errorMessage %q", name, field(r.Body, "status"), field(r.Body, "errorMessage"))
	}
	return nil
}

func (w *world) newKey(ctx context.Context, kid string) error {
	_, err := w.must(ctx, sim.Command{Op: sim.CreateKey, KeyIdentifier: kid})
	return err
}

func (w *world) keyEvent(ctx context.Context, verb, kid string) error {
	op := sim.DisableKey
	if verb == "deletes" {
		op = sim.DeleteKey
	}
	_, err := w.must(ctx, sim.Command{Op: op, KeyIdentifier: kid})
	return err
}

func (w *world) snapshot(ctx context.Context, name string) error {
	_, err := w.must(ctx, sim.Command{Op: sim.CreateSnapshot, ClusterName: name, Snapshot: &sim.SnapshotSpec{Description: "conformance"}})
	return err
}

func (w *world) clusterCMK(ctx context.Context, name string) error {
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateCluster, ClusterName: name, Cluster: &sim.ClusterSpec{EncryptionAtRestProvider: "AZURE"}})
	return err
}

func (w *world) moveCluster(ctx context.Context, name, list string) error {
	spec := clusterSpec(name, "AZURE", "M10", false, inRegions(list)...)
	spec.EncryptionAtRestProvider = ""
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateCluster, ClusterName: name, Cluster: &sim.ClusterSpec{ReplicationSpecs: spec.ReplicationSpecs}})
	return err
}

func (w *world) effects(ctx context.Context) ([]sim.Effect, error) {
	r, ok := w.d.(EffectReader)
	if !ok {
		return nil, fmt.Errorf("the target reports no effects")
	}
	return r.Effects(ctx)
}

func (w *world) effectReported(ctx context.Context, kind, _, cluster string) error {
	all, err := w.effects(ctx)
	if err != nil {
		return err
	}
	var seen []string
	for _, e := range all {
		if e.GroupID != "" && e.GroupID != w.group() {
			continue // another scenario's project
		}
		if e.Kind == kind && (cluster == "" || e.Target["cluster"] == cluster) {
			return nil
		}
		seen = append(seen, e.Kind)
	}
	return fmt.Errorf("no effect %s%s among %v", kind, map[bool]string{true: "", false: " for cluster " + cluster}[cluster == ""], seen)
}

func (w *world) effectNotReported(ctx context.Context, kind string) error {
	all, err := w.effects(ctx)
	if err != nil {
		return err
	}
	for _, e := range all {
		if e.Kind == kind && (e.GroupID == "" || e.GroupID == w.group()) {
			return fmt.Errorf("effect %s was reported: %s", kind, e.Msg)
		}
	}
	return nil
}

// regions splits "US_CENTRAL, US_EAST_2" or "US_CENTRAL and US_EAST_2".
func regions(list string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(strings.ReplaceAll(list, " and ", ","), func(r rune) bool { return r == ',' }) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func clusterSpec(name, provider, size string, cmk bool, regionConfigs ...sim.RegionConfig) *sim.ClusterSpec {
	ear := "NONE"
	if cmk {
		ear = "AZURE"
	}
	for i := range regionConfigs {
		if regionConfigs[i].ProviderName == "" {
			regionConfigs[i].ProviderName = provider
		}
		regionConfigs[i].Priority = 7 - i
		regionConfigs[i].ElectableSpecs = &sim.HardwareSpec{InstanceSize: size, NodeCount: 3}
	}
	return &sim.ClusterSpec{Name: name, ClusterType: "REPLICASET", EncryptionAtRestProvider: ear,
		ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: regionConfigs}}}
}

func inRegions(list string) []sim.RegionConfig {
	var out []sim.RegionConfig
	for _, r := range regions(list) {
		out = append(out, sim.RegionConfig{RegionName: r})
	}
	return out
}

func (w *world) givenCluster(ctx context.Context, name, list, cmk string) error {
	_, err := w.must(ctx, sim.Command{Op: sim.CreateCluster, Cluster: clusterSpec(name, "AZURE", "M10", cmk != "", inRegions(list)...)})
	return err
}

func (w *world) multiCloud(ctx context.Context, name string) error {
	_, err := w.must(ctx, sim.Command{Op: sim.CreateCluster, Cluster: clusterSpec(name, "", "M10", false,
		sim.RegionConfig{ProviderName: "AZURE", RegionName: "US_CENTRAL"}, sim.RegionConfig{ProviderName: "AWS", RegionName: "US_EAST_1"})})
	return err
}

func (w *world) createCluster(ctx context.Context, name, list, cmk string) error {
	_, err := w.do(ctx, sim.Command{Op: sim.CreateCluster, Cluster: clusterSpec(name, "AZURE", "M10", cmk != "", inRegions(list)...)})
	return err
}

func (w *world) createTenant(ctx context.Context, size, name string) error {
	provider, instance := "TENANT", size
	if size == "Flex" {
		provider, instance = "FLEX", "FLEX"
	}
	spec := clusterSpec(name, provider, instance, true, sim.RegionConfig{RegionName: "US_CENTRAL", BackingProviderName: "AZURE"})
	_, err := w.do(ctx, sim.Command{Op: sim.CreateCluster, Cluster: spec})
	return err
}

func (w *world) createSized(ctx context.Context, name, size string) error {
	_, err := w.do(ctx, sim.Command{Op: sim.CreateCluster, Cluster: clusterSpec(name, "AZURE", size, true, sim.RegionConfig{RegionName: "US_CENTRAL"})})
	return err
}

func (w *world) createLegacyBackup(ctx context.Context, name string) error {
	return w.createBacked(ctx, name, true)
}

// createCloudBackup creates a CMK cluster with API v2's backupEnabled, which
// is Cloud Backup (EAR-TIER-03).
func (w *world) createCloudBackup(ctx context.Context, name string) error {
	return w.createBacked(ctx, name, false)
}

// createBacked creates a CMK cluster with legacy backup (the v1.0 shape) or
// with Cloud Backup.
func (w *world) createBacked(ctx context.Context, name string, legacy bool) error {
	spec := clusterSpec(name, "AZURE", "M10", true, sim.RegionConfig{RegionName: "US_CENTRAL"})
	on := true
	if legacy {
		spec.LegacyBackup = &on
	} else {
		spec.BackupEnabled = &on
	}
	_, err := w.do(ctx, sim.Command{Op: sim.CreateCluster, Cluster: spec})
	return err
}

func (w *world) createMultiCloud(ctx context.Context, name string) error {
	_, err := w.do(ctx, sim.Command{Op: sim.CreateCluster, Cluster: clusterSpec(name, "", "M10", false,
		sim.RegionConfig{ProviderName: "AZURE", RegionName: "US_CENTRAL"}, sim.RegionConfig{ProviderName: "AWS", RegionName: "US_EAST_1"})})
	return err
}

func (w *world) resume(ctx context.Context, name string) error {
	_, err := w.do(ctx, sim.Command{Op: sim.ResumeCluster, ClusterName: name})
	return err
}

func (w *world) clusterIs(ctx context.Context, name, state string) error {
	r, err := w.d.Do(ctx, sim.Command{Op: sim.GetCluster, GroupID: w.group(), ClusterName: name})
	if err != nil {
		return err
	}
	if r.Status != 200 {
		return fmt.Errorf("reading cluster %q answered %d %s", name, r.Status, r.ErrorCode)
	}
	paused, _ := asMap(r.Body)["paused"].(bool)
	if paused != (state == "paused") {
		return fmt.Errorf("cluster %q paused=%v, want %s", name, paused, state)
	}
	return nil
}

func (w *world) keyAccess(ctx context.Context, verb string) error {
	op := sim.RevokeKeyAccess
	if verb == "restores" {
		op = sim.RestoreKeyAccess
	}
	_, err := w.must(ctx, sim.Command{Op: op})
	return err
}

func (w *world) readConfig(ctx context.Context) error {
	_, err := w.do(ctx, sim.Command{Op: sim.GetEncryptionConfig})
	return err
}

func (w *world) noSecret() error {
	if _, ok := asMap(asMap(w.last.Body)["azureKeyVault"])["secret"]; ok {
		return fmt.Errorf("the answer to %s holds azureKeyVault.secret", w.lastOp)
	}
	return nil
}

func (w *world) keyValid(ctx context.Context, want string) error {
	if err := w.readConfig(ctx); err != nil {
		return err
	}
	valid, _ := asMap(asMap(w.last.Body)["azureKeyVault"])["valid"].(bool)
	if valid != (want == "valid") {
		return fmt.Errorf("azureKeyVault.valid is %v, want %s", valid, want)
	}
	return nil
}

var readOnlyActor = &sim.Actor{Roles: []string{"ORG_READ_ONLY"}}

func (w *world) readOnlyRead(ctx context.Context) error {
	_, err := w.do(ctx, sim.Command{Op: sim.GetEncryptionConfig, Actor: readOnlyActor})
	return err
}

func (w *world) readOnlyChange(ctx context.Context, vault string) error {
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, Actor: readOnlyActor, AzureKeyVault: &sim.AzureKeyVaultPatch{KeyVaultName: &vault}})
	return err
}

func (w *world) enablePartial(ctx context.Context) error {
	on, kid := true, sim.Presets["example"].KeyIdentifier
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, AzureKeyVault: &sim.AzureKeyVaultPatch{Enabled: &on, KeyIdentifier: &kid}})
	return err
}

func (w *world) enableWrongSecret(ctx context.Context) error {
	p := sim.Presets["example"]
	str := func(s string) *string { return &s }
	on := true
	wrong := sim.Secret("not-the-secret")
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, AzureKeyVault: &sim.AzureKeyVaultPatch{
		AzureEnvironment: str(p.AzureEnvironment), ClientID: str(p.ClientID), TenantID: str(p.TenantID), Secret: &wrong,
		SubscriptionID: str(p.SubscriptionID), ResourceGroupName: str(p.ResourceGroupName), KeyVaultName: str(p.KeyVaultName),
		KeyIdentifier: str(p.KeyIdentifier), Enabled: &on}})
	return err
}

func (w *world) changeKey(ctx context.Context, kid string) error {
	_, err := w.do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, AzureKeyVault: &sim.AzureKeyVaultPatch{KeyIdentifier: &kid}})
	return err
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

func field(body any, key string) string {
	if v, ok := asMap(body)[key]; ok {
		return fmt.Sprint(v)
	}
	return ""
}
