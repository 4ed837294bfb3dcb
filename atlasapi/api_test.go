package atlasapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

func TestVersionedMediaTypes(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	for _, tc := range []struct {
		reason, accept string
		status         int
		contentType    string
	}{
		{"the resource's own version", accept, 200, "application/vnd.atlas.2023-01-01+json"},
		{"a later date resolves to the newest version on or before it (the seed sends 2024-05-30)", "application/vnd.atlas.2024-05-30+json", 200, "application/vnd.atlas.2023-01-01+json"},
		{"among other media types", "text/html, application/vnd.atlas.2024-10-23+json;q=0.9", 200, "application/vnd.atlas.2023-01-01+json"},
		{"no version", "application/json", 406, "application/json"},
		{"missing Accept", "", 406, "application/json"},
		{"malformed date", "application/vnd.atlas.2024-13-45+json", 406, "application/json"},
		{"before the first version", "application/vnd.atlas.2022-12-31+json", 406, "application/json"},
	} {
		a := s.do("GET", earPath, tc.accept, nil)
		if a.Status != tc.status || a.Header.Get("Content-Type") != tc.contentType {
			t.Errorf("%s: got %d %s, want %d %s", tc.reason, a.Status, a.Header.Get("Content-Type"), tc.status, tc.contentType)
		}
		if tc.status == 406 && a.code() != "INVALID_VERSION_DATE" {
			t.Errorf("%s: errorCode %q", tc.reason, a.code())
		}
	}
	// Clusters start at 2024-08-05.
	if a := s.do("GET", "/api/atlas/v2/groups/"+group+"/clusters", accept, nil); a.Status != 406 {
		t.Errorf("clusters with 2023-01-01: %d", a.Status)
	}
	if a := s.do("GET", "/api/atlas/v2/groups/"+group+"/clusters", accept24, nil); a.Status != 200 || a.Header.Get("Content-Type") != "application/vnd.atlas.2024-08-05+json" {
		t.Errorf("clusters with 2024-08-05: %d %s", a.Status, a.Header.Get("Content-Type"))
	}
}

func TestErrorShapeAndHeaders(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	a := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"})
	if a.Status != 400 || a.code() != "ENCRYPTION_AT_REST_NOT_ENABLED" || a.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %s %s", a.Status, a.code(), a.Header.Get("Content-Type"))
	}
	for _, k := range []string{"detail", "error", "errorCode", "parameters", "reason"} {
		if _, ok := a.Body[k]; !ok {
			t.Errorf("error document lacks %q: %s", k, a.Raw)
		}
	}
	if a.Body["reason"] != "Bad Request" || a.Body["error"] != float64(400) {
		t.Errorf("error document: %s", a.Raw)
	}
	ok := s.do("GET", earPath, accept, nil)
	if ok.Header.Get("RateLimit-Limit") == "" || ok.Header.Get("RateLimit-Remaining") == "" {
		t.Errorf("no RateLimit headers: %v", ok.Header)
	}
}

func TestEnvelopeAndPretty(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	a := s.do("GET", earPath+"?envelope=true", accept, nil)
	if a.Status != 200 || a.Body["status"] != float64(200) || a.Body["content"] == nil {
		t.Fatalf("envelope: %d %s", a.Status, a.Raw)
	}
	e := s.do("POST", endpoints+"?envelope=true", accept, map[string]any{"regionName": "US_CENTRAL"})
	if e.Status != 200 || e.Body["status"] != float64(400) {
		t.Fatalf("enveloped error: %d %s", e.Status, e.Raw)
	}
	if p := s.do("GET", earPath+"?pretty=true", accept, nil); !strings.Contains(p.Raw, "\n  \"awsKms\"") {
		t.Fatalf("pretty: %q", p.Raw)
	}
}

