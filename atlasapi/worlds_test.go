package atlasapi_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// Worlds are made on first use or by POST, listed, and ended; names are
// checked; a world's state lives in a file of its own; the bound holds.
func TestWorldsLifecycle(t *testing.T) {
	dir := t.TempDir()
	s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1}, StateDir: dir, MaxWorlds: 3}, atlasapi.DefaultWorld)
	root := s.in(atlasapi.DefaultWorld)

	made := root.control("POST", "worlds", map[string]any{"name": "job-1", "seed": 42})
	if made.Status != 201 || made.Body["name"] != "job-1" || made.Body["seed"] != 42.0 || made.Body["baseURL"] != s.http.URL+"/w/job-1/" {
		t.Fatalf("POST worlds: %d %s", made.Status, made.Raw)
	}
	if a := root.control("POST", "worlds", map[string]any{"name": "job-1"}); a.Status != 409 || a.code() != "WORLD_ALREADY_EXISTS" {
		t.Fatalf("a name in use: %d %s", a.Status, a.Raw)
	}
	fresh := root.control("POST", "worlds", nil)
	name, _ := fresh.Body["name"].(string)
	if fresh.Status != 201 || !strings.HasPrefix(name, "w-") {
		t.Fatalf("POST worlds without a name: %d %s", fresh.Status, fresh.Raw)
	}
	// The bound: default, job-1 and the fresh one are three.
	if a := root.control("POST", "worlds", map[string]any{"name": "job-2"}); a.Status != 503 || a.code() != "TOO_MANY_WORLDS" {
		t.Fatalf("past --max-worlds: %d %s", a.Status, a.Raw)
	}
	if a := s.in("job-3").control("GET", "clock", nil); a.Status != 503 || a.code() != "TOO_MANY_WORLDS" {
		t.Fatalf("a world named in a path past --max-worlds: %d %s", a.Status, a.Raw)
	}

	// A world's own project, in its own file; the others see nothing of it.
	job := s.in("job-1")
	if a := job.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": "only-in-job-1", "orgId": "a0000000000000000000000a"}); a.Status != 200 {
		t.Fatalf("create project in job-1: %d %s", a.Status, a.Raw)
	}
	if a := root.do("GET", "/api/atlas/v2/groups/byName/only-in-job-1", accept, nil); a.Status != 404 {
		t.Fatalf("the default world sees job-1's project: %d %s", a.Status, a.Raw)
	}
	// (in its state file or the change log beside it: serve --state)
	data, err := os.ReadFile(filepath.Join(dir, "job-1.json"))
	changes, _ := os.ReadFile(filepath.Join(dir, "job-1.json.changes"))
	if err != nil || !strings.Contains(string(data)+string(changes), "only-in-job-1") {
		t.Fatalf("job-1's state file: %v", err)
	}
	list := root.control("GET", "worlds", nil)
	if list.Status != 200 || list.Body["totalCount"] != 3.0 || !strings.Contains(list.Raw, `{"name":"job-1","seed":42,"projects":2,"held":true}`) {
		t.Fatalf("GET worlds: %d %s", list.Status, list.Raw)
	}

	if a := root.control("DELETE", "worlds/job-1", nil); a.Status != 204 {
		t.Fatalf("DELETE worlds/job-1: %d %s", a.Status, a.Raw)
	}
	for _, f := range []string{"job-1.json", "job-1.json.changes"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("an ended world's %s is left: %v", f, err)
		}
	}
	if a := root.control("DELETE", "worlds/job-1", nil); a.Status != 404 || a.code() != "WORLD_NOT_FOUND" {
		t.Fatalf("ending it again: %d %s", a.Status, a.Raw)
	}
	if a := root.control("DELETE", "worlds/default", nil); a.Status != 400 {
		t.Fatalf("ending the default world: %d %s", a.Status, a.Raw)
	}
	// Named again in a path, it comes back fresh.
	if a := job.do("GET", "/api/atlas/v2/groups/byName/only-in-job-1", accept, nil); a.Status != 404 {
		t.Fatalf("a world ended and made again holds its old project: %d %s", a.Status, a.Raw)
	}
	for _, bad := range []string{"/w/Job/api/atlas/v2/orgs", "/w/a_b/_sim/v1/clock", "/w/" + strings.Repeat("a", 65) + "/_sim/v1/clock"} {
		req, _ := http.NewRequest("GET", s.http.URL+bad, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("GET %s: %d, want 400 INVALID_WORLD_NAME", bad, resp.StatusCode)
		}
	}
	if a := root.control("POST", "worlds", map[string]any{"name": "UPPER"}); a.Status != 400 {
		t.Errorf("POST worlds with a bad name: %d %s", a.Status, a.Raw)
	}
}

