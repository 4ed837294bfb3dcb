//go:build !race

// The race run (make test) builds only what TestConcurrentClients needs:
// this file links the Azure SDK, which -race would compile again for
// nothing. It runs in the normal go test run.

package atlasapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
	"github.com/mongodb-forks/digest"
)

// tlsServer is a mock over HTTPS with a certificate from a local CA (as
// serve --tls), and a client that trusts that CA and nothing else.
func tlsServer(t *testing.T, opt atlasapi.Options) (*testServer, *http.Client) {
	t.Helper()
	if opt.Checker == nil {
		opt.Checker = policies.NewService(policies.MustDefault())
	}
	srv, err := atlasapi.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return startTLS(t, srv, srv, "")
}

// startTLS serves h over HTTPS with a certificate from a local CA of the
// test's own; the testServer talks to srv's world under prefix.
func startTLS(t *testing.T, h http.Handler, srv *atlasapi.Server, prefix string) (*testServer, *http.Client) {
	t.Helper()
	ca, err := atlasapi.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(h)
	hs.TLS = cfg
	hs.StartTLS()
	t.Cleanup(hs.Close)
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.CertPool()}}
	t.Cleanup(transport.CloseIdleConnections)
	return &testServer{t: t, srv: srv, http: hs, prefix: prefix,
			client: &http.Client{Transport: digest.NewTransportWithHTTPRoundTripper(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey, transport)}},
		&http.Client{Transport: transport}
}

// azureCloud points the Azure SDK's Entra ID and Resource Manager at the mock.
func azureCloud(base string) cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: base + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: base, Audience: "https://management.core.windows.net/"},
		},
	}
}

