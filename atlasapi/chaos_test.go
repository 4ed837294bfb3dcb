package atlasapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
)

// Chaos draws from its seed: the same requests meet the same failures; a
// failure injected before the change leaves the world as it was; a reset
// reaches the client as a broken connection.
func TestChaosReplaysAndFailsBeforeApplying(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	s.enable(true)
	spec := map[string]any{"seed": 7, "rules": []any{
		map[string]any{"method": "GET", "path": "/api/atlas/v2/groups/*/encryptionAtRest", "fail": 0.5, "status": 500},
		map[string]any{"method": "POST", "path": "/api/atlas/v2/groups/{groupId}/encryptionAtRest/**", "fail": 1},
	}}
	run := func() []int {
		if a := s.control("PUT", "chaos", spec); a.Status != 200 {
			t.Fatalf("PUT chaos: %d %s", a.Status, a.Raw)
		}
		var got []int
		for range 24 {
			got = append(got, s.do("GET", earPath, accept, nil).Status)
		}
		return got
	}
	first, second := run(), run()
	if !slices.Equal(first, second) || !slices.Contains(first, 500) || !slices.Contains(first, 200) {
		t.Fatalf("two runs from seed 7: %v and %v, want the same mix of 200 and 500", first, second)
	}
	before := s.state()
	a := s.do("POST", endpoints, accept, map[string]any{"regionName": "US_CENTRAL"})
	if a.Status != 503 || a.code() != "SERVICE_UNAVAILABLE" || !strings.Contains(a.Raw, "before anything was applied") {
		t.Fatalf("an injected failure: %d %s", a.Status, a.Raw)
	}
	if s.state() != before {
		t.Errorf("a failure injected before the change changed the world")
	}

	if a := s.control("PUT", "chaos", map[string]any{"rules": []any{map[string]any{"path": "/api/atlas/v2/**", "reset": 1}}}); a.Status != 200 {
		t.Fatalf("PUT chaos: %d %s", a.Status, a.Raw)
	}
	// A Bearer token and a connection of its own: Go's transport retries an
	// idempotent request once on a reused connection that breaks.
	token := s.tokenRequest(devSA.ClientID, devSA.ClientSecret).Body["access_token"].(string)
	req, _ := http.NewRequest("GET", s.http.URL+earPath, nil)
	req.Header.Set("Accept", accept)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a reset connection answered %d", resp.StatusCode)
	}
	if a := s.control("GET", "clock", nil); a.Status != 200 {
		t.Fatalf("control routes are never touched by chaos: %d", a.Status)
	}

	for _, bad := range []struct {
		spec any
		want string
	}{
		{map[string]any{"rules": []any{map[string]any{"fail": 0.7, "lose": 0.5}}}, "more than 1"},
		{map[string]any{"rules": []any{map[string]any{"fail": 1, "status": 502}}}, "status must be 500 or 503"},
		{map[string]any{"rules": []any{map[string]any{"latency": "soon"}}}, "latency must be a duration"},
		{map[string]any{"rules": []any{map[string]any{"path": "/_sim/v1/clock"}}}, "must be an Atlas route"},
		{map[string]any{"rules": []any{map[string]any{"fial": 1}}}, "fial"},
	} {
		if a := s.control("PUT", "chaos", bad.spec); a.Status != 400 || !strings.Contains(a.Raw, bad.want) {
			t.Errorf("PUT chaos %v: %d %s, want 400 naming %q", bad.spec, a.Status, a.Raw, bad.want)
		}
	}
}