func TestPagination(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	if a := s.do("GET", endpoints, accept, nil); a.Status != 200 || a.Body["totalCount"] != float64(0) {
		t.Fatalf("empty list before encryption is enabled: %d %s", a.Status, a.Raw)
	}
	s.enable(true)
	for _, r := range []string{"US_CENTRAL", "US_EAST_2", "UK_SOUTH"} {
		s.endpoint(r, sim.StatusInitiating)
	}
	a := s.do("GET", endpoints+"?itemsPerPage=2&pageNum=2", accept, nil)
	results, _ := a.Body["results"].([]any)
	if a.Status != 200 || len(results) != 1 || a.Body["totalCount"] != float64(3) {
		t.Fatalf("page 2 of 2: %d %s", a.Status, a.Raw)
	}
	links, _ := a.Body["links"].([]any)
	rels := map[string]bool{}
	for _, l := range links {
		rels[l.(map[string]any)["rel"].(string)] = true
	}
	if !rels["self"] || !rels["previous"] || rels["next"] {
		t.Errorf("links %v", links)
	}
	if a := s.do("GET", endpoints+"?includeCount=false", accept, nil); a.Body["totalCount"] != nil {
		t.Errorf("includeCount=false still counts: %s", a.Raw)
	}
	for _, q := range []string{"itemsPerPage=0", "itemsPerPage=501", "pageNum=0", "pageNum=x", "includeCount=maybe"} {
		if a := s.do("GET", endpoints+"?"+q, accept, nil); a.Status != 400 || a.code() != "INVALID_QUERY_PARAMETER" {
			t.Errorf("%s: %d %s", q, a.Status, a.code())
		}
	}
}

func TestAuthAndRoles(t *testing.T) {
	other := "0123456789abcdef01234567"
	keys := []atlasapi.Key{
		{PublicKey: "ownerkey", PrivateKey: "owner-private", Roles: []string{"ORG_OWNER"}},
		{PublicKey: "readonly", PrivateKey: "read-private", Roles: []string{"ORG_READ_ONLY"}},
		{PublicKey: "projownr", PrivateKey: "proj-private", GroupRoles: map[string][]string{other: {"GROUP_OWNER"}}},
	}
	s := newServer(t, atlasapi.Options{Seed: 1, Keys: keys})
	if a := s.with(http.DefaultClient, "GET", earPath, accept, nil); a.Status != 401 || len(a.Header.Values("WWW-Authenticate")) != 2 ||
		!strings.Contains(a.Header.Get("WWW-Authenticate"), `realm="MMS Public API"`) {
		t.Fatalf("no credentials: %d %v", a.Status, a.Header)
	}
	wrong := digestClient(t, atlasapi.Key{PublicKey: "ownerkey", PrivateKey: "not-it"})
	if a := s.with(wrong, "GET", earPath, accept, nil); a.Status != 401 {
		t.Fatalf("wrong private key: %d", a.Status)
	}
	ro := digestClient(t, keys[1])
	if a := s.with(ro, "GET", earPath, accept, nil); a.Status != 200 {
		t.Errorf("read-only GET: %d %s", a.Status, a.Raw)
	}
	if a := s.with(ro, "PATCH", earPath, accept, `{"azureKeyVault":{"enabled":false}}`); a.Status != 403 {
		t.Errorf("read-only PATCH: %d %s", a.Status, a.Raw)
	}
	if a := s.with(ro, "GET", endpoints, accept, nil); a.Status != 403 {
		t.Errorf("read-only endpoint list (needs Project Owner): %d", a.Status)
	}
	if a := s.with(ro, "GET", "/api/atlas/v2/groups/0000000000000000000000ff/encryptionAtRest", accept, nil); a.Status != 404 {
		t.Errorf("unknown project, organization-wide key: %d", a.Status)
	}
	po := digestClient(t, keys[2])
	if a := s.with(po, "GET", earPath, accept, nil); a.Status != 403 {
		t.Errorf("a project key on another project: %d", a.Status)
	}
}

