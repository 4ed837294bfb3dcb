//go:build !race

package atlasapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/atlas-sdk/v20250312010/admin"
	"go.mongodb.org/atlas-sdk/v20250312010/auth"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

// counting is a transport that counts what a client sends, per path.
type counting struct {
	mu   sync.Mutex
	sent map[string]int
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if c.sent == nil {
		c.sent = map[string]int{}
	}
	c.sent[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *counting) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent[key]
}

// sdk2025 is the official Go SDK go.mongodb.org/atlas-sdk/v20250312010 with
// a service account (admin.UseOAuthAuth) against the test server. The HTTP
// client goes in the context: without one, UseOAuthAuth changes
// http.DefaultClient for the whole process.
func sdk2025(t *testing.T, base string, sa atlasapi.ServiceAccount) (*admin.APIClient, *counting, context.Context) {
	t.Helper()
	rt := &counting{}
	ctx := context.WithValue(context.Background(), auth.HTTPClient, &http.Client{Transport: rt})
	client, err := admin.NewClient(admin.UseBaseURL(base), admin.UseOAuthAuth(ctx, sa.ClientID, sa.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	return client, rt, ctx
}

// The seed's workflow with the newest official SDK and a service account
// (API.md "Auth", "Real clients"): the token is fetched once and reused.
func TestOfficialSDK2025OAuthWorkflow(t *testing.T) {
	oauthWorkflow(t, newServer(t, atlasapi.Options{Seed: 1}))
}

// Two worlds of one serve driven at once (API.md "Worlds"), one by the
// newest SDK with a service account, one by the 2024-11-13 SDK with digest
// keys, each with a base URL under /w/{world}/: each runs the whole
// workflow (which counts the projects it sees), and the default world is
// left as it was.
func TestTwoWorldsAtOnceWithTheSDKs(t *testing.T) {
	s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1}}, atlasapi.DefaultWorld)
	before := s.state()
	t.Run("worlds", func(t *testing.T) {
		t.Run("oauth", func(t *testing.T) { t.Parallel(); oauthWorkflow(t, s.in("job-oauth")) })
		t.Run("digest", func(t *testing.T) { t.Parallel(); digestWorkflow(t, s.in("job-digest")) })
	})
	if s.state() != before {
		t.Errorf("the default world changed")
	}
	list := s.control("GET", "worlds", nil)
	if list.Body["totalCount"] != 3.0 {
		t.Errorf("worlds: %s", list.Raw)
	}
}