// An idle world is dropped, saved in its file, and comes back on its next
// request as it was.
func TestIdleWorldsComeBack(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1, Now: clock}, StateDir: dir, WorldIdle: time.Minute}, "idle")
	if a := s.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": "kept", "orgId": "a0000000000000000000000a"}); a.Status != 200 {
		t.Fatalf("create project: %d %s", a.Status, a.Raw)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	root := s.in(atlasapi.DefaultWorld)
	root.control("GET", "clock", nil) // a request anywhere sweeps
	if list := root.control("GET", "worlds", nil); !strings.Contains(list.Raw, `{"name":"idle","seed":1,"projects":2,"held":false}`) {
		t.Fatalf("the idle world is not listed as dropped and saved: %s", list.Raw)
	}
	if a := s.do("GET", "/api/atlas/v2/groups/byName/kept", accept, nil); a.Status != 200 {
		t.Fatalf("the dropped world's project on its next request: %d %s", a.Status, a.Raw)
	}
}

// Requests in different worlds do not wait for each other: world a's lock
// held, world b answers.
func TestWorldsDoNotWaitForEachOther(t *testing.T) {
	s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1}}, "a")
	s.control("GET", "clock", nil) // make world a
	hub := s.http.Config.Handler.(*atlasapi.Hub)
	unlock := atlasapi.HoldWorld(hub, "a")
	defer unlock()
	done := make(chan int, 1)
	b := s.in("b")
	go func() { done <- b.control("GET", "clock", nil).Status }()
	select {
	case status := <-done:
		if status != 200 {
			t.Fatalf("world b: %d", status)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("world b waited for world a's lock")
	}
}

// The Azure side of a world is that world's: Entra ID and ARM under its
// prefix approve its endpoint (EAR-PE-03 after the lag, EAR-LAG-01); a
// token of the root's Entra ID acts there too (MSAL asks the root, see
// TestAzureSDKInAWorld), and the default world is not touched.
func TestARMInAWorld(t *testing.T) {
	s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1}}, "az")
	root := s.in(atlasapi.DefaultWorld)
	before := root.state()
	id, conn := s.pendingConnection()
	p := sim.Presets["example"]
	token := s.armToken("example")
	bearer := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
	path := vaultPath(p) + "/privateEndpointConnections/" + conn + "?api-version=2023-07-01"
	body := `{"properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "Approved via Terraform"}}}`
	if a := s.azure("PUT", path, bearer, body); a.Status != 200 {
		t.Fatalf("PUT Approved in world az: %d %s", a.Status, a.Raw)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.MaxApprovalLag})
	if a := s.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != sim.StatusActive {
		t.Fatalf("world az's endpoint after the lag: %s", a.Raw)
	}
	rootToken := map[string]string{"Authorization": "Bearer " + root.armToken("example")}
	if a := s.azure("GET", path, rootToken, ""); a.Status != 200 || !strings.Contains(a.Raw, `"status":"Approved"`) {
		t.Errorf("a token of the root's Entra ID in world az: %d %s", a.Status, a.Raw)
	}
	if a := root.azure("GET", path, bearer, ""); a.Status != 404 {
		t.Errorf("world az's connection seen from the default world: %d %s, want 404", a.Status, a.Raw)
	}
	if root.state() != before {
		t.Errorf("the default world changed")
	}
}