// The official Azure SDK for Go (azidentity's ClientSecretCredential with
// instance discovery off, armkeyvault's PrivateEndpointConnectionsClient)
// approves, rejects and removes an EAR private endpoint's connection over
// ARM, and Atlas shows what the model makes of it: the approval lag
// (EAR-PE-03, EAR-LAG-01), the recreation after a rejection or removal
// (EAR-PE-04), each step in the effects journal as the control routes'.
func TestAzureSDKApprovesOverARM(t *testing.T) {
	s, https := tlsServer(t, atlasapi.Options{Seed: 1})
	ctl := func(method, path string, body any) answer { return s.with(https, method, "/_sim/v1/"+path, "", body) }
	p := sim.Presets["example"]
	ctx := context.Background()

	// Atlas: customer keys with private networking, one endpoint waiting.
	s.enable(true)
	a := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"})
	if a.Status != 202 {
		t.Fatalf("create endpoint: %d %s", a.Status, a.Raw)
	}
	id := a.Body["id"].(string)
	ctl("POST", "clock/advance", map[string]any{"seconds": sim.ProvisioningSeconds})
	a = s.do("GET", endpoints+"/"+id, accept, nil)
	conn, _ := a.Body["privateEndpointConnectionName"].(string)
	if a.Body["status"] != sim.StatusPendingAcceptance || conn == "" {
		t.Fatalf("after provisioning: %s", a.Raw)
	}

	// Azure: the app registration of the configuration, through Entra ID.
	cfg := azureCloud(s.http.URL)
	cred, err := azidentity.NewClientSecretCredential(p.TenantID, p.ClientID, p.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: cfg, Transport: https}, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := &arm.ClientOptions{ClientOptions: policy.ClientOptions{Cloud: cfg, Transport: https}}
	pecs, err := armkeyvault.NewPrivateEndpointConnectionsClient(p.SubscriptionID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	vaults, err := armkeyvault.NewVaultsClient(p.SubscriptionID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}

	got, err := pecs.Get(ctx, p.ResourceGroupName, p.KeyVaultName, conn, nil)
	if err != nil {
		t.Fatalf("get connection: %v", err)
	}
	wantID := "/subscriptions/" + p.SubscriptionID + "/resourceGroups/" + p.ResourceGroupName + "/providers/Microsoft.KeyVault/vaults/" + p.KeyVaultName + "/privateEndpointConnections/" + conn
	if *got.ID != wantID || *got.Name != conn || *got.Type != "Microsoft.KeyVault/vaults/privateEndpointConnections" ||
		*got.Properties.PrivateLinkServiceConnectionState.Status != armkeyvault.PrivateEndpointServiceConnectionStatusPending ||
		*got.Properties.ProvisioningState != armkeyvault.PrivateEndpointConnectionProvisioningStateSucceeded {
		t.Fatalf("pending connection reads %+v %+v", got.PrivateEndpointConnection, got.Properties.PrivateLinkServiceConnectionState)
	}

	// Approve through ARM's PUT: the model's ApproveConnection, and the lag.
	before := len(effects(t, s, https))
	status, why := armkeyvault.PrivateEndpointServiceConnectionStatusApproved, "Approved by the SDK test"
	put, err := pecs.Put(ctx, p.ResourceGroupName, p.KeyVaultName, conn, armkeyvault.PrivateEndpointConnection{
		Properties: &armkeyvault.PrivateEndpointConnectionProperties{PrivateLinkServiceConnectionState: &armkeyvault.PrivateLinkServiceConnectionState{Status: &status, Description: &why}}}, nil)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if st := put.Properties.PrivateLinkServiceConnectionState; *st.Status != status || *st.Description != why {
		t.Fatalf("approve answered %+v", st)
	}
	journal := effects(t, s, https)[before:]
	if !hasEffect(journal, sim.ApproveConnection, "EndpointApproved", id) {
		t.Fatalf("the approval is not the model's ApproveConnection step: %v", journal)
	}
	if a := s.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != sim.StatusPendingAcceptance {
		t.Fatalf("Atlas shows the approval before its lag: %s", a.Raw)
	}
	// The console (the portal's networking blade) shows it approved.
	console := ctl("GET", "console/world", nil)
	if !strings.Contains(console.Raw, `"name":"`+conn+`","state":"APPROVED"`) {
		t.Fatalf("the console does not show the approval: %s", console.Raw)
	}
	ctl("POST", "clock/advance", map[string]any{"seconds": sim.MaxApprovalLag})
	if a := s.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != sim.StatusActive {
		t.Fatalf("after the lag Atlas shows %s", a.Raw)
	}
	got, err = pecs.Get(ctx, p.ResourceGroupName, p.KeyVaultName, strings.ToUpper(conn), nil) // names match case-insensitively
	if err != nil || *got.Properties.PrivateLinkServiceConnectionState.Status != status || *got.Properties.PrivateLinkServiceConnectionState.Description != why {
		t.Fatalf("approved connection reads %+v %v", got.Properties, err)
	}
	v, err := vaults.Get(ctx, p.ResourceGroupName, strings.ToLower(p.KeyVaultName), nil)
	if err != nil {
		t.Fatalf("get vault: %v", err)
	}
	if items := v.Properties.PrivateEndpointConnections; len(items) != 1 || *items[0].ID != wantID ||
		*items[0].Properties.PrivateLinkServiceConnectionState.Status != status || *v.Properties.TenantID != p.TenantID {
		t.Fatalf("the vault shows %+v", v.Properties)
	}

	// Reject through ARM's PUT: Atlas recreates the endpoint (EAR-PE-04).
	rejected := armkeyvault.PrivateEndpointServiceConnectionStatusRejected
	if _, err := pecs.Put(ctx, p.ResourceGroupName, p.KeyVaultName, conn, armkeyvault.PrivateEndpointConnection{
		Properties: &armkeyvault.PrivateEndpointConnectionProperties{PrivateLinkServiceConnectionState: &armkeyvault.PrivateLinkServiceConnectionState{Status: &rejected}}}, nil); err != nil {
		t.Fatalf("reject: %v", err)
	}
	if a := s.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != sim.StatusPendingRecreation {
		t.Fatalf("after the rejection Atlas shows %s", a.Raw)
	}
	// Approving a rejected connection is refused, in ARM's shape, and changes nothing.
	world := ctl("GET", "state", nil).Raw
	_, err = pecs.Put(ctx, p.ResourceGroupName, p.KeyVaultName, conn, armkeyvault.PrivateEndpointConnection{
		Properties: &armkeyvault.PrivateEndpointConnectionProperties{PrivateLinkServiceConnectionState: &armkeyvault.PrivateLinkServiceConnectionState{Status: &status}}}, nil)
	if code := armCode(err); code != "PrivateEndpointConnectionStatusChangeNotAllowed" {
		t.Fatalf("approving a rejected connection: %v", err)
	}
	if ctl("GET", "state", nil).Raw != world {
		t.Fatal("a refused PUT changed the world")
	}
	ctl("POST", "clock/advance", map[string]any{"seconds": sim.ProvisioningSeconds})
	list := s.do("GET", endpoints, accept, nil)
	results, _ := list.Body["results"].([]any)
	if len(results) != 1 {
		t.Fatalf("after the replacement Atlas lists %s", list.Raw)
	}
	next := results[0].(map[string]any)
	nextConn, _ := next["privateEndpointConnectionName"].(string)
	if next["status"] != sim.StatusPendingAcceptance || nextConn == "" || nextConn == conn {
		t.Fatalf("the replacement endpoint: %s", list.Raw)
	}
	if _, err := pecs.Get(ctx, p.ResourceGroupName, p.KeyVaultName, conn, nil); armCode(err) != "PrivateEndpointConnectionNotFound" {
		t.Fatalf("the replaced endpoint's connection: %v", err)
	}

	// Delete through ARM: the model's RemoveConnection, the connection is gone.
	before = len(effects(t, s, https))
	poller, err := pecs.BeginDelete(ctx, p.ResourceGroupName, p.KeyVaultName, nextConn, nil)
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := poller.PollUntilDone(ctx, nil); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if !hasEffect(effects(t, s, https)[before:], sim.RemoveConnection, "EndpointRecreating", next["id"].(string)) {
		t.Fatal("the deletion is not the model's RemoveConnection step")
	}
	if a := s.do("GET", endpoints+"/"+next["id"].(string), accept, nil); a.Body["status"] != sim.StatusPendingRecreation {
		t.Fatalf("after the removal Atlas shows %s", a.Raw)
	}
	if _, err := pecs.Get(ctx, p.ResourceGroupName, p.KeyVaultName, nextConn, nil); armCode(err) != "PrivateEndpointConnectionNotFound" {
		t.Fatalf("a removed connection: %v", err)
	}

	// A wrong secret is Entra's AADSTS7000215, through the SDK.
	bad, err := azidentity.NewClientSecretCredential(p.TenantID, p.ClientID, "not-the-secret", &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: cfg, Transport: https}, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	badClient, err := armkeyvault.NewPrivateEndpointConnectionsClient(p.SubscriptionID, bad, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = badClient.Get(ctx, p.ResourceGroupName, p.KeyVaultName, nextConn, nil)
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "AADSTS7000215") || strings.Contains(err.Error(), "not-the-secret") {
		t.Fatalf("a wrong secret: %v", err)
	}
}

func armCode(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// effects is the effects journal so far.
func effects(t *testing.T, s *testServer, c *http.Client) []any {
	t.Helper()
	a := s.with(c, "GET", "/_sim/v1/effects", "", nil)
	entries, _ := a.Body["entries"].([]any)
	return entries
}

// hasEffect tells whether the journal holds an effect of a kind on an
// endpoint, emitted by op.
func hasEffect(journal []any, op sim.Op, kind, endpoint string) bool {
	for _, x := range journal {
		e, _ := x.(map[string]any)
		eff, _ := e["effect"].(map[string]any)
		if e["op"] != string(op) || eff == nil {
			continue
		}
		if eff["kind"] == kind && strings.Contains(jsonText(eff), endpoint) {
			return true
		}
	}
	return false
}

// azapi_update_resource's way, with the SDK's generic ARM client (what azapi
// builds on): GET the connection in the type's own casing, merge the
// change into what was read, PUT it whole, let runtime.NewPoller decide how
// to wait (no Azure-AsyncOperation: the body poller finishes on
// provisioningState Succeeded), and read it back.
func TestAzapiStyleApproval(t *testing.T) {
	s, https := tlsServer(t, atlasapi.Options{Seed: 1})
	s.enable(true)
	a := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_EAST_2"})
	id, _ := a.Body["id"].(string)
	s.with(https, "POST", "/_sim/v1/clock/advance", "", map[string]any{"seconds": sim.ProvisioningSeconds})
	conn, _ := s.do("GET", endpoints+"/"+id, accept, nil).Body["privateEndpointConnectionName"].(string)
	if conn == "" {
		t.Fatal("no connection name")
	}
	p := sim.Presets["example"]
	cfg := azureCloud(s.http.URL)
	cred, err := azidentity.NewClientSecretCredential(p.TenantID, p.ClientID, p.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: cfg, Transport: https}, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	client, err := arm.NewClient("earsim-azapi-test", "v0.0.0", cred, &arm.ClientOptions{ClientOptions: policy.ClientOptions{Cloud: cfg, Transport: https}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	url := runtime.JoinPaths(client.Endpoint(), "/subscriptions/"+p.SubscriptionID+"/resourceGroups/"+p.ResourceGroupName+
		"/providers/Microsoft.KeyVault/Vaults/"+p.KeyVaultName+"/PrivateEndpointConnections/"+conn) + "?api-version=2023-07-01"
	get := func() map[string]any {
		t.Helper()
		req, err := runtime.NewRequest(ctx, http.MethodGet, url)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Pipeline().Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET: %v %v", resp, err)
		}
		var out map[string]any
		if err := runtime.UnmarshalAsJSON(resp, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	existing := get()
	existing["properties"].(map[string]any)["privateLinkServiceConnectionState"] = map[string]any{"status": "Approved", "description": "Approved via Terraform"}
	req, err := runtime.NewRequest(ctx, http.MethodPut, url)
	if err != nil {
		t.Fatal(err)
	}
	if err := runtime.MarshalAsJSON(req, existing); err != nil {
		t.Fatal(err)
	}
	resp, err := client.Pipeline().Do(req)
	if err != nil || !runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated, http.StatusAccepted) {
		t.Fatalf("PUT: %v %v", resp, err)
	}
	poller, err := runtime.NewPoller[map[string]any](resp, client.Pipeline(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: time.Second}); err != nil {
		t.Fatalf("poll: %v", err)
	}
	state := get()["properties"].(map[string]any)["privateLinkServiceConnectionState"].(map[string]any)
	if state["status"] != "Approved" || state["description"] != "Approved via Terraform" {
		t.Fatalf("read back: %v", state)
	}
	s.with(https, "POST", "/_sim/v1/clock/advance", "", map[string]any{"seconds": sim.MaxApprovalLag})
	if a := s.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != sim.StatusActive {
		t.Fatalf("Atlas after the lag: %s", a.Raw)
	}
}

// tlsHub is a Hub of worlds over HTTPS (as serve --tls), the testServer in
// world, and a client that trusts the local CA.
func tlsHub(t *testing.T, opt atlasapi.HubOptions, world string) (*testServer, *http.Client) {
	t.Helper()
	if opt.Checker == nil {
		opt.Checker = policies.NewService(policies.MustDefault())
	}
	hub, err := atlasapi.NewHub(opt)
	if err != nil {
		t.Fatal(err)
	}
	return startTLS(t, hub, hub.Default(), "/w/"+world)
}

// The Azure SDK in a world (API.md "Worlds"): MSAL takes the authority's
// first path segment for the tenant, so with a world's prefix in its
// authority it asks the root's Entra ID for the token (the prefix dropped);
// Entra ID tokens of a Hub act in every world that holds the app, so the
// approval goes through in the world, and only there.
func TestAzureSDKInAWorld(t *testing.T) {
	var trace bytes.Buffer
	s, https := tlsHub(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1, Trace: &trace}}, "az")
	p := sim.Presets["example"]
	discovery := s.with(https, "GET", "/"+p.TenantID+"/v2.0/.well-known/openid-configuration", "", nil)
	if want := s.url("/" + p.TenantID + "/oauth2/v2.0/token"); discovery.Body["token_endpoint"] != want {
		t.Fatalf("the world's discovery document names the token route %v, want %s", discovery.Body["token_endpoint"], want)
	}

	s.enable(true)
	a := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"})
	id, _ := a.Body["id"].(string)
	s.with(https, "POST", "/_sim/v1/clock/advance", "", map[string]any{"seconds": sim.ProvisioningSeconds})
	conn, _ := s.do("GET", endpoints+"/"+id, accept, nil).Body["privateEndpointConnectionName"].(string)
	if conn == "" {
		t.Fatalf("no pending connection in world az: %s", a.Raw)
	}
	cfg := azureCloud(s.url(""))
	cred, err := azidentity.NewClientSecretCredential(p.TenantID, p.ClientID, p.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: cfg, Transport: https}, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	pecs, err := armkeyvault.NewPrivateEndpointConnectionsClient(p.SubscriptionID, cred, &arm.ClientOptions{ClientOptions: policy.ClientOptions{Cloud: cfg, Transport: https}})
	if err != nil {
		t.Fatal(err)
	}
	status := armkeyvault.PrivateEndpointServiceConnectionStatusApproved
	_, err = pecs.Put(context.Background(), p.ResourceGroupName, p.KeyVaultName, conn, armkeyvault.PrivateEndpointConnection{
		Properties: &armkeyvault.PrivateEndpointConnectionProperties{PrivateLinkServiceConnectionState: &armkeyvault.PrivateLinkServiceConnectionState{Status: &status}}}, nil)
	if err != nil {
		t.Fatalf("the SDK's approval in world az: %v", err)
	}
	tokenIn := ""
	sc := bufio.NewScanner(&trace)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e atlasapi.TraceEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && strings.HasSuffix(e.Path, "/oauth2/v2.0/token") {
			tokenIn = "default"
			if e.World != "" {
				tokenIn = e.World
			}
		}
	}
	if tokenIn != "default" {
		t.Fatalf("the SDK asked world %q for its token, want the default world's route (the prefix dropped)", tokenIn)
	}
	s.with(https, "POST", "/_sim/v1/clock/advance", "", map[string]any{"seconds": sim.MaxApprovalLag})
	if a := s.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != sim.StatusActive {
		t.Fatalf("world az's endpoint after the SDK's approval and the lag: %s", a.Raw)
	}
	if list := s.do("GET", endpoints, accept, nil); !strings.Contains(list.Raw, `"href":"https://`+strings.TrimPrefix(s.url(endpoints), "https://")+`"`) {
		t.Errorf("a list's self link over TLS, in a world: %s", list.Raw)
	}
	if a := s.in(atlasapi.DefaultWorld).with(https, "GET", "/_sim/v1/state", "", nil); a.Status != 200 || strings.Contains(a.Raw, id) {
		t.Fatalf("the default world holds world az's endpoint: %d %.300s", a.Status, a.Raw)
	}
}