func oauthWorkflow(t *testing.T, s *testServer) {
	client, rt, ctx := sdk2025(t, s.url(""), devSA)
	ear := client.EncryptionAtRestUsingCustomerKeyManagementApi
	p := sim.Presets["example"]
	on, off := true, false

	orgs, _, err := client.OrganizationsApi.ListOrgs(ctx).Execute()
	if err != nil || orgs.GetTotalCount() != 1 {
		t.Fatalf("list organizations: %v %v", orgs, err)
	}
	project, _, err := client.ProjectsApi.CreateGroup(ctx, &admin.Group{Name: "sdk-oauth", OrgId: orgs.GetResults()[0].GetId()}).Execute()
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	g := project.GetId()
	// Scripts look a project up by name, or list them (issue: GET /groups).
	if got, _, err := client.ProjectsApi.GetGroupByName(ctx, "sdk-oauth").Execute(); err != nil || got.GetId() != g {
		t.Fatalf("project by name: %v %v", got, err)
	}
	if list, _, err := client.ProjectsApi.ListGroups(ctx).Execute(); err != nil || list.GetTotalCount() != 2 {
		t.Fatalf("list projects: %v %v", list, err)
	}

	if _, _, err := ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{
		AzureEnvironment: &p.AzureEnvironment, ClientID: &p.ClientID, TenantID: &p.TenantID, Secret: &p.Secret,
		SubscriptionID: &p.SubscriptionID, ResourceGroupName: &p.ResourceGroupName, KeyVaultName: &p.KeyVaultName,
		KeyIdentifier: &p.KeyIdentifier, Enabled: &on, RequirePrivateNetworking: &on,
	}}).Execute(); err != nil {
		t.Fatalf("enable: %v", err)
	}
	region := "US_CENTRAL"
	created, resp, err := ear.CreateRestPrivateEndpoint(ctx, g, "AZURE", &admin.EARPrivateEndpoint{RegionName: &region}).Execute()
	if err != nil || resp.StatusCode != http.StatusAccepted || created.GetStatus() != sim.StatusInitiating {
		t.Fatalf("create endpoint: %v %v %v", created, resp, err)
	}
	id := created.GetId()
	s.control("POST", "clock/advance", map[string]any{"seconds": 60})
	if a := s.control("POST", "groups/"+g+"/privateEndpoints/"+id+"/approve", nil); a.Status != 200 {
		t.Fatalf("approve: %d %s", a.Status, a.Raw)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.MaxApprovalLag})
	list, _, err := ear.ListRestPrivateEndpoints(ctx, g, "AZURE").Execute()
	if err != nil || list.GetTotalCount() != 1 || list.GetResults()[0].GetStatus() != sim.StatusActive {
		t.Fatalf("list after approval: %+v %v", list, err)
	}
	other := "OtherVault"
	_, _, err = ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{KeyVaultName: &other}}).Execute()
	if !admin.IsErrorCode(err, "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE") {
		t.Fatalf("vault rename: %v, want ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE (EAR-IMM-01)", err)
	}
	if _, err := ear.RequestPrivateEndpointDeletion(ctx, g, "AZURE", id).Execute(); err != nil {
		t.Fatalf("delete endpoint: %v", err)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.DeletionSeconds})
	cfg, _, err := ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{RequirePrivateNetworking: &off, Enabled: &off}}).Execute()
	if kv := cfg.GetAzureKeyVault(); err != nil || kv.GetEnabled() {
		t.Fatalf("CMK off: %+v %v", cfg, err)
	}
	if _, err := client.ProjectsApi.DeleteGroup(ctx, g).Execute(); err != nil {
		t.Fatalf("delete project: %v", err)
	}
	if n := rt.count("POST " + s.prefix + "/api/oauth/token"); n != 1 {
		t.Errorf("the SDK asked for %d tokens, want 1 (reused until it expires)", n)
	}
}

// With a --rate-limits FILE of capacity 2, the SDK meets 429
// RATE_LIMITED_TOKEN_BUCKET on the third request and succeeds once the
// bucket refills. What the SDK does on a 429, recorded for the README: it
// does not retry (one request went out) and returns the Atlas error, whose
// Retry-After the caller must honour itself.
func TestRateLimitsMeetTheSDK(t *testing.T) {
	sets, err := atlasapi.ParseRateLimits("limits.yaml", []byte(`endpointSets:
  - id: ear_group
    name: Encryption at rest
    scope: GROUP
    capacity: 2
    refillRate: 1
    refillDurationSeconds: 60
    endpoints:
      - GET /api/atlas/v2/groups/{groupId}/encryptionAtRest
`))
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, atlasapi.Options{Seed: 1, RateLimits: sets})
	client, rt, ctx := sdk2025(t, s.http.URL, devSA)
	ear := client.EncryptionAtRestUsingCustomerKeyManagementApi
	for i := range 2 {
		if _, resp, err := ear.GetEncryptionAtRest(ctx, group).Execute(); err != nil || resp.Header.Get("RateLimit-Remaining") != []string{"1", "0"}[i] {
			t.Fatalf("request %d: %v %v", i+1, resp.Header, err)
		}
	}
	_, resp, err := ear.GetEncryptionAtRest(ctx, group).Execute()
	if !admin.IsErrorCode(err, "RATE_LIMITED_TOKEN_BUCKET") || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("the third request: %v %v, want 429 RATE_LIMITED_TOKEN_BUCKET with Retry-After 60", resp, err)
	}
	apiErr, _ := admin.AsError(err)
	wantDetail := "Rate limit exceeded for api/atlas/v2/groups/" + group + "/encryptionAtRest. Please retry after 60 seconds. Request capacity: 2. Refill rate: 1 per 60 seconds."
	if apiErr.GetDetail() != wantDetail {
		t.Errorf("429 detail %q, want %q", apiErr.GetDetail(), wantDetail)
	}
	if n := rt.count("GET /api/atlas/v2/groups/" + group + "/encryptionAtRest"); n != 3 {
		t.Errorf("the SDK sent %d requests for three calls: it retried a 429 (want no retry, as recorded)", n)
	}
	// Other sets and projects have buckets of their own.
	if _, _, err := client.ProjectsApi.GetGroup(ctx, group).Execute(); err != nil {
		t.Fatalf("another route: %v", err)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": 59})
	if _, _, err := ear.GetEncryptionAtRest(ctx, group).Execute(); !admin.IsErrorCode(err, "RATE_LIMITED_TOKEN_BUCKET") {
		t.Fatalf("59 s later: %v, want still 429", err)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": 1})
	if _, resp, err := ear.GetEncryptionAtRest(ctx, group).Execute(); err != nil || resp.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("after the refill: %v %v", resp, err)
	}
	// The rateLimits route lists the file's sets (this SDK predates it).
	listed := s.do("GET", "/api/atlas/v2/rateLimits", "application/vnd.atlas.2025-03-12+json", nil)
	if res, _ := listed.Body["results"].([]any); listed.Status != 200 || len(res) != 1 || !strings.Contains(listed.Raw, `"endpointSetId":"ear_group"`) || !strings.Contains(listed.Raw, `"capacity":{"value":2}`) {
		t.Fatalf("rateLimits: %d %s", listed.Status, listed.Raw)
	}
}