// --rate-limits off (the default) reports the buckets and never refuses;
// atlas enforces them; a FILE's mistakes name their line.
func TestRateLimitModes(t *testing.T) {
	off := newServer(t, atlasapi.Options{Seed: 1})
	for i := range 12 {
		a := off.do("GET", "/api/atlas/v2/orgs", accept, nil)
		if a.Status != 200 || a.Header.Get("RateLimit-Limit") != "10" || a.Header.Get("RateLimit-Remaining") != []string{"9", "8", "7", "6", "5", "4", "3", "2", "1", "0", "0", "0"}[i] {
			t.Fatalf("off, request %d: %d %v", i+1, a.Status, a.Header)
		}
	}
	on := newServer(t, atlasapi.Options{Seed: 1, RateLimits: atlasapi.AtlasEndpointSets})
	for range 10 {
		on.do("GET", "/api/atlas/v2/orgs", accept, nil)
	}
	a := on.do("GET", "/api/atlas/v2/orgs", accept, nil)
	want := `{"detail":"Rate limit exceeded for api/atlas/v2/orgs. Please retry after 60 seconds. Request capacity: 10. Refill rate: 5 per 60 seconds.","error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","parameters":["api/atlas/v2/orgs",60,10,5,60],"reason":"Too Many Requests"}`
	if a.Status != 429 || strings.TrimSpace(a.Raw) != want {
		t.Fatalf("atlas, the 11th GET /orgs: %d %s\nwant %s", a.Status, a.Raw, want)
	}
	on.control("POST", "clock/advance", map[string]any{"seconds": 60})
	for i := range 6 {
		if a := on.do("GET", "/api/atlas/v2/orgs", accept, nil); (a.Status == 200) != (i < 5) {
			t.Fatalf("after one refill of 5, request %d: %d", i+1, a.Status)
		}
	}

	for _, tc := range []struct{ file, want string }{
		{"endpointSets:\n  - id: a\n    scope: PROJECT\n    capacity: 1\n    refillRate: 1\n    refillDurationSeconds: 1\n", "limits.yaml:2: scope must be GROUP"},
		{"endpointSets:\n  - id: a\n    scope: IP\n    capacity: 0\n    refillRate: 1\n    refillDurationSeconds: 1\n", "limits.yaml:2: capacity, refillRate"},
		{"endpointSets:\n  - id: a\n    scope: IP\n    capacity: 1\n    refillRate: 1\n    refillDurationSeconds: 1\n    endpoints: [GET /api/atlas/v2/nowhere]\n", "limits.yaml:2: \"GET /api/atlas/v2/nowhere\" is not a route"},
		{"endpointSet: []\n", "limits.yaml"},
	} {
		if _, err := atlasapi.ParseRateLimits("limits.yaml", []byte(tc.file)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.file, err, tc.want)
		}
	}
}

// The effects journal keeps its latest entries only (issue 24: no store a
// request can grow is unbounded); /_sim/v1/effects numbers entries from the
// reset as before and says how many it no longer has.
func TestEffectsJournalIsBounded(t *testing.T) {
	defer atlasapi.LimitJournal(8)()
	s := newServer(t, atlasapi.Options{Seed: 1})
	// Each key version made on the Azure side journals one effect.
	for i := range 20 {
		key := "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/" + strings.Repeat("0", 30) + string(rune('a'+i/10)) + string(rune('0'+i%10))
		if a := s.control("POST", "azure/keys", map[string]any{"keyIdentifier": key, "enabled": true}); a.Status != 200 {
			t.Fatalf("key %d: %d %s", i, a.Status, a.Raw)
		}
	}
	all := s.control("GET", "effects", nil)
	entries, _ := all.Body["entries"].([]any)
	next, _ := all.Body["next"].(float64)
	dropped, _ := all.Body["dropped"].(float64)
	if len(entries) > 8 || len(entries) == 0 || dropped == 0 || int(dropped)+len(entries) != int(next) {
		t.Fatalf("a journal bounded at 8: %d entries, next %v, dropped %v: %s", len(entries), next, dropped, all.Raw)
	}
	if first := entries[0].(map[string]any)["seq"]; first != dropped+1 {
		t.Errorf("the first entry kept is number %v, want %v", first, dropped+1)
	}
	if recent := s.control("GET", "effects?since="+fmt.Sprint(int(next)-1), nil); len(recent.Body["entries"].([]any)) != 1 || recent.Body["dropped"] != nil {
		t.Errorf("since the last but one: %s", recent.Raw)
	}
}
