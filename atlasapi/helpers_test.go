package atlasapi_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
	"github.com/mongodb-forks/digest"
)

const (
	group     = sim.DefaultProjectID
	accept    = "application/vnd.atlas.2023-01-01+json"
	accept24  = "application/vnd.atlas.2024-08-05+json"
	earPath   = "/api/atlas/v2/groups/" + group + "/encryptionAtRest"
	endpoints = earPath + "/AZURE/privateEndpoints"
)

// testServer is a mock on a loopback port with a digest client.
type testServer struct {
	t      *testing.T
	srv    *atlasapi.Server
	http   *httptest.Server
	client *http.Client
	prefix string // a world's prefix (/w/{world}) when the server is a Hub
}

// url is the address of a path in the test server's world.
func (s *testServer) url(path string) string { return s.http.URL + s.prefix + path }

// newHubServer serves a Hub of worlds; the testServer talks to world (the
// root paths for atlasapi.DefaultWorld).
func newHubServer(t *testing.T, opt atlasapi.HubOptions, world string) *testServer {
	t.Helper()
	if opt.Checker == nil {
		opt.Checker = policies.NewService(policies.MustDefault())
	}
	hub, err := atlasapi.NewHub(opt)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(hub)
	t.Cleanup(hs.Close)
	s := &testServer{t: t, srv: hub.Default(), http: hs, client: digestClient(t, atlasapi.DevKey)}
	if world != atlasapi.DefaultWorld {
		s.prefix = "/w/" + world
	}
	return s
}

// in is the same server seen from another world.
func (s *testServer) in(world string) *testServer {
	o := *s
	o.prefix = ""
	if world != atlasapi.DefaultWorld {
		o.prefix = "/w/" + world
	}
	o.client = digestClient(s.t, atlasapi.DevKey)
	return &o
}

func newServer(t *testing.T, opt atlasapi.Options) *testServer {
	t.Helper()
	if opt.Checker == nil {
		opt.Checker = policies.NewService(policies.MustDefault()) // as earsim serve asks the policies
	}
	srv, err := atlasapi.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	key := atlasapi.DevKey
	if len(opt.Keys) > 0 {
		key = opt.Keys[0]
	}
	return &testServer{t: t, srv: srv, http: hs, client: digestClient(t, key)}
}

func digestClient(t *testing.T, k atlasapi.Key) *http.Client {
	t.Helper()
	c, err := digest.NewTransport(k.PublicKey, k.PrivateKey).Client()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer is a decoded response.
type answer struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
	value  any // a body that is not an object (a list, a boolean)
}

func (a answer) code() string { s, _ := a.Body["errorCode"].(string); return s }

// do sends a request with the digest client; body may be a string or a value.
func (s *testServer) do(method, path, acceptHeader string, body any) answer {
	return s.with(s.client, method, path, acceptHeader, body)
}

func (s *testServer) with(c *http.Client, method, path, acceptHeader string, body any) answer {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.url(path), rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if acceptHeader != "" {
		req.Header.Set("Accept", acceptHeader)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.roundTrip(c, req)
}

// roundTrip sends a request built by a test and decodes the answer, which
// must be JSON when it has a body.
func (s *testServer) roundTrip(c *http.Client, req *http.Request) answer {
	s.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &a.Body); err != nil {
			if err := json.Unmarshal(raw, &a.value); err != nil {
				s.t.Fatalf("%s %s: body is not JSON: %q", req.Method, req.URL.Path, raw)
			}
		}
	}
	return a
}

// control calls a control route (loopback, no key).
func (s *testServer) control(method, path string, body any) answer {
	return s.with(http.DefaultClient, method, "/_sim/v1/"+path, "", body)
}

// state exports the world, for before/after comparisons.
func (s *testServer) state() string {
	s.t.Helper()
	return s.control("GET", "state", nil).Raw
}

// enable turns customer keys (and optionally private networking) on with the
// seed's EXAMPLEKeyVault configuration.
func (s *testServer) enable(privateNetworking bool) { s.enableIn(group, privateNetworking) }

// enableIn is enable for a project of the caller's choice.
func (s *testServer) enableIn(groupID string, privateNetworking bool) {
	s.t.Helper()
	p := sim.Presets["example"]
	body := map[string]any{"azureKeyVault": map[string]any{
		"azureEnvironment": p.AzureEnvironment, "clientID": p.ClientID, "tenantID": p.TenantID, "secret": p.Secret,
		"subscriptionID": p.SubscriptionID, "resourceGroupName": p.ResourceGroupName, "keyVaultName": p.KeyVaultName,
		"keyIdentifier": p.KeyIdentifier, "enabled": true, "requirePrivateNetworking": privateNetworking,
	}}
	if a := s.do("PATCH", "/api/atlas/v2/groups/"+groupID+"/encryptionAtRest", accept, body); a.Status != 200 {
		s.t.Fatalf("enable: %d %s", a.Status, a.Raw)
	}
}

// endpoint creates an endpoint and brings it to a status through the
// control routes; it returns the endpoint's id.
func (s *testServer) endpoint(region, status string) string {
	s.t.Helper()
	a := s.do("POST", endpoints, accept, map[string]any{"regionName": region})
	if a.Status != 202 {
		s.t.Fatalf("create endpoint: %d %s", a.Status, a.Raw)
	}
	id := a.Body["id"].(string)
	if status == sim.StatusInitiating {
		return id
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": 60})
	if status == sim.StatusPendingAcceptance {
		return id
	}
	if a := s.control("POST", "groups/"+group+"/privateEndpoints/"+id+"/approve", nil); a.Status != 200 {
		s.t.Fatalf("approve: %d %s", a.Status, a.Raw)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": 180})
	return id
}

// digestHeader builds an Authorization header by hand (RFC 7616, qop=auth).
func digestHeader(alg string, k atlasapi.Key, method, uri, nonce, nc, cnonce string) string {
	h := func(s string) string {
		if alg == "SHA-256" {
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:])
		}
		sum := md5.Sum([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	ha1 := h(k.PublicKey + ":" + atlasapi.Realm + ":" + k.PrivateKey)
	ha2 := h(method + ":" + uri)
	resp := h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s, qop=auth, nc=%s, cnonce="%s", response="%s"`,
		k.PublicKey, atlasapi.Realm, nonce, uri, alg, nc, cnonce, resp)
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