func TestDigestRefusesReplays(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	// A first request to get a nonce, then a hand-made digest header used twice.
	a := s.with(http.DefaultClient, "GET", earPath, accept, nil)
	nonce := between(a.Header.Get("WWW-Authenticate"), `nonce="`, `"`)
	header := digestHeader("MD5", atlasapi.DevKey, "GET", earPath, nonce, "00000001", "abc")
	req := func(h string) int {
		r, _ := http.NewRequest("GET", s.http.URL+earPath, nil)
		r.Header.Set("Accept", accept)
		r.Header.Set("Authorization", h)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := req(header); got != 200 {
		t.Fatalf("first use of nc=1: %d", got)
	}
	if got := req(header); got != 401 {
		t.Fatalf("replay of nc=1: %d", got)
	}
	if got := req(digestHeader("SHA-256", atlasapi.DevKey, "GET", earPath, nonce, "00000002", "def")); got != 200 {
		t.Fatalf("SHA-256 with nc=2: %d", got)
	}
}

func TestRoutesAndMethods(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	for _, tc := range []struct {
		reason, method, path string
		status               int
		code                 string
	}{
		{"unknown route", "GET", "/api/atlas/v2/nothing", 404, "RESOURCE_NOT_FOUND"},
		{"wrong method", "DELETE", earPath, 405, "METHOD_NOT_ALLOWED"},
		{"malformed group id", "GET", "/api/atlas/v2/groups/xyz/encryptionAtRest", 400, "INVALID_PATH_PARAMETER"},
		{"malformed endpoint id", "GET", endpoints + "/123", 400, "INVALID_PATH_PARAMETER"},
		{"unknown endpoint", "GET", endpoints + "/0000000000000000000000ff", 404, "RESOURCE_NOT_FOUND"},
		{"unknown provider", "GET", earPath + "/GCP/privateEndpoints", 400, "INVALID_ENUM_VALUE"},
		{"a trailing slash is the same route (the seed's examples send one)", "GET", earPath + "/", 200, ""},
		{"the organization", "GET", "/api/atlas/v2/orgs", 200, ""},
	} {
		a := s.do(tc.method, tc.path, accept, nil)
		if a.Status != tc.status || a.code() != tc.code {
			t.Errorf("%s: got %d %s, want %d %s", tc.reason, a.Status, a.code(), tc.status, tc.code)
		}
	}
}

// Every bad request gets a 4xx Atlas error and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	s.enable(true)
	provisioning := s.endpoint("US_CENTRAL", sim.StatusInitiating)
	big := `{"azureKeyVault":{"keyVaultName":"` + strings.Repeat("x", atlasapi.MaxBody) + `"}}`
	ro := digestClient(t, atlasapi.Key{PublicKey: "readonly", PrivateKey: "read-private"})
	clustersPath := "/api/atlas/v2/groups/" + group + "/clusters"
	for _, tc := range []struct {
		reason, method, path string
		body                 any
		status               int
		code                 string
	}{
		{"malformed JSON", "PATCH", earPath, `{"azureKeyVault":`, 400, "MALFORMED_JSON"},
		{"two JSON values", "PATCH", earPath, `{} {}`, 400, "MALFORMED_JSON"},
		{"empty body", "PATCH", earPath, ``, 400, "MALFORMED_JSON"},
		{"wrong type", "PATCH", earPath, `{"azureKeyVault":{"enabled":"yes"}}`, 400, "INVALID_ATTRIBUTE"},
		{"unknown attribute", "PATCH", earPath, `{"azureKeyVault":{"vaultName":"x"}}`, 400, "INVALID_ATTRIBUTE"},
		{"a name in the wrong case is unknown", "PATCH", earPath, `{"azureKeyVault":{"keyidentifier":"https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86"}}`, 400, "INVALID_ATTRIBUTE"},
		{"a block in the wrong case is unknown", "PATCH", earPath, `{"AzureKeyVault":{"enabled":false}}`, 400, "INVALID_ATTRIBUTE"},
		{"an endpoint attribute in the wrong case", "POST", endpoints, `{"RegionName":"US_EAST_2"}`, 400, "INVALID_ATTRIBUTE"},
		{"a duplicated attribute", "PATCH", earPath, `{"azureKeyVault":{"enabled":true},"azureKeyVault":{"enabled":false}}`, 400, "MALFORMED_JSON"},
		{"a duplicated nested attribute", "POST", endpoints, `{"regionName":"US_EAST_2","regionName":"UK_SOUTH"}`, 400, "MALFORMED_JSON"},
		{"null instead of an object", "PATCH", earPath, `null`, 400, "MALFORMED_JSON"},
		{"null where an object belongs", "PATCH", earPath, `{"azureKeyVault":null}`, 400, "INVALID_ATTRIBUTE"},
		{"an array instead of an object", "PATCH", earPath, `[]`, 400, "MALFORMED_JSON"},
		{"nested 14,000 levels deep", "POST", endpoints, `{"regionName":` + strings.Repeat("[", 14000), 400, "MALFORMED_JSON"},
		{"a key without a value inside a list", "POST", clustersPath, `{"name":"c","replicationSpecs":[{"regionConfigs":[{"electableSpecs":{"instanceSize"}}]}]}`, 400, "MALFORMED_JSON"},
		{"a control character in a key inside a list", "POST", clustersPath, "{\"name\":\"c\",\"replicationSpecs\":[{\"regionConfigs\":[{\"re\x00\x04onName\":\"US_CENTRAL\"}]}]}", 400, "MALFORMED_JSON"},
		{"nested 65 levels deep", "POST", endpoints, `{"regionName":` + strings.Repeat("[", 65) + strings.Repeat("]", 65) + `}`, 400, "MALFORMED_JSON"},
		{"invalid UTF-8", "POST", endpoints, "{\"regionName\":\"US_EAST\xff\"}", 400, "MALFORMED_JSON"},
		{"a cluster name with a slash", "POST", clustersPath, `{"name":"a/b","replicationSpecs":[{"regionConfigs":[{"providerName":"AZURE","regionName":"US_CENTRAL","electableSpecs":{"instanceSize":"M10"}}]}]}`, 400, "INVALID_ATTRIBUTE"},
		{"a cluster name with NUL", "POST", clustersPath, `{"name":"a\u0000b"}`, 400, "INVALID_ATTRIBUTE"},
		{"a cluster name of 100k characters", "POST", clustersPath, `{"name":"` + strings.Repeat("a", 100000) + `"}`, 400, "INVALID_ATTRIBUTE"},
		{"a project name of 500k characters", "POST", "/api/atlas/v2/groups", `{"name":"` + strings.Repeat("p", 500000) + `","orgId":"a0000000000000000000000a"}`, 400, "INVALID_ATTRIBUTE"},
		{"a project name with a slash", "POST", "/api/atlas/v2/groups", `{"name":"a/b","orgId":"a0000000000000000000000a"}`, 400, "INVALID_ATTRIBUTE"},
		{"an invalid cluster name in the path", "DELETE", clustersPath + "/-bad", nil, 400, "INVALID_PATH_PARAMETER"},
		{"a string where a boolean belongs", "PATCH", earPath, `{"azureKeyVault":{"enabled":"true"}}`, 400, "INVALID_ATTRIBUTE"},
		{"the seed's DELETE body sent to POST", "POST", endpoints, `{"cloudProvider":"AZURE","regions":["US_CENTRAL"]}`, 400, "INVALID_ATTRIBUTE"},
		{"body over 1 MiB", "PATCH", earPath, big, 413, "REQUEST_ENTITY_TOO_LARGE"},
		{"a rule refuses", "DELETE", endpoints + "/" + provisioning, nil, 400, "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_DELETE_BLOCKED_DURING_PROVISIONING"},
		{"AWS KMS is not modelled", "PATCH", earPath, `{"awsKms":{"enabled":true}}`, 400, "ENCRYPTION_AT_REST_PROVIDER_NOT_SUPPORTED"},
	} {
		before := s.state()
		acc := accept
		if strings.Contains(tc.path, "/clusters") { // clusters answer from 2023-02-01
			acc = accept24
		}
		a := s.do(tc.method, tc.path, acc, tc.body)
		if a.Status != tc.status || a.code() != tc.code {
			t.Errorf("%s: got %d %s, want %d %s", tc.reason, a.Status, a.code(), tc.status, tc.code)
		}
		if after := s.state(); after != before {
			t.Errorf("%s: the world changed", tc.reason)
		}
	}
	before := s.state()
	if a := s.with(http.DefaultClient, "PATCH", earPath, accept, `{"azureKeyVault":{"enabled":false}}`); a.Status != 401 || s.state() != before {
		t.Errorf("no credentials: %d, or the world changed", a.Status)
	}
	if a := s.with(ro, "PATCH", earPath, accept, `{"azureKeyVault":{"enabled":false}}`); a.Status != 401 || s.state() != before {
		t.Errorf("unknown key: %d, or the world changed", a.Status)
	}
	if a := s.do("PATCH", earPath, "application/json", `{"azureKeyVault":{"enabled":false}}`); a.Status != 406 || s.state() != before {
		t.Errorf("no version: %d, or the world changed", a.Status)
	}
}

