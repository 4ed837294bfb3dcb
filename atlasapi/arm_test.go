package atlasapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

// azure sends a request to the Azure side with the given headers and body.
func (s *testServer) azure(method, path string, header map[string]string, body string) answer {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url(path), strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return s.roundTrip(http.DefaultClient, req)
}

// armCode is the code of an ARM error answer.
func (a answer) armCode() string {
	e, _ := a.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// tokenFor asks Entra ID for an access token with client credentials.
func (s *testServer) tokenFor(tenant, client, secret, scope string) answer {
	s.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "scope": {scope}}
	return s.azure("POST", "/"+tenant+"/oauth2/v2.0/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
}

// armToken is a token of the "example" preset's app for ARM.
func (s *testServer) armToken(preset string) string {
	s.t.Helper()
	p := sim.Presets[preset]
	a := s.tokenFor(p.TenantID, p.ClientID, p.Secret, "https://management.azure.com/.default")
	tok, _ := a.Body["access_token"].(string)
	if a.Status != 200 || tok == "" {
		s.t.Fatalf("token: %d %s", a.Status, a.Raw)
	}
	return tok
}

func vaultPath(p sim.Preset) string {
	return "/subscriptions/" + p.SubscriptionID + "/resourceGroups/" + p.ResourceGroupName + "/providers/Microsoft.KeyVault/vaults/" + p.KeyVaultName
}

// pendingConnection enables private networking and brings one endpoint to
// PENDING_ACCEPTANCE; it returns the endpoint id and its connection name.
func (s *testServer) pendingConnection() (string, string) {
	s.t.Helper()
	s.enable(true)
	id := s.endpoint("US_CENTRAL", sim.StatusPendingAcceptance)
	a := s.do("GET", endpoints+"/"+id, accept, nil)
	name, _ := a.Body["privateEndpointConnectionName"].(string)
	if name == "" {
		s.t.Fatalf("no connection name: %s", a.Raw)
	}
	return id, name
}

// Entra ID answers the client-credentials grant for the world's apps and
// refuses in its own shape (AADSTS codes), with nothing of the secret in
// the answer.
func TestEntraTokenRoute(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	p := sim.Presets["example"]
	ok := s.tokenFor(p.TenantID, p.ClientID, p.Secret, "https://management.core.windows.net//.default openid profile offline_access")
	if ok.Status != 200 || ok.Body["token_type"] != "Bearer" || ok.Body["expires_in"] != float64(3599) || ok.Body["ext_expires_in"] != float64(3599) || ok.Body["access_token"] == "" {
		t.Fatalf("token: %d %s", ok.Status, ok.Raw)
	}
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		reason                       string
		method, tenant, ct, body     string
		status                       int
		oauthError, aadsts, mentions string
	}{
		{"a wrong secret", "POST", p.TenantID, form, url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {"wrong-secret"}, "scope": {"https://management.azure.com/.default"}}.Encode(), 401, "invalid_client", "AADSTS7000215", p.ClientID},
		{"an app of another tenant", "POST", sim.Presets["test-tf-export"].TenantID, form, url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {p.Secret}, "scope": {"https://management.azure.com/.default"}}.Encode(), 400, "unauthorized_client", "AADSTS700016", p.ClientID},
		{"an unknown client", "POST", p.TenantID, form, url.Values{"grant_type": {"client_credentials"}, "client_id": {"00000000-0000-0000-0000-000000000001"}, "client_secret": {p.Secret}, "scope": {"https://management.azure.com/.default"}}.Encode(), 400, "unauthorized_client", "AADSTS700016", "00000000-0000-0000-0000-000000000001"},
		{"an unknown tenant", "POST", "00000000-0000-0000-0000-00000000000a", form, url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {p.Secret}, "scope": {"https://management.azure.com/.default"}}.Encode(), 400, "invalid_request", "AADSTS90002", "00000000-0000-0000-0000-00000000000a"},
		{"no secret", "POST", p.TenantID, form, url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "scope": {"https://management.azure.com/.default"}}.Encode(), 401, "invalid_client", "AADSTS7000218", "client_secret"},
		{"no grant_type", "POST", p.TenantID, form, url.Values{"client_id": {p.ClientID}}.Encode(), 400, "invalid_request", "AADSTS900144", "grant_type"},
		{"another grant", "POST", p.TenantID, form, url.Values{"grant_type": {"password"}, "client_id": {p.ClientID}}.Encode(), 400, "unsupported_grant_type", "AADSTS70003", "password"},
		{"a scope without /.default", "POST", p.TenantID, form, url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {p.Secret}, "scope": {"https://management.azure.com/user_impersonation"}}.Encode(), 400, "invalid_scope", "AADSTS1002012", "user_impersonation"},
		{"a resource other than ARM", "POST", p.TenantID, form, url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {p.Secret}, "scope": {"https://vault.azure.net/.default"}}.Encode(), 400, "invalid_resource", "AADSTS500011", "https://vault.azure.net"},
		{"a JSON body", "POST", p.TenantID, "application/json", `{"grant_type":"client_credentials"}`, 400, "invalid_request", "AADSTS900144", "grant_type"},
		{"a GET", "GET", p.TenantID, "", "", 400, "invalid_request", "AADSTS900561", "GET"},
	}
	for _, c := range cases {
		h := map[string]string{}
		if c.ct != "" {
			h["Content-Type"] = c.ct
		}
		a := s.azure(c.method, "/"+c.tenant+"/oauth2/v2.0/token", h, c.body)
		desc, _ := a.Body["error_description"].(string)
		codes, _ := a.Body["error_codes"].([]any)
		if a.Status != c.status || a.Body["error"] != c.oauthError || !strings.HasPrefix(desc, c.aadsts+": ") || len(codes) != 1 ||
			"AADSTS"+jsonText(codes[0]) != c.aadsts || !strings.Contains(desc, c.mentions) || a.Body["trace_id"] == "" || a.Body["correlation_id"] == "" {
			t.Errorf("%s: %d %s", c.reason, a.Status, a.Raw)
		}
		if strings.Contains(a.Raw, p.Secret) || strings.Contains(a.Raw, "wrong-secret") {
			t.Errorf("%s: the answer holds the secret: %s", c.reason, a.Raw)
		}
	}

	// The discovery document MSAL reads first names the token route on
	// this server, and an issuer of the same host (MSAL checks it).
	d := s.azure("GET", "/"+p.TenantID+"/v2.0/.well-known/openid-configuration", nil, "")
	if d.Status != 200 || d.Body["token_endpoint"] != s.http.URL+"/"+p.TenantID+"/oauth2/v2.0/token" || d.Body["issuer"] != s.http.URL+"/"+p.TenantID+"/v2.0" || d.Body["authorization_endpoint"] == nil {
		t.Fatalf("discovery: %d %s", d.Status, d.Raw)
	}
	if u := s.azure("GET", "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration", nil, ""); u.Status != 400 || u.Body["error"] != "invalid_tenant" {
		t.Fatalf("discovery of an unknown tenant: %d %s", u.Status, u.Raw)
	}
}

