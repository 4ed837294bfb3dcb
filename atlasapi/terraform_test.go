package atlasapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

// The official Terraform provider's conversation with earsim serve through
// the whole life of examples/terraform/ (provider mongodbatlas v1.21.4) and
// examples/terraform-v2/ (v2.0.0), under OpenTofu v1.10.10 (recorded by
// scripts/record-terraform.sh with
// --time-scale 30 --azure-auto-approve 30s): project, encryption config,
// two endpoints and a CMK cluster applied, a clean re-plan, the vault rename
// refused (EAR-IMM-01), private networking off refused (EAR-PN-01), a key
// rotation (EAR-IMM-02), a clean re-plan and destroy. Replayed here without
// the provider, on a clock moved to each request's logical time: every
// request must get the status it got, and the fields that matter (ids,
// statuses, error codes, counts) must be the same.
func TestTerraformProviderFixture(t *testing.T) {
	for _, fx := range []struct {
		file      string
		sent      []sent   // what the provider was seen to send, the versions refused before among them
		byAzapi   bool     // the Azure side approves through ARM in the fixture itself: no automatic approval
		lifecycle []string // the endpoint's statuses the Atlas answers must show, in this order
	}{
		{file: "testdata/terraform-provider.jsonl", sent: []sent{ // mongodbatlas v1.21.4, examples/terraform
			{"GET", "application/vnd.atlas.2023-02-01+json", "/clusters/ear-cluster"},
			{"DELETE", "application/vnd.atlas.2023-02-01+json", "/clusters/ear-cluster"},
			{"POST", "application/vnd.atlas.2024-08-05+json", "/clusters"},
			{"GET", "application/vnd.atlas.2023-01-01+json", "/containers"},
			{"GET", "application/vnd.atlas.2024-08-05+json", "/processArgs"},
		}},
		{file: "testdata/terraform-provider-v2.jsonl", sent: []sent{ // mongodbatlas v2.0.0, examples/terraform-v2
			{"POST", "application/vnd.atlas.2024-10-23+json", "/clusters"},
			{"GET", "application/vnd.atlas.2023-01-01+json", "/containers"},
		}},
		// mongodbatlas v2.16.0 logged in with the development service account
		// (AUTH=sa, the module's own files and an override of the provider
		// block; OpenTofu v1.10.10): a token per run, Bearer on every
		// request, the token revoked as each run ends.
		{file: "testdata/terraform-provider-v2.16-sa.jsonl", sent: []sent{
			{"POST", "", "/api/oauth/token"},
			{"POST", "", "/api/oauth/revoke"},
			{"POST", "application/vnd.atlas.2024-10-23+json", "/clusters"},
		}},
		// The provider's own example for this feature,
		// examples/mongodbatlas_encryption_at_rest_private_endpoint/azure of
		// mongodbatlas v2.16.0, its files unchanged, with azapi 2.12.0 under
		// OpenTofu v1.10.10, against serve --tls --time-scale 30 without
		// --azure-auto-approve: recorded by
		//   scripts/record-azapi-example.sh EXAMPLE_DIR
		// (override files for the providers' endpoints, azapi ~> 2.7 and its
		// body as an object; the fresh world's values in a tfvars). Apply:
		// the config, the endpoint INITIATING then PENDING_ACCEPTANCE, azapi's
		// Entra ID token and its GET, PUT Approved, GET over ARM; ACTIVE after
		// the approval lag; a plan whose only change is the plural data
		// source's count (0 then 1), one more apply, a clean plan; destroy.
		{file: "testdata/azapi-example.jsonl", byAzapi: true, sent: []sent{
			{"GET", "", "/ee46317d-36a3-4472-a3dd-6549e901da0b/v2.0/.well-known/openid-configuration"},
			{"POST", "", "/ee46317d-36a3-4472-a3dd-6549e901da0b/oauth2/v2.0/token"},
			{"PUT", "application/json", "/vaults/EXAMPLEKeyVault/PrivateEndpointConnections/earsim-US_CENTRAL-910a2dec89025cc100000001"},
			{"POST", "", "/api/oauth/token"},
			{"POST", "application/vnd.atlas.2023-01-01+json", "/encryptionAtRest/AZURE/privateEndpoints"},
			{"DELETE", "application/vnd.atlas.2023-01-01+json", "/encryptionAtRest/AZURE/privateEndpoints/910a2dec89025cc100000001"},
		}, lifecycle: []string{sim.StatusInitiating, sim.StatusPendingAcceptance, sim.StatusActive, sim.StatusDeleting}},
	} {
		opt := func() atlasapi.Options {
			if fx.byAzapi {
				return atlasapi.Options{Seed: 1}
			}
			approve := 30 * time.Second
			return atlasapi.Options{Seed: 1, AutoApprove: &approve}
		}
		t.Run(fx.file, func(t *testing.T) {
			replayFixture(t, newServer(t, opt()), fx.file, fx.sent, fx.lifecycle)
		})
		// The same conversation in a world of a shared serve (API.md
		// "Worlds"), its base_url under /w/{world}/: the digest URI the
		// client signs includes the prefix; the default world sees nothing.
		// (azapi's Entra ID and ARM requests are sent to the world's routes
		// here, as a client that keeps the prefix would; azapi itself does
		// not: TestAzureSDKCannotReachAWorldsEntraID.)
		t.Run(fx.file+" in a world", func(t *testing.T) {
			s := newHubServer(t, atlasapi.HubOptions{Options: opt()}, "job-1234")
			before := s.in(atlasapi.DefaultWorld).state()
			replayFixture(t, s, fx.file, fx.sent, fx.lifecycle)
			if after := s.in(atlasapi.DefaultWorld).state(); after != before {
				t.Errorf("the default world changed while another world was driven")
			}
		})
	}
}