func TestReadOnlyFieldsAreAcceptedAndIgnored(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	s.enable(true)
	got := s.do("GET", earPath, accept, nil)
	// The Terraform provider PATCHes what GET returned, valid included.
	if a := s.do("PATCH", earPath, accept, got.Body); a.Status != 200 {
		t.Fatalf("PATCH of the GET result: %d %s", a.Status, a.Raw)
	}
	a := s.do("POST", endpoints, accept, `{"regionName":"US_CENTRAL","cloudProvider":"AZURE","status":"ACTIVE","id":"0000000000000000000000ff"}`)
	if a.Status != 202 || a.Body["status"] != "INITIATING" || a.Body["id"] == "0000000000000000000000ff" {
		t.Fatalf("POST with read-only fields: %d %s", a.Status, a.Raw)
	}
}

func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	v, _, _ := strings.Cut(after, to)
	return v
}

func TestControlRoutesNeedLoopbackOrToken(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1, ControlToken: "s3cret-token"})
	if a := s.control("GET", "clock", nil); a.Status != 401 {
		t.Fatalf("without the token: %d", a.Status)
	}
	req, _ := http.NewRequest("GET", s.http.URL+"/_sim/v1/clock", nil)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("with the token: %v %v", err, resp)
	}
	resp.Body.Close()
	// Off loopback and without a token, control routes are closed.
	open := newServer(t, atlasapi.Options{Seed: 1})
	r := httptest.NewRequest("GET", "/_sim/v1/clock", nil) // RemoteAddr 192.0.2.1
	r.Host = "127.0.0.1:8080"
	rec := httptest.NewRecorder()
	open.srv.ServeHTTP(rec, r)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "CONTROL_ROUTES_LOOPBACK_ONLY") {
		t.Fatalf("off loopback: %d %s", rec.Code, rec.Body)
	}
}

