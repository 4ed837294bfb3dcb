package atlasapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// A client that takes a new challenge for every request (curl --digest
// does) cannot grow the server's nonce store without bound (issue 24): past
// MaxNonces the older half is forgotten, and a forgotten nonce is stale from
// then on, never accepted again (its counts are not remembered to refuse a
// replay).
func TestNonceStoreIsBounded(t *testing.T) {
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault()})
	if err != nil {
		t.Fatal(err)
	}
	const path = "/api/atlas/v2/orgs"
	get := func(auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "http://127.0.0.1"+path, nil)
		r.Header.Set("Accept", accept)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		return rec
	}
	var first string
	for i := range atlasapi.MaxNonces + atlasapi.MaxNonces/2 {
		nonce := between(get("").Header().Get("WWW-Authenticate"), `nonce="`, `"`)
		if i == 0 {
			first = nonce
		}
		if rec := get(digestHeader("MD5", atlasapi.DevKey, "GET", path, nonce, "00000001", "c")); rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
		if n := atlasapi.NonceStore(srv); n > atlasapi.MaxNonces+1 {
			t.Fatalf("after %d challenges the store holds %d nonces, more than %d", i+1, n, atlasapi.MaxNonces)
		}
	}
	rec := get(digestHeader("MD5", atlasapi.DevKey, "GET", path, first, "00000001", "c"))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("the first, forgotten nonce replayed: %d, want 401", rec.Code)
	}
	if h := rec.Header().Values("WWW-Authenticate"); len(h) == 0 || !strings.Contains(h[0], "stale=true") {
		t.Errorf("a forgotten nonce earns %v, want a stale challenge", h)
	}
}