// Many worlds driven at once (also under the race detector, make test):
// each client makes a project in its own world and reads it back; no world
// sees another's.
func TestConcurrentWorlds(t *testing.T) {
	s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1}}, atlasapi.DefaultWorld)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "job-" + string(rune('a'+i))
			w := s.in(name)
			for j := range 3 {
				project := name + "-p" + string(rune('0'+j))
				if a := w.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": project, "orgId": "a0000000000000000000000a"}); a.Status != 200 {
					errs <- name + ": create: " + a.Raw
					return
				}
			}
			list := w.do("GET", "/api/atlas/v2/groups", accept, nil)
			if list.Body["totalCount"] != 4.0 || strings.Count(list.Raw, `"name":"job-`) != 3 || !strings.Contains(list.Raw, name+"-p2") {
				errs <- name + ": sees " + list.Raw
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// The world routes and every route under a prefix keep the doors of the
// root: another Host (DNS rebinding) or a write from another origin is
// refused and makes, ends or changes no world.
func TestWorldRoutesRefuseForeignHostsAndOrigins(t *testing.T) {
	s := newHubServer(t, atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1}}, atlasapi.DefaultWorld)
	s.in("kept").control("GET", "clock", nil)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/_sim/v1/worlds", `{"name": "evil"}`},
		{"GET", "/_sim/v1/worlds", ""},
		{"DELETE", "/_sim/v1/worlds/kept", ""},
		{"POST", "/w/kept/_sim/v1/clock/advance", `{"seconds": 60}`},
		{"POST", "/w/made-by-a-page/_sim/v1/clock/advance", `{"seconds": 60}`},
		{"POST", "/w/kept/api/oauth/token", "grant_type=client_credentials"},
	} {
		if a := s.send(http.DefaultClient, tc.method, tc.path, "evil.example:8080", "", "application/json", tc.body); a.Status != 403 || !strings.Contains(a.Raw, "HOST_NOT_ALLOWED") {
			t.Errorf("%s %s with Host evil.example: %d %s", tc.method, tc.path, a.Status, a.Raw)
		}
		if tc.method != "GET" {
			if a := s.send(http.DefaultClient, tc.method, tc.path, "", "https://evil.example", "application/json", tc.body); a.Status != 403 {
				t.Errorf("%s %s from Origin evil.example: %d %s", tc.method, tc.path, a.Status, a.Raw)
			}
		}
	}
	// A GET makes a world on first use: from another origin it is refused
	// as a write is (a page's <img> of /w/x/... would make world x), while
	// a world that exists answers it.
	for _, h := range []http.Header{{"Origin": {"https://evil.example"}}, {"Sec-Fetch-Site": {"cross-site"}}} {
		req, _ := http.NewRequest("GET", s.http.URL+"/w/made-by-an-img/_sim/v1/clock", nil)
		maps.Copy(req.Header, h)
		if a := s.roundTrip(http.DefaultClient, req); a.Status != 403 || a.code() != "ORIGIN_NOT_ALLOWED" {
			t.Errorf("a GET that would make a world, %v: %d %s", h, a.Status, a.Raw)
		}
		req, _ = http.NewRequest("GET", s.http.URL+"/w/kept/_sim/v1/clock", nil)
		maps.Copy(req.Header, h)
		if a := s.roundTrip(http.DefaultClient, req); a.Status != 200 {
			t.Errorf("a GET of an existing world, %v: %d %s", h, a.Status, a.Raw)
		}
	}
	list := s.control("GET", "worlds", nil)
	if list.Body["totalCount"] != 2.0 || strings.Contains(list.Raw, "evil") || strings.Contains(list.Raw, "made-by-a-page") || strings.Contains(list.Raw, "made-by-an-img") {
		t.Errorf("refused requests made or ended worlds: %s", list.Raw)
	}
	if now := s.in("kept").control("GET", "clock", nil).Body["now"]; now != "2025-01-01T00:00:00Z" {
		t.Errorf("a refused advance moved world kept's clock to %v", now)
	}
}

// From off this machine a world is not made on first use (any request
// could make worlds without end): it is made with the control token, then
// reached with a key as any other.
func TestRemoteClientsDoNotMakeWorlds(t *testing.T) {
	hub, err := atlasapi.NewHub(atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1, Checker: policies.MustDefault(), ControlToken: "ct", NoAuth: true}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, token string) int {
		r := httptest.NewRequest("GET", "http://127.0.0.1"+path, nil)
		r.RemoteAddr = "192.0.2.1:1234"
		r.Header.Set("Accept", accept)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		hub.ServeHTTP(rec, r)
		return rec.Code
	}
	if code := get("/w/remote/api/atlas/v2/orgs", ""); code != 404 {
		t.Fatalf("a remote request naming a new world: %d, want 404 WORLD_NOT_FOUND", code)
	}
	if code := get("/w/remote/_sim/v1/clock", "ct"); code != 200 {
		t.Fatalf("with the control token: %d", code)
	}
	if code := get("/w/remote/api/atlas/v2/orgs", ""); code != 200 {
		t.Fatalf("the world made, a remote request: %d", code)
	}
}