// Entra's paths start with a tenant: none of them is taken for Atlas's
// (/api/...), the control routes' or the console's, nor the other way round.
func TestEntraPathsDoNotClash(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	for _, c := range []struct {
		reason, method, path string
		entra                bool
	}{
		{"Atlas's own OAuth route", "POST", "/api/oauth/token", false},
		{"an Atlas route", "GET", "/api/atlas/v2/groups", false},
		{"a control route", "GET", "/_sim/v1/clock", false},
		{"the console", "GET", "/console/v2.0/x", false},
		{"a tenant's token route", "POST", "/" + sim.Presets["example"].TenantID + "/oauth2/v2.0/token", true},
		{"a tenant named by its domain", "GET", "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration", true},
	} {
		a := s.azure(c.method, c.path, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "")
		_, isEntra := a.Body["error_codes"]
		if c.entra && a.Status == 200 {
			isEntra = true
		}
		if isEntra != c.entra {
			t.Errorf("%s: %s %s answered %d %s", c.reason, c.method, c.path, a.Status, a.Raw)
		}
	}
}

// ARM refuses in its own shapes, in its order (authentication, api-version,
// subscription, tenant, access, resource group, vault, connection), and a
// refusal changes nothing.
func TestARMRefusals(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	_, conn := s.pendingConnection()
	p := sim.Presets["example"]
	other := sim.Presets["test-tf-export"]
	tok := s.armToken("example")
	otherTok := s.armToken("test-tf-export")
	bearer := map[string]string{"Authorization": "Bearer " + tok}
	connPath := vaultPath(p) + "/privateEndpointConnections/" + conn
	v := "?api-version=2023-07-01"
	approve := `{"properties":{"privateLinkServiceConnectionState":{"status":"Approved"}}}`
	cases := []struct {
		reason, method, path string
		header               map[string]string
		body                 string
		status               int
		code                 string
	}{
		{"no token", "GET", connPath + v, nil, "", 401, "AuthenticationFailed"},
		{"not a bearer token", "GET", connPath + v, map[string]string{"Authorization": "Basic YTpi"}, "", 401, "AuthenticationFailedInvalidHeader"},
		{"a token not issued here", "GET", connPath + v, map[string]string{"Authorization": "Bearer " + tok[:len(tok)-4] + "AAAA"}, "", 401, "InvalidAuthenticationToken"},
		{"an Atlas digest on ARM", "PUT", connPath + v, map[string]string{"Authorization": `Digest username="earsimdv"`}, approve, 401, "AuthenticationFailedInvalidHeader"},
		{"no api-version", "GET", connPath, bearer, "", 400, "MissingApiVersionParameter"},
		{"an api-version ARM does not know for the type", "GET", connPath + "?api-version=2017-01-01", bearer, "", 400, "NoRegisteredProviderFound"},
		{"an api-version before vaults had connections", "GET", vaultPath(p) + "/privateEndpointConnections/" + conn + "?api-version=2016-10-01", bearer, "", 400, "NoRegisteredProviderFound"},
		{"a providers api-version ARM does not know", "GET", "/subscriptions/" + p.SubscriptionID + "/providers/Microsoft.Network?api-version=2010-01-01", bearer, "", 400, "InvalidApiVersionParameter"},
		{"an unknown subscription", "GET", "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/x/providers/Microsoft.KeyVault/vaults/y" + v, bearer, "", 404, "SubscriptionNotFound"},
		{"a token of another tenant", "GET", connPath + v, map[string]string{"Authorization": "Bearer " + otherTok}, "", 401, "InvalidAuthenticationTokenTenant"},
		{"a resource group the app has no role in", "GET", "/subscriptions/" + p.SubscriptionID + "/resourceGroups/" + other.ResourceGroupName + "/providers/Microsoft.KeyVault/vaults/" + other.KeyVaultName + v, bearer, "", 403, "AuthorizationFailed"},
		{"an unknown vault", "GET", "/subscriptions/" + p.SubscriptionID + "/resourceGroups/" + p.ResourceGroupName + "/providers/Microsoft.KeyVault/vaults/NoSuchVault" + v, bearer, "", 404, "ResourceNotFound"},
		{"an unknown connection", "GET", vaultPath(p) + "/privateEndpointConnections/nope" + v, bearer, "", 404, "PrivateEndpointConnectionNotFound"},
		{"a PUT to an unknown connection", "PUT", vaultPath(p) + "/privateEndpointConnections/nope" + v, bearer, approve, 404, "PrivateEndpointConnectionNotFound"},
		{"a PUT that is not JSON", "PUT", connPath + v, bearer, `{"properties":`, 400, "InvalidRequestContent"},
		{"a PUT sent as a form", "PUT", connPath + v, map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/x-www-form-urlencoded"}, approve, 415, "UnsupportedMediaType"},
		{"a PUT without a status", "PUT", connPath + v, bearer, `{"properties":{}}`, 400, "InvalidRequestContent"},
		{"a status outside the enum", "PUT", connPath + v, bearer, `{"properties":{"privateLinkServiceConnectionState":{"status":"Accepted"}}}`, 400, "InvalidRequestContent"},
		{"a Pending connection set Disconnected", "PUT", connPath + v, bearer, `{"properties":{"privateLinkServiceConnectionState":{"status":"Disconnected"}}}`, 400, "PrivateEndpointConnectionStatusChangeNotAllowed"},
		{"a method ARM does not answer here", "PATCH", connPath + v, bearer, approve, 405, "HttpMethodNotAllowed"},
		{"a type earsim does not model", "GET", "/subscriptions/" + p.SubscriptionID + "/resourceGroups/" + p.ResourceGroupName + "/providers/Microsoft.Network/privateEndpoints/x" + v, bearer, "", 404, "InvalidResourceType"},
		{"a namespace other than Microsoft.Network", "POST", "/subscriptions/" + p.SubscriptionID + "/providers/Microsoft.Compute/register?api-version=2021-04-01", bearer, "", 404, "InvalidResourceNamespace"},
	}
	before := s.state()
	for _, c := range cases {
		h := map[string]string{"Content-Type": "application/json"}
		for k, val := range c.header {
			h[k] = val
		}
		a := s.azure(c.method, c.path, h, c.body)
		msg, _ := a.Body["error"].(map[string]any)["message"].(string)
		if a.Status != c.status || a.armCode() != c.code || msg == "" {
			t.Errorf("%s: %d %s", c.reason, a.Status, a.Raw)
		}
		if a.Status == 401 && !strings.HasPrefix(a.Header.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s: a 401 without a Bearer challenge", c.reason)
		}
	}
	if s.state() != before {
		t.Fatal("a refused ARM request changed the world")
	}

	// A token expires in logical time (3599 s).
	s.control("POST", "clock/advance", map[string]any{"seconds": 3599})
	if a := s.azure("GET", connPath+v, bearer, ""); a.Status != 401 || a.armCode() != "ExpiredAuthenticationToken" {
		t.Fatalf("an expired token: %d %s", a.Status, a.Raw)
	}
	if a := s.azure("GET", connPath+v, map[string]string{"Authorization": "Bearer " + s.armToken("example")}, ""); a.Status != 200 {
		t.Fatalf("a fresh token: %d %s", a.Status, a.Raw)
	}
}

// ARM matches paths case-insensitively (azapi sends the type's own casing,
// .../vaults/{vault}/PrivateEndpointConnections/...), and a PUT as azapi
// sends it (the connection it read, read-only members included, with its
// change merged in) approves; the description round-trips so a second plan
// is clean; the approval is the model's, with its lag.
func TestARMApprovalAsAzapiSendsIt(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	id, conn := s.pendingConnection()
	p := sim.Presets["example"]
	bearer := map[string]string{"Authorization": "Bearer " + s.armToken("example"), "Content-Type": "application/json"}
	path := "/SUBSCRIPTIONS/" + strings.ToUpper(p.SubscriptionID) + "/resourcegroups/" + strings.ToUpper(p.ResourceGroupName) +
		"/providers/microsoft.keyvault/Vaults/" + strings.ToLower(p.KeyVaultName) + "/PrivateEndpointConnections/" + conn + "?api-version=2023-07-01"
	read := s.azure("GET", path, bearer, "")
	if read.Status != 200 {
		t.Fatalf("read: %d %s", read.Status, read.Raw)
	}
	props := read.Body["properties"].(map[string]any)
	state := props["privateLinkServiceConnectionState"].(map[string]any)
	if state["status"] != "Pending" || props["provisioningState"] != "Succeeded" || read.Body["type"] != "Microsoft.KeyVault/vaults/privateEndpointConnections" {
		t.Fatalf("read: %s", read.Raw)
	}
	state["status"], state["description"] = "Approved", "Approved via Terraform"
	body, _ := json.Marshal(read.Body)
	put := s.azure("PUT", path, bearer, string(body))
	if put.Status != 200 || put.Header.Get("Azure-AsyncOperation") != "" {
		t.Fatalf("put: %d %v %s", put.Status, put.Header, put.Raw)
	}
	again := s.azure("GET", path, bearer, "")
	st := again.Body["properties"].(map[string]any)["privateLinkServiceConnectionState"].(map[string]any)
	if st["status"] != "Approved" || st["description"] != "Approved via Terraform" || again.Body["etag"] == read.Body["etag"] {
		t.Fatalf("read after the approval: %s", again.Raw)
	}
	// The same PUT again changes nothing (Approved stays Approved).
	world := s.state()
	if a := s.azure("PUT", path, bearer, string(body)); a.Status != 200 || s.state() != world {
		t.Fatalf("a repeated approval: %d %s", a.Status, a.Raw)
	}
	if a := s.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != sim.StatusPendingAcceptance {
		t.Fatalf("Atlas before the lag: %s", a.Raw)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.MaxApprovalLag})
	if a := s.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != sim.StatusActive {
		t.Fatalf("Atlas after the lag: %s", a.Raw)
	}

	// While Atlas deletes the endpoint, its connection reads Disconnected;
	// a DELETE then takes it away, and a second DELETE is a 204.
	if a := s.do("DELETE", endpoints+"/"+id, accept, nil); a.Status != 204 {
		t.Fatalf("delete endpoint: %d %s", a.Status, a.Raw)
	}
	if a := s.azure("GET", path, bearer, ""); a.Status != 200 || !strings.Contains(a.Raw, `"status":"Disconnected"`) {
		t.Fatalf("a deleting endpoint's connection: %d %s", a.Status, a.Raw)
	}
	if a := s.azure("DELETE", path, bearer, ""); a.Status != 200 {
		t.Fatalf("delete a disconnected connection: %d %s", a.Status, a.Raw)
	}
	if a := s.azure("GET", path, bearer, ""); a.Status != 404 {
		t.Fatalf("a deleted connection: %d %s", a.Status, a.Raw)
	}
	if a := s.azure("DELETE", path, bearer, ""); a.Status != 204 {
		t.Fatalf("a second delete: %d %s", a.Status, a.Raw)
	}
}

