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
		file string
		sent []sent // what the provider was seen to send, the versions refused before among them
	}{
		{"testdata/terraform-provider.jsonl", []sent{ // mongodbatlas v1.21.4, examples/terraform
			{"GET", "application/vnd.atlas.2023-02-01+json", "/clusters/ear-cluster"},
			{"DELETE", "application/vnd.atlas.2023-02-01+json", "/clusters/ear-cluster"},
			{"POST", "application/vnd.atlas.2024-08-05+json", "/clusters"},
			{"GET", "application/vnd.atlas.2023-01-01+json", "/containers"},
			{"GET", "application/vnd.atlas.2024-08-05+json", "/processArgs"},
		}},
		{"testdata/terraform-provider-v2.jsonl", []sent{ // mongodbatlas v2.0.0, examples/terraform-v2
			{"POST", "application/vnd.atlas.2024-10-23+json", "/clusters"},
			{"GET", "application/vnd.atlas.2023-01-01+json", "/containers"},
		}},
		// mongodbatlas v2.16.0 logged in with the development service account
		// (AUTH=sa, the module's own files and an override of the provider
		// block; OpenTofu v1.10.10): a token per run, Bearer on every
		// request, the token revoked as each run ends.
		{"testdata/terraform-provider-v2.16-sa.jsonl", []sent{
			{"POST", "", "/api/oauth/token"},
			{"POST", "", "/api/oauth/revoke"},
			{"POST", "application/vnd.atlas.2024-10-23+json", "/clusters"},
		}},
	} {
		t.Run(fx.file, func(t *testing.T) {
			approve := 30 * time.Second
			replayFixture(t, newServer(t, atlasapi.Options{Seed: 1, AutoApprove: &approve}), fx.file, fx.sent)
		})
		// The same conversation in a world of a shared serve (API.md
		// "Worlds"), its base_url under /w/{world}/: the digest URI the
		// client signs includes the prefix; the default world sees nothing.
		t.Run(fx.file+" in a world", func(t *testing.T) {
			approve := 30 * time.Second
			s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1, AutoApprove: &approve}}, "job-1234")
			before := s.in(atlasapi.DefaultWorld).state()
			replayFixture(t, s, fx.file, fx.sent)
			if after := s.in(atlasapi.DefaultWorld).state(); after != before {
				t.Errorf("the default world changed while another world was driven")
			}
		})
	}
}

type sent struct{ method, accept, suffix string }

func replayFixture(t *testing.T, s *testServer, file string, must []sent) {
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
	token := "" // a service account's, once the fixture logs in
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
		client := s.client
		if token != "" {
			client = &http.Client{Transport: bearer(token)}
		}
		if strings.HasPrefix(e.Path, "/_sim/") {
			client = http.DefaultClient
		}
		var got answer
		switch e.Path {
		case "/api/oauth/token": // the service account's login: a token of this run's own
			got = s.tokenRequest(devSA.ClientID, devSA.ClientSecret)
			token, _ = got.Body["access_token"].(string)
		case "/api/oauth/revoke":
			got = s.form(e.Path, devSA.ClientID, devSA.ClientSecret, url.Values{"token": {token}, "token_type_hint": {"access_token"}})
		default:
			got = s.with(client, e.Method, path, e.Accept, body)
		}
		where := func() string { return e.Method + " " + path + " (request " + itoa(i+1) + ")" }
		if got.Status != e.Status {
			t.Fatalf("%s: status %d, recorded %d\n%s", where(), got.Status, e.Status, got.Raw)
		}
		seen[e.Method+" "+e.Accept+" "+e.Path] = true
		var want map[string]any
		if json.Unmarshal(e.Response, &want) != nil {
			continue
		}
		for _, k := range []string{"errorCode", "status", "stateName", "id", "name", "totalCount", "encryptionAtRestProvider", "backupEnabled"} {
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
