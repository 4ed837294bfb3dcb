package atlasapi_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

// fill replaces a route pattern's parameters with real values.
func fill(pattern, endpoint string) string {
	return strings.NewReplacer("{groupId}", group, "{endpointId}", endpoint, "{cloudProvider}", "AZURE",
		"{clusterName}", "c1", "{subscriptionId}", sim.Presets["example"].SubscriptionID).Replace(pattern)
}

// send makes a request with the given Host, Origin and content type.
func (s *testServer) send(c *http.Client, method, path, host, origin, ctype, body string) answer {
	s.t.Helper()
	req, err := http.NewRequest(method, s.http.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		raw.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Raw: raw.String()}
}

// Issue 13, loopback services safe from the browser: on every control route
// and every Atlas route, a request naming another Host (DNS rebinding) and a
// cross-origin "simple" POST (text/plain, no preflight) are refused and
// change nothing; so is a write whose body is not JSON.
func TestForeignHostsAndOriginsAreRefused(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	s.enable(true)
	id := s.endpoint("US_CENTRAL", sim.StatusPendingAcceptance)
	var routes []string
	routes = append(routes, atlasapi.ControlRouteKeys()...)
	routes = append(routes, atlasapi.RouteKeys()...)
	for _, r := range routes {
		method, pattern, _ := strings.Cut(r, " ")
		path := fill(pattern, id)
		before := s.state()
		for _, c := range []*http.Client{http.DefaultClient, s.client} {
			if a := s.send(c, method, path, "evil.example:8080", "", "application/json", `{}`); a.Status != 403 || !strings.Contains(a.Raw, "HOST_NOT_ALLOWED") {
				t.Errorf("%s with Host evil.example: %d %s", r, a.Status, a.Raw)
			}
		}
		if method != "GET" {
			if a := s.send(s.client, method, path, "", "https://evil.example", "text/plain", `{"seconds":100}`); a.Status != 403 || !strings.Contains(a.Raw, "ORIGIN_NOT_ALLOWED") {
				t.Errorf("%s from Origin evil.example: %d %s", r, a.Status, a.Raw)
			}
			if a := s.send(http.DefaultClient, method, path, "", "null", "application/json", `{}`); a.Status != 403 {
				t.Errorf("%s from Origin null: %d %s", r, a.Status, a.Raw)
			}
			if a := s.send(s.client, method, path, "", "", "text/plain", `{"seconds":100}`); a.Status != 415 || !strings.Contains(a.Raw, "UNSUPPORTED_MEDIA_TYPE") {
				t.Errorf("%s with a text/plain body: %d %s", r, a.Status, a.Raw)
			}
		}
		if after := s.state(); after != before {
			t.Errorf("%s: a refused request changed the world", r)
		}
	}
	// The server's own origin, and programs that send no Origin, may write.
	own := "http://" + s.http.Listener.Addr().String()
	if a := s.send(http.DefaultClient, "POST", "/_sim/v1/clock/advance", "", own, "application/json", `{"seconds":1}`); a.Status != 200 {
		t.Fatalf("same-origin advance: %d %s", a.Status, a.Raw)
	}
	port := s.http.Listener.Addr().(*net.TCPAddr).Port
	local := fmt.Sprintf("localhost:%d", port)
	if a := s.send(http.DefaultClient, "POST", "/_sim/v1/clock/advance", local, "http://"+local, "application/json", `{"seconds":1}`); a.Status != 200 {
		t.Fatalf("advance from the server's own localhost origin: %d %s", a.Status, a.Raw)
	}
	// A page on another localhost port (another dev server the user runs)
	// is another origin: refused, as is a same-site fetch.
	before := s.state()
	if a := s.send(http.DefaultClient, "POST", "/_sim/v1/reset", local, fmt.Sprintf("http://localhost:%d", port+1), "application/json", `{}`); a.Status != 403 || s.state() != before {
		t.Fatalf("a reset from another localhost port: %d %s", a.Status, a.Raw)
	}
	for _, site := range []string{"cross-site", "same-site"} {
		req, _ := http.NewRequest("POST", s.http.URL+"/_sim/v1/clock/advance", strings.NewReader(`{"seconds":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", site)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
			t.Fatalf("Sec-Fetch-Site %s: %v %v", site, resp, err)
		}
	}
	// No CORS grant.
	if a := s.send(http.DefaultClient, "GET", "/_sim/v1/state", "", "https://evil.example", "", ""); a.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("a CORS grant: %q", a.Header.Get("Access-Control-Allow-Origin"))
	}
	// An allowed host is configurable.
	named := newServer(t, atlasapi.Options{Seed: 1, AllowedHosts: []string{"earsim.test"}})
	if a := named.send(http.DefaultClient, "GET", "/_sim/v1/clock", "earsim.test:9", "", "", ""); a.Status != 200 {
		t.Fatalf("allowed host: %d %s", a.Status, a.Raw)
	}
}