// Microsoft.Network's registration over ARM is the model's
// RegisterNetwork / UnregisterNetwork (EAR-NET-01).
func TestARMNetworkRegistration(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	p := sim.Presets["example"]
	bearer := map[string]string{"Authorization": "Bearer " + s.armToken("example")}
	base := "/subscriptions/" + p.SubscriptionID + "/providers/Microsoft.Network"
	for _, c := range []struct {
		method, path, want string
	}{
		{"GET", base + "?api-version=2021-04-01", "Registered"},
		{"POST", base + "/unregister?api-version=2021-04-01", "NotRegistered"},
		{"GET", strings.ToLower(base) + "?api-version=2025-04-01", "NotRegistered"},
		{"POST", base + "/REGISTER?api-version=2021-04-01", "Registered"},
	} {
		a := s.azure(c.method, c.path, bearer, "")
		if a.Status != 200 || a.Body["registrationState"] != c.want || a.Body["namespace"] != "Microsoft.Network" {
			t.Fatalf("%s %s: %d %s", c.method, c.path, a.Status, a.Raw)
		}
	}
	world := s.control("GET", "state", nil)
	if !strings.Contains(world.Raw, `"networkRegistered":true`) {
		t.Fatalf("the world after registering again: %s", world.Raw)
	}
	var ops []string
	for _, e := range s.control("GET", "effects", nil).Body["entries"].([]any) {
		ops = append(ops, e.(map[string]any)["op"].(string))
	}
	if j := strings.Join(ops, ","); !strings.Contains(j, string(sim.UnregisterNetwork)) || !strings.Contains(j, string(sim.RegisterNetwork)) {
		t.Fatalf("the journal: %v", ops)
	}
}