// A nonce older than its life earns a stale challenge, not acceptance.
func TestStaleNonce(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := newServer(t, atlasapi.Options{Seed: 1, Now: clock})
	first := s.with(http.DefaultClient, "GET", earPath, accept, nil)
	nonce := between(first.Header.Get("WWW-Authenticate"), `nonce="`, `"`)
	send := func(nc string) answer {
		r, _ := http.NewRequest("GET", s.http.URL+earPath, nil)
		r.Header.Set("Accept", accept)
		r.Header.Set("Authorization", digestHeader("MD5", atlasapi.DevKey, "GET", earPath, nonce, nc, "x"))
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return answer{Status: resp.StatusCode, Header: resp.Header}
	}
	if a := send("00000001"); a.Status != 200 {
		t.Fatalf("fresh nonce: %d", a.Status)
	}
	now = now.Add(6 * time.Minute)
	a := send("00000002")
	if a.Status != 401 || !strings.Contains(a.Header.Get("WWW-Authenticate"), "stale=true") {
		t.Fatalf("stale nonce: %d %v", a.Status, a.Header.Values("WWW-Authenticate"))
	}
}

// Cluster attributes of the definition that no rule reads are accepted as
// Atlas accepts them, and not kept (docs/MODEL.md M27); a misspelt one is
// still an unknown attribute.
func TestClusterSettingsAcceptedNotKept(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	path := "/api/atlas/v2/groups/" + group + "/clusters"
	body := `{"name":"c1","clusterType":"REPLICASET","labels":[],"tags":[{"key":"team","value":"db"}],"mongoDBMajorVersion":"7.0",
		"terminationProtectionEnabled":true,"pitEnabled":false,"biConnector":{"enabled":false},"versionReleaseSystem":"LTS",
		"replicationSpecs":[{"zoneName":"Z","regionConfigs":[{"providerName":"AZURE","regionName":"US_CENTRAL","priority":7,
		"electableSpecs":{"instanceSize":"M10","nodeCount":3,"diskSizeGB":10},"readOnlySpecs":{"instanceSize":"M10","nodeCount":0},
		"autoScaling":{"compute":{"enabled":false}}}]}]}`
	if a := s.do("POST", path, "application/vnd.atlas.2024-10-23+json", body); a.Status != 201 {
		t.Fatalf("a cluster with settings: %d %s", a.Status, a.Raw)
	}
	got := s.do("GET", path+"/c1", accept24, nil)
	if got.Body["terminationProtectionEnabled"] != false || len(got.Body["tags"].([]any)) != 0 {
		t.Fatalf("the settings were kept, or the defaults not answered: %s", got.Raw)
	}
	wrong := strings.Replace(body, `"c1"`, `"c2"`, 1)
	wrong = strings.Replace(wrong, "terminationProtectionEnabled", "TerminationProtectionEnabled", 1)
	if a := s.do("POST", path, "application/vnd.atlas.2024-10-23+json", wrong); a.Status != 400 || a.code() != "INVALID_ATTRIBUTE" {
		t.Fatalf("a setting in the wrong case: %d %s", a.Status, a.Raw)
	}
}
