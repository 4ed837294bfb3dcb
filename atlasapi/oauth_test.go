package atlasapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

// tokenRequest posts to the OAuth token route as curl -u ID:SECRET -d
// grant_type=client_credentials does.
func (s *testServer) tokenRequest(id, secret string) answer {
	s.t.Helper()
	return s.form("/api/oauth/token", id, secret, url.Values{"grant_type": {"client_credentials"}})
}

func (s *testServer) form(path, id, secret string, form url.Values) answer {
	s.t.Helper()
	req, err := http.NewRequest("POST", s.url(path), strings.NewReader(form.Encode()))
	if err != nil {
		s.t.Fatal(err)
	}
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.roundTrip(http.DefaultClient, req)
}

func (s *testServer) bearer(token, method, path string, body any) answer {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url(path), rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", accept)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.roundTrip(http.DefaultClient, req)
}

var devSA = atlasapi.DevServiceAccount

// API.md "Auth": the development service account's token, a Bearer read,
// revoke then 401, a wrong secret 401, expiry in logical time, and the
// token route's 50 a minute with Atlas's exact 429 body.
func TestServiceAccountTokens(t *testing.T) {
	var trace bytes.Buffer
	s := newServer(t, atlasapi.Options{Seed: 1, Trace: &trace})
	tok := s.tokenRequest(devSA.ClientID, devSA.ClientSecret)
	token, _ := tok.Body["access_token"].(string)
	if tok.Status != 200 || token == "" || tok.Body["token_type"] != "Bearer" || tok.Body["expires_in"] != 3600.0 {
		t.Fatalf("token: %d %s", tok.Status, tok.Raw)
	}
	if a := s.bearer(token, "GET", earPath, nil); a.Status != 200 || a.Body["azureKeyVault"] == nil {
		t.Fatalf("Bearer GET of the encryption config: %d %s", a.Status, a.Raw)
	}
	// The account's roles act: ORG_OWNER may enable CMK (EAR-CL-01).
	p := sim.Presets["example"]
	patch := map[string]any{"azureKeyVault": map[string]any{
		"azureEnvironment": p.AzureEnvironment, "clientID": p.ClientID, "tenantID": p.TenantID, "secret": p.Secret,
		"subscriptionID": p.SubscriptionID, "resourceGroupName": p.ResourceGroupName, "keyVaultName": p.KeyVaultName,
		"keyIdentifier": p.KeyIdentifier, "enabled": true,
	}}
	if a := s.bearer(token, "PATCH", earPath, patch); a.Status != 200 {
		t.Fatalf("Bearer PATCH: %d %s", a.Status, a.Raw)
	}
	if a := s.form("/api/oauth/revoke", devSA.ClientID, devSA.ClientSecret, url.Values{"token": {token}, "token_type_hint": {"access_token"}}); a.Status != 200 {
		t.Fatalf("revoke: %d %s", a.Status, a.Raw)
	}
	if a := s.bearer(token, "GET", earPath, nil); a.Status != 401 || a.code() != "UNAUTHORIZED" {
		t.Fatalf("revoked token: %d %s, want 401", a.Status, a.Raw)
	}
	if a := s.tokenRequest(devSA.ClientID, "mdb_sa_sk_wrong"); a.Status != 401 || a.Body["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %s, want 401 invalid_client", a.Status, a.Raw)
	}
	if a := s.bearer("not-a-token", "GET", earPath, nil); a.Status != 401 {
		t.Fatalf("unknown token: %d %s", a.Status, a.Raw)
	}

	// Expiry in logical time: valid one second before the hour, not at it.
	fresh := s.tokenRequest(devSA.ClientID, devSA.ClientSecret).Body["access_token"].(string)
	s.control("POST", "clock/advance", map[string]any{"seconds": 3599})
	if a := s.bearer(fresh, "GET", earPath, nil); a.Status != 200 {
		t.Fatalf("a token 3599 s old: %d %s", a.Status, a.Raw)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": 1})
	if a := s.bearer(fresh, "GET", earPath, nil); a.Status != 401 {
		t.Fatalf("a token an hour old: %d %s, want 401", a.Status, a.Raw)
	}

	// 50 token requests a logical minute per address and client (those
	// above are more than a minute old).
	s.control("POST", "clock/advance", map[string]any{"seconds": 60})
	for i := 1; i <= 50; i++ {
		if a := s.tokenRequest(devSA.ClientID, devSA.ClientSecret); a.Status != 200 {
			t.Fatalf("token request %d of the minute: %d %s", i, a.Status, a.Raw)
		}
	}
	a := s.tokenRequest(devSA.ClientID, devSA.ClientSecret)
	want := `{"detail":"Resource /api/oauth/token is limited to 50 requests every 1 minutes.","error":429,"errorCode":"RATE_LIMITED","parameters":["/api/oauth/token",50,1],"reason":"Too Many Requests"}`
	if a.Status != 429 || strings.TrimSpace(a.Raw) != want {
		t.Fatalf("the 51st token request: %d %s\nwant 429 %s", a.Status, a.Raw, want)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": 60})
	if a := s.tokenRequest(devSA.ClientID, devSA.ClientSecret); a.Status != 200 {
		t.Fatalf("a token request a minute later: %d %s", a.Status, a.Raw)
	}

	// No secret or token anywhere: the trace, the state, the console's world.
	for where, text := range map[string]string{
		"the trace": trace.String(), "the state": s.state(), "the console": s.control("GET", "console/world", nil).Raw,
	} {
		for _, secret := range []string{token, fresh, devSA.ClientSecret, p.Secret} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds a secret or token (%.12s...)", where, secret)
			}
		}
	}
	if !strings.Contains(trace.String(), `"access_token":"(redacted)"`) || !strings.Contains(trace.String(), `token=%28redacted%29`) {
		t.Errorf("the trace does not show the token answer and the revoke with their secrets redacted:\n%.2000s", trace.String())
	}
}