// The trace never holds a client secret sent in a form, nor an access
// token answered (nor the Authorization header: headers are not traced).
func TestTraceRedactsEntraSecretsAndTokens(t *testing.T) {
	var trace bytes.Buffer
	s := newServer(t, atlasapi.Options{Seed: 1, Trace: &trace})
	p := sim.Presets["example"]
	tok := s.armToken("example")
	s.azure("GET", vaultPath(p)+"?api-version=2023-07-01", map[string]string{"Authorization": "Bearer " + tok}, "")
	out := trace.String()
	if strings.Contains(out, p.Secret) || strings.Contains(out, tok) || strings.Contains(out, tok[strings.LastIndex(tok, ".")+1:]) {
		t.Fatalf("the trace holds a secret or a token:\n%s", out)
	}
	if !strings.Contains(out, "client_secret=%28redacted%29") || !strings.Contains(out, `"access_token":"(redacted)"`) || !strings.Contains(out, "EXAMPLEKeyVault") {
		t.Fatalf("the trace does not show the conversation:\n%s", out)
	}
}

func jsonText(v any) string {
	b, _ := jsonMarshal(v)
	return string(b)
}

// expires_in is Entra's 3599 at every time scale; the token lives 3599
// logical seconds at scale 0 or 1 and 3599 real ones faster, so that a
// client renewing by its own clock, a margin before expiry, neither renews
// at every request nor holds an expired token.
func TestEntraTokenLifetimeFollowsTheTimeScale(t *testing.T) {
	for _, c := range []struct {
		scale float64
		want  float64
	}{{0, 3599}, {1, 3599}, {60, 3599}} {
		s := newServer(t, atlasapi.Options{Seed: 1, TimeScale: c.scale})
		p := sim.Presets["example"]
		a := s.tokenFor(p.TenantID, p.ClientID, p.Secret, "https://management.azure.com/.default")
		if a.Status != 200 || a.Body["expires_in"] != c.want {
			t.Errorf("time scale %g: %d %s", c.scale, a.Status, a.Raw)
		}
	}
}