type sent struct{ method, accept, suffix string }

// replayFixture sends a trace's requests again, each as its client sent it:
// control routes as they are; a service account's login and revocation with
// the development account and a token of this replay's own, which then
// signs the Atlas requests (Bearer) in place of the digest key; Entra ID's
// token route with the secret the trace redacted put back from the app
// registration the request names, its token then signing the ARM requests.
// Every answer must have the recorded status and the same values in the
// fields that matter; lifecycle, when given, is the order of the statuses
// the endpoint's Atlas answers show.
func replayFixture(t *testing.T, s *testServer, file string, must []sent, lifecycle []string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []atlasapi.TraceEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e atlasapi.TraceEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", len(entries)+1, err)
		}
		entries = append(entries, e)
	}
	if len(entries) < 50 {
		t.Fatalf("the fixture holds %d requests; re-record it with scripts/record-terraform.sh", len(entries))
	}
	now := int64(0)
	seen := map[string]bool{}
	token := ""    // a service account's, once the fixture logs in
	armToken := "" // Entra ID's, once the fixture asks for one
	var statuses []string
	for i, e := range entries {
		if e.Now > now {
			s.control("POST", "clock/advance", map[string]any{"seconds": e.Now - now})
			now = e.Now
		}
		var body any
		if len(e.Body) > 0 {
			// The trace redacts the secret; the fresh world's app
			// registration has the public fake one.
			body = strings.ReplaceAll(string(e.Body), `"(redacted)"`, `"`+sim.Presets["example"].Secret+`"`)
		}
		path := e.Path
		if e.Query != "" {
			path += "?" + e.Query
		}
		where := func() string { return e.Method + " " + path + " (request " + itoa(i+1) + ")" }
		var got answer
		switch {
		case strings.HasPrefix(e.Path, "/_sim/"):
			got = s.with(http.DefaultClient, e.Method, path, e.Accept, body)
		case e.Path == "/api/oauth/token": // the service account's login: a token of this run's own
			got = s.tokenRequest(devSA.ClientID, devSA.ClientSecret)
			token, _ = got.Body["access_token"].(string)
		case e.Path == "/api/oauth/revoke":
			got = s.form(e.Path, devSA.ClientID, devSA.ClientSecret, url.Values{"token": {token}, "token_type_hint": {"access_token"}})
		case strings.HasSuffix(e.Path, "/oauth2/v2.0/token"): // Entra ID: the client's form, its secret put back
			got = s.entraReplay(t, e)
			if armToken, _ = got.Body["access_token"].(string); got.Status == 200 && armToken == "" {
				t.Fatalf("%s: no access_token\n%s", where(), got.Raw)
			}
		case strings.Contains(e.Path, "/.well-known/"): // Entra ID's discovery: no credentials
			got = s.with(http.DefaultClient, e.Method, path, e.Accept, body)
		case strings.HasPrefix(strings.ToLower(e.Path), "/subscriptions/"): // ARM, with Entra's token
			if armToken == "" {
				t.Fatalf("%s: an ARM request before any Entra ID token in the fixture", where())
			}
			got = s.with(&http.Client{Transport: bearer(armToken)}, e.Method, path, e.Accept, body)
		default: // Atlas: the digest key, or the service account's token once there is one
			client := s.client
			if token != "" {
				client = &http.Client{Transport: bearer(token)}
			}
			got = s.with(client, e.Method, path, e.Accept, body)
			if st, _ := got.Body["status"].(string); st != "" && strings.Contains(e.Path, "/privateEndpoints/") {
				if len(statuses) == 0 || statuses[len(statuses)-1] != st {
					statuses = append(statuses, st)
				}
			}
		}
		if got.Status != e.Status {
			t.Fatalf("%s: status %d, recorded %d\n%s", where(), got.Status, e.Status, got.Raw)
		}
		seen[e.Method+" "+e.Accept+" "+e.Path] = true
		var want map[string]any
		if json.Unmarshal(e.Response, &want) != nil {
			continue
		}
		for _, k := range []string{"errorCode", "status", "stateName", "id", "name", "totalCount", "encryptionAtRestProvider", "backupEnabled", "token_type", "expires_in", "error", "error_codes"} {
			if w, ok := want[k]; ok && !jsonEqual(w, got.Body[k]) {
				t.Errorf("%s: %s = %v, recorded %v", where(), k, got.Body[k], w)
			}
		}
		if w, ok := want["azureKeyVault"].(map[string]any); ok {
			g, _ := got.Body["azureKeyVault"].(map[string]any)
			for _, k := range []string{"enabled", "requirePrivateNetworking", "keyIdentifier", "keyVaultName", "valid"} {
				if !jsonEqual(w[k], g[k]) {
					t.Errorf("%s: azureKeyVault.%s = %v, recorded %v", where(), k, g[k], w[k])
				}
			}
		}
		// ARM's answers: the connection's state as Azure shows it, and
		// ARM's error code.
		for _, field := range [][]string{
			{"properties", "privateLinkServiceConnectionState", "status"},
			{"properties", "privateLinkServiceConnectionState", "description"},
			{"properties", "provisioningState"},
			{"error", "code"},
		} {
			if w, ok := dig(want, field); ok {
				if g, _ := dig(got.Body, field); !jsonEqual(w, g) {
					t.Errorf("%s: %s = %v, recorded %v", where(), strings.Join(field, "."), g, w)
				}
			}
		}
	}
	for _, want := range must {
		found := false
		for k := range seen {
			if strings.HasPrefix(k, want.method+" "+want.accept+" ") && strings.HasSuffix(k, want.suffix) {
				found = true
			}
		}
		if !found {
			t.Errorf("the fixture has no %s at %s on …%s", want.method, want.accept, want.suffix)
		}
	}
	if lifecycle != nil && !jsonEqual(statuses, lifecycle) {
		t.Errorf("the endpoint went through %v, want %v", statuses, lifecycle)
	}
}