// A keys file's service accounts act with their roles; malformed entries
// name their line.
func TestServiceAccountsFromAKeysFile(t *testing.T) {
	creds, err := atlasapi.ParseKeys("keys.yaml", []byte(`serviceAccounts:
  - clientId: mdb_sa_id_0123456789abcdef01234567
    clientSecret: mdb_sa_sk_0123456789abcdefghij0123456789ABCDEFGHIJ
    groupRoles:
      66c9e8f1dd6c9960802420e9: [GROUP_READ_ONLY]
`))
	if err != nil || len(creds.ServiceAccounts) != 1 || len(creds.Keys) != 0 {
		t.Fatalf("parse: %+v %v", creds, err)
	}
	s := newServer(t, atlasapi.Options{Seed: 1, ServiceAccounts: creds.ServiceAccounts})
	sa := creds.ServiceAccounts[0]
	if a := s.tokenRequest(devSA.ClientID, devSA.ClientSecret); a.Status != 401 {
		t.Fatalf("the development account on a server with a keys file: %d %s", a.Status, a.Raw)
	}
	token := s.tokenRequest(sa.ClientID, sa.ClientSecret).Body["access_token"].(string)
	if a := s.bearer(token, "GET", earPath, nil); a.Status != 200 {
		t.Fatalf("read-only read: %d %s", a.Status, a.Raw)
	}
	if a := s.bearer(token, "PATCH", earPath, map[string]any{"azureKeyVault": map[string]any{"enabled": false}}); a.Status != 403 {
		t.Fatalf("read-only PATCH: %d %s, want 403 (EAR-CL-01)", a.Status, a.Raw)
	}
	if a := s.bearer(token, "GET", "/api/atlas/v2/groups", nil); a.Status != 200 || a.Body["totalCount"] != 1.0 {
		t.Fatalf("the projects a project role reaches: %d %s", a.Status, a.Raw)
	}

	for _, tc := range []struct{ file, want string }{
		{"serviceAccounts:\n  - clientId: sa1\n    clientSecret: mdb_sa_sk_0123456789abcdefghij0123456789ABCDEFGHIJ\n    roles: [ORG_OWNER]\n", "keys.yaml:2: clientId \"sa1\" is not an Atlas service account id"},
		{"serviceAccounts:\n  - clientId: mdb_sa_id_0123456789abcdef01234567\n    clientSecret: short\n    roles: [ORG_OWNER]\n", "keys.yaml:2: the clientSecret of mdb_sa_id_0123456789abcdef01234567 is not"},
		{"serviceAccounts:\n  - clientId: mdb_sa_id_0123456789abcdef01234567\n    clientSecret: mdb_sa_sk_0123456789abcdefghij0123456789ABCDEFGHIJ\n    roles: [ORG_BOSS]\n", "keys.yaml:4: unknown role \"ORG_BOSS\""},
		{"serviceAccounts:\n  - clientId: mdb_sa_id_0123456789abcdef01234567\n    secret: x\n", "keys.yaml:3: unknown field \"secret\""},
	} {
		_, err := atlasapi.ParseKeys("keys.yaml", []byte(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.file, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "mdb_sa_sk_0123456789abcdefghij") {
			t.Errorf("the error shows a secret: %v", err)
		}
	}
}

// GET /groups lists only what the caller's roles reach; byName finds one.
func TestProjectListAndByName(t *testing.T) {
	other := atlasapi.Key{PublicKey: "projownr", PrivateKey: "5c6d7e8f-1a2b-4c3d-9e8f-0a1b2c3d4e5f", GroupRoles: map[string][]string{group: {"GROUP_OWNER"}}}
	s := newServer(t, atlasapi.Options{Seed: 1, Keys: []atlasapi.Key{atlasapi.DevKey, other}})
	for i := range 3 {
		if a := s.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": "p" + string(rune('a'+i)), "orgId": "a0000000000000000000000a"}); a.Status != 200 {
			t.Fatalf("create project: %d %s", a.Status, a.Raw)
		}
	}
	all := s.do("GET", "/api/atlas/v2/groups?itemsPerPage=2&pageNum=2", accept, nil)
	if all.Status != 200 || all.Body["totalCount"] != 4.0 || len(all.Body["results"].([]any)) != 2 {
		t.Fatalf("the owner's list, page 2 of 2: %d %s", all.Status, all.Raw)
	}
	mine := s.with(digestClient(t, other), "GET", "/api/atlas/v2/groups", accept, nil)
	if res, _ := mine.Body["results"].([]any); mine.Status != 200 || len(res) != 1 || res[0].(map[string]any)["id"] != group {
		t.Fatalf("a project owner's list: %d %s", mine.Status, mine.Raw)
	}
	if a := s.do("GET", "/api/atlas/v2/groups/byName/pb", accept, nil); a.Status != 200 || a.Body["name"] != "pb" {
		t.Fatalf("byName: %d %s", a.Status, a.Raw)
	}
	if a := s.with(digestClient(t, other), "GET", "/api/atlas/v2/groups/byName/pb", accept, nil); a.Status != 403 {
		t.Fatalf("byName of a project the key has no role in: %d %s, want 403", a.Status, a.Raw)
	}
	if a := s.do("GET", "/api/atlas/v2/groups/byName/nobody", accept, nil); a.Status != 404 || a.code() != "GROUP_NAME_NOT_FOUND" {
		t.Fatalf("byName of no project: %d %s", a.Status, a.Raw)
	}
}