// ARM requests, token requests and Atlas requests at once: one order on the
// world, and every ARM read sees a status the connection had.
func TestARMConcurrentWithAtlas(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	_, conn := s.pendingConnection()
	p := sim.Presets["example"]
	path := vaultPath(p) + "/privateEndpointConnections/" + conn + "?api-version=2024-11-01"
	bearer := map[string]string{"Authorization": "Bearer " + s.armToken("example"), "Content-Type": "application/json"}
	done := make(chan string, 24)
	for i := 0; i < 8; i++ {
		go func() {
			a := s.azure("GET", path, bearer, "")
			done <- jsonText(a.Body["properties"])
		}()
		go func() {
			a := s.tokenFor(p.TenantID, p.ClientID, p.Secret, "https://management.azure.com/.default")
			done <- jsonText(a.Status)
		}()
		go func() {
			a := s.azure("PUT", path, bearer, `{"properties":{"privateLinkServiceConnectionState":{"status":"Approved"}}}`)
			done <- jsonText(a.Status)
		}()
	}
	for i := 0; i < 24; i++ {
		got := <-done
		if got != "200" && !strings.Contains(got, `"status":"Pending"`) && !strings.Contains(got, `"status":"Approved"`) {
			t.Errorf("a concurrent request answered %s", got)
		}
	}
	approvals := 0
	for _, e := range s.control("GET", "effects", nil).Body["entries"].([]any) {
		if eff, _ := e.(map[string]any)["effect"].(map[string]any); eff != nil && eff["kind"] == "EndpointApproved" {
			approvals++
		}
	}
	if approvals != 1 {
		t.Fatalf("%d approvals for eight PUTs of one connection", approvals)
	}
}