// entraReplay sends a recorded Entra ID token request again: the client's
// own form (scope, claims and all), with the client_secret that the trace
// redacted put back from the world's app registration of that client_id.
func (s *testServer) entraReplay(t *testing.T, e atlasapi.TraceEntry) answer {
	t.Helper()
	var raw string
	if err := json.Unmarshal(e.Body, &raw); err != nil {
		t.Fatalf("%s: the token request's body is not a form: %s", e.Path, e.Body)
	}
	form, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("%s: %v", e.Path, err)
	}
	if form.Get("client_secret") != "(redacted)" {
		t.Fatalf("%s: the trace kept a client_secret, or none was sent: %q", e.Path, form.Get("client_secret"))
	}
	secret := ""
	for _, p := range sim.Presets {
		if p.ClientID == form.Get("client_id") {
			secret = p.Secret
		}
	}
	if secret == "" {
		t.Fatalf("%s: no app registration of the fresh world has client_id %q", e.Path, form.Get("client_id"))
	}
	form.Set("client_secret", secret)
	return s.azure(e.Method, e.Path, map[string]string{"Content-Type": e.ContentType}, form.Encode())
}

// dig is the value at a path of nested JSON objects.
func dig(v map[string]any, path []string) (any, bool) {
	var cur any = v
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// bearer is a transport that sends an access token.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