// An applied-but-lost create (chaos lose): the SDK sees 503; the endpoint
// exists; a retry meets 409 ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_ALREADY_EXISTS
// (EAR-PE-07), as in Atlas; a client that lists before it retries finds its
// endpoint. The journal and the trace name the injection.
func TestChaosLostCreateIsRetried(t *testing.T) {
	var trace strings.Builder
	s := newServer(t, atlasapi.Options{Seed: 1, Trace: &trace})
	s.enable(true)
	if a := s.control("PUT", "chaos", map[string]any{"rules": []any{map[string]any{
		"method": "POST", "path": "/api/atlas/v2/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints", "lose": 1, "status": 503,
	}}}); a.Status != 200 {
		t.Fatalf("PUT chaos: %d %s", a.Status, a.Raw)
	}
	client, _, ctx := sdk2025(t, s.http.URL, devSA)
	ear := client.EncryptionAtRestUsingCustomerKeyManagementApi
	region := "US_CENTRAL"
	_, resp, err := ear.CreateRestPrivateEndpoint(ctx, group, "AZURE", &admin.EARPrivateEndpoint{RegionName: &region}).Execute()
	if err == nil || resp.StatusCode != 503 {
		t.Fatalf("the lost create: %v %v, want 503", resp, err)
	}
	if a := s.control("PUT", "chaos", map[string]any{"rules": []any{}}); a.Status != 200 {
		t.Fatalf("chaos off: %d %s", a.Status, a.Raw)
	}
	_, resp, err = ear.CreateRestPrivateEndpoint(ctx, group, "AZURE", &admin.EARPrivateEndpoint{RegionName: &region}).Execute()
	if !admin.IsErrorCode(err, "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_ALREADY_EXISTS") || resp.StatusCode != 409 {
		t.Fatalf("the retried create: %v %v, want 409 (EAR-PE-07)", resp, err)
	}
	list, _, err := ear.ListRestPrivateEndpoints(ctx, group, "AZURE").Execute()
	if err != nil || list.GetTotalCount() != 1 || list.GetResults()[0].GetRegionName() != region {
		t.Fatalf("the world after the lost create and its retry: %+v %v, want the one endpoint", list, err)
	}
	effects := s.control("GET", "effects", nil)
	if !strings.Contains(effects.Raw, `"kind":"ChaosInjected"`) || !strings.Contains(effects.Raw, "lose 503") {
		t.Errorf("the journal does not name the injection: %s", effects.Raw)
	}
	var injected int
	for _, line := range strings.Split(strings.TrimSpace(trace.String()), "\n") {
		var e atlasapi.TraceEntry
		json.Unmarshal([]byte(line), &e)
		if e.Chaos != "" {
			injected++
			if e.Chaos != "lose 503" || e.Status != 503 || e.Method != "POST" {
				t.Errorf("trace entry %+v", e)
			}
		}
	}
	if injected != 1 {
		t.Errorf("%d traced injections, want 1", injected)
	}
}
