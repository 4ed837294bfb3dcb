package atlasapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
	"github.com/mongodb-forks/digest"
)

// The load runs of `make bench` (EARSIM_LOAD=1): requests per second and
// latency over loopback, and memory for a large world. PRISM_URL, when set,
// adds Stoplight Prism on the same OpenAPI excerpt as the stateless baseline.

type loadResult struct {
	name     string
	clients  int
	requests int
	errors   int64
	rps      float64
	p50, p99 time.Duration
}

func (r loadResult) String() string {
	return fmt.Sprintf("| %s | %d | %d | %.0f | %.2f | %.2f | %d |", r.name, r.clients, r.requests, r.rps,
		float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000, r.errors)
}

// load runs fn from clients goroutines for d and measures every call.
func load(name string, clients int, d time.Duration, fn func(client int, i int) error) loadResult {
	var wg sync.WaitGroup
	lat := make([][]time.Duration, clients)
	var errs atomic.Int64
	var first atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				t0 := time.Now()
				if err := fn(c, i); err != nil {
					errs.Add(1)
					first.CompareAndSwap(nil, err.Error())
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := loadResult{name: name, clients: clients, requests: len(all), errors: errs.Load(), rps: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.p50, r.p99 = all[len(all)/2], all[len(all)*99/100]
	}
	if e := first.Load(); e != nil {
		fmt.Printf("%s, %d clients: first error: %s\n", name, clients, e)
	}
	return r
}

// nonceClient is a digest client that reuses the server's nonce with a
// rising nonce count (RFC 7616 allows it), so a request costs one round trip.
type nonceClient struct {
	c     *http.Client
	key   atlasapi.Key
	mu    sync.Mutex
	nonce string
	nc    uint64
}

func (n *nonceClient) do(req *http.Request) (*http.Response, error) {
	n.mu.Lock()
	nonce := n.nonce
	n.nc++
	nc := n.nc
	n.mu.Unlock()
	if nonce != "" {
		req.Header.Set("Authorization", digestHeader("MD5", n.key, req.Method, req.URL.RequestURI(), nonce, fmt.Sprintf("%08x", nc), "load"))
	}
	resp, err := n.c.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	n.mu.Lock()
	n.nonce, n.nc = between(resp.Header.Get("WWW-Authenticate"), `nonce="`, `"`), 1
	nonce = n.nonce
	n.mu.Unlock()
	retry, _ := http.NewRequest(req.Method, req.URL.String(), nil)
	retry.Header = req.Header.Clone()
	retry.Header.Set("Authorization", digestHeader("MD5", n.key, req.Method, req.URL.RequestURI(), nonce, "00000001", "load"))
	return n.c.Do(retry)
}

func get(c interface {
	do(*http.Request) (*http.Response, error)
}, url string) error {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", accept)
	req.Header.Set("Content-Type", "application/json") // writes are JSON (the browser guard)
	resp, err := c.do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

type plain struct{ c *http.Client }

func (p plain) do(r *http.Request) (*http.Response, error) { return p.c.Do(r) }

func transport(clients int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2}}
}

func TestLoad(t *testing.T) {
	if os.Getenv("EARSIM_LOAD") == "" {
		t.Skip("load runs are part of make bench (EARSIM_LOAD=1)")
	}
	d := 3 * time.Second
	var rows []loadResult
	engine := policies.MustDefault()
	open := httptest.NewServer(mustServer(t, atlasapi.Options{Seed: 1, Checker: engine, NoAuth: true}))
	defer open.Close()
	authed := httptest.NewServer(mustServer(t, atlasapi.Options{Seed: 1, Checker: engine}))
	defer authed.Close()
	for _, clients := range []int{1, 16, 64} {
		c := plain{transport(clients)}
		rows = append(rows, load("earsim GET encryptionAtRest, no auth", clients, d, func(int, int) error { return get(c, open.URL+earPath) }))
		nc := &nonceClient{c: transport(clients), key: atlasapi.DevKey}
		rows = append(rows, load("earsim GET encryptionAtRest, digest (nonce reused)", clients, d, func(int, int) error { return get(nc, authed.URL+earPath) }))
		dc, _ := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey).Client()
		dc.Transport.(*digest.Transport).Transport = transport(clients).Transport
		rows = append(rows, load("earsim GET encryptionAtRest, digest (challenge per request)", clients, d, func(int, int) error { return get(plain{dc}, authed.URL+earPath) }))
	}
	// Create+delete cycles (three policy-checked writes each): each client
	// owns a (project, region); a cycle is POST, advance past provisioning
	// (control route), DELETE. With the policies as earsim serve asks them
	// (policies.Service, its memos ready), with the Engine evaluating every
	// rule, and with the allow-all hook, in the same run.
	service := policies.NewService(engine)
	if err := service.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, clients := range []int{1, 16, 64} {
		for _, hook := range []struct {
			name    string
			checker sim.Checker
		}{{"policies.Service", service}, {"Engine", engine}, {"allow-all", sim.AllowAll{}}} {
			srv := httptest.NewServer(mustServer(t, atlasapi.Options{Seed: 1, Checker: hook.checker, NoAuth: true}))
			projects := []string{group, newProject(t, srv.URL, "second")}
			for _, p := range projects {
				enableOpen(t, srv.URL, p)
			}
			c := transport(clients)
			rows = append(rows, load("earsim endpoint create+advance+delete cycles, no auth, "+hook.name, clients, d, func(client, i int) error {
				return cycle(c, srv.URL, projects[client/len(regions32)], regions32[client%len(regions32)])
			}))
			srv.Close()
		}
	}
	if url := os.Getenv("PRISM_URL"); url != "" {
		for _, clients := range []int{1, 16, 64} {
			c := plain{transport(clients)}
			rows = append(rows, load("Prism GET encryptionAtRest (stateless)", clients, d, func(int, int) error { return get(c, url+earPath) }))
		}
	}
	fmt.Println("| run | clients | requests | req/s | p50 ms | p99 ms | errors |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
	if pid := os.Getenv("PRISM_PID"); pid != "" {
		if out, err := exec.Command("ps", "-o", "rss=", "-p", pid).Output(); err == nil {
			fmt.Printf("Prism RSS: %s kB\n", strings.TrimSpace(string(out)))
		}
	}
}

// TestLoadMemory imports a world of 1,000 projects × (5 clusters, 3
// endpoints) into the earsim serve process at EARSIM_SERVE_URL; the load
// script then reads that process's memory.
func TestLoadMemory(t *testing.T) {
	url := os.Getenv("EARSIM_SERVE_URL")
	if os.Getenv("EARSIM_LOAD") == "" || url == "" {
		t.Skip("load runs are part of make bench (EARSIM_LOAD=1, EARSIM_SERVE_URL)")
	}
	st := sim.NewWorld(1)
	rc := func(r string) []sim.ReplicationSpec {
		return []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{{ProviderName: "AZURE", RegionName: r, ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M30", NodeCount: 3}}}}}
	}
	for i := range 1000 {
		id := fmt.Sprintf("%024x", 0x100000+i)
		st.Projects = st.Projects.Append(sim.NewProject(id, "p"+id, sim.DefaultOrgID, 0))
		p := st.Project(id)
		p.Encryption = sim.Presets["example"].Config(st)
		p.Encryption.RequirePrivateNetworking = true
		for j, r := range []string{"US_CENTRAL", "US_EAST_2", "UK_SOUTH"} {
			st.PlaceEndpoint(id, r, sim.StatusActive)
			st.PlaceCluster(id, sim.Cluster{Name: fmt.Sprintf("c%d", j), EncryptionAtRestProvider: "AZURE", ReplicationSpecs: rc(r)})
		}
		st.PlaceCluster(id, sim.Cluster{Name: "c3", ReplicationSpecs: rc("US_CENTRAL")})
		st.PlaceCluster(id, sim.Cluster{Name: "c4", ReplicationSpecs: rc("UK_SOUTH")})
	}
	body := fmt.Sprintf(`{"format":"earsim-state/1","state":%s}`, mustJSON(t, st))
	req, _ := http.NewRequest("PUT", url+"/_sim/v1/state", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("import: %v %v", err, resp)
	}
	resp.Body.Close()
	// Touch every project once, as a client listing them would.
	for i := range 1000 {
		get(plain{http.DefaultClient}, fmt.Sprintf("%s/api/atlas/v2/groups/%024x/encryptionAtRest", url, 0x100000+i))
	}
	fmt.Printf("imported %d bytes of state: 1,000 projects × (5 clusters, 3 endpoints)\n", len(body))
}

func mustServer(t *testing.T, opt atlasapi.Options) *atlasapi.Server {
	s, err := atlasapi.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustJSON(t *testing.T, v any) string {
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newProject(t *testing.T, url, name string) string {
	req, _ := http.NewRequest("POST", url+"/api/atlas/v2/groups", strings.NewReader(`{"name":"`+name+`","orgId":"`+sim.DefaultOrgID+`"}`))
	req.Header.Set("Accept", accept)
	req.Header.Set("Content-Type", "application/json") // writes are JSON (the browser guard)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("create project: %v %v", err, resp)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return between(string(b), `"id":"`, `"`)
}

func enableOpen(t *testing.T, url, project string) {
	p := sim.Presets["example"]
	body := fmt.Sprintf(`{"azureKeyVault":{"azureEnvironment":"AZURE","clientID":%q,"tenantID":%q,"secret":%q,"subscriptionID":%q,"resourceGroupName":%q,"keyVaultName":%q,"keyIdentifier":%q,"enabled":true,"requirePrivateNetworking":true}}`,
		p.ClientID, p.TenantID, p.Secret, p.SubscriptionID, p.ResourceGroupName, p.KeyVaultName, p.KeyIdentifier)
	req, _ := http.NewRequest("PATCH", url+"/api/atlas/v2/groups/"+project+"/encryptionAtRest", strings.NewReader(body))
	req.Header.Set("Accept", accept)
	req.Header.Set("Content-Type", "application/json") // writes are JSON (the browser guard)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("enable: %v %v", err, resp)
	}
	resp.Body.Close()
}

// cycle creates an endpoint, advances past provisioning and deletes it.
func cycle(c *http.Client, url, project, region string) error {
	eps := "/api/atlas/v2/groups/" + project + "/encryptionAtRest/AZURE/privateEndpoints"
	send := func(method, path, body string, want int) (string, error) {
		return send(c, url, method, path, body, want)
	}
	out, err := send("POST", eps, `{"regionName":"`+region+`"}`, 202)
	if err != nil {
		return err
	}
	if _, err := send("POST", "/_sim/v1/clock/advance", `{"seconds":60}`, 200); err != nil {
		return err
	}
	_, err = send("DELETE", eps+"/"+between(out, `"id":"`, `"`), "", 204)
	return err
}

// TestLoadTargets: the serve targets of issue 24 (EARSIM_LOAD=1; in
// scripts/load.sh), over loopback to an in-process server without
// authentication, every request timed on its own:
//
//   - writes: 16 clients, each on a project of its own (16 projects with
//     CMK and private networking required), each repeating POST an endpoint,
//     POST /_sim/v1/clock/advance 60 s, DELETE the endpoint: three writes
//     the policies are asked about (the admission of the POST and DELETE,
//     the timers the advance fires and the inspection after each), with
//     policies.Service as serve asks it and with the allow-all hook in the
//     same run (target ≥ 5,000 writes/s, p99 ≤ 10 ms);
//   - mixed: 64 clients, 4 on each of the 16 projects, each repeating the
//     mix of BenchmarkRepeatedLoad (POST an endpoint, list, GET the
//     project, GET the configuration, advance 60 s (past provisioning), DELETE), three runs on
//     one server, p99 and the live heap after each (target p99 ≤ 50 ms,
//     memory flat; EARSIM_LOAD_RUNS sets the number of runs,
//     EARSIM_LOAD_HEAPPROFILE a directory for a heap profile after each).
func TestLoadTargets(t *testing.T) {
	if os.Getenv("EARSIM_LOAD") == "" {
		t.Skip("load runs are part of make bench (EARSIM_LOAD=1)")
	}
	service := policies.NewService(policies.MustDefault())
	if err := service.Wait(); err != nil {
		t.Fatal(err)
	}
	start := func(c sim.Checker) (*httptest.Server, []string) {
		srv := httptest.NewServer(mustServer(t, atlasapi.Options{Seed: 1, Checker: c, NoAuth: true}))
		projects := []string{group}
		for i := 1; i < 16; i++ {
			projects = append(projects, newProject(t, srv.URL, fmt.Sprintf("load-%d", i)))
		}
		for _, p := range projects {
			enableOpen(t, srv.URL, p)
		}
		return srv, projects
	}
	d := 3 * time.Second
	fmt.Println("| run | clients | requests | req/s | p50 ms | p99 ms | errors |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, hook := range []struct {
		name    string
		checker sim.Checker
	}{{"policies.Service", service}, {"allow-all", sim.AllowAll{}}} {
		srv, projects := start(hook.checker)
		c := transport(16)
		ids := make([]string, 16)
		fmt.Println(load("writes (POST endpoint, advance 60 s, DELETE), 16 projects, "+hook.name, 16, d, func(client, i int) error {
			eps := "/api/atlas/v2/groups/" + projects[client] + "/encryptionAtRest/AZURE/privateEndpoints"
			switch i % 3 {
			case 0:
				out, err := send(c, srv.URL, "POST", eps, `{"regionName":"`+regions32[client]+`"}`, 202)
				ids[client] = between(out, `"id":"`, `"`)
				return err
			case 1:
				_, err := send(c, srv.URL, "POST", "/_sim/v1/clock/advance", `{"seconds":60}`, 200)
				return err
			default:
				_, err := send(c, srv.URL, "DELETE", eps+"/"+ids[client], "", 204)
				return err
			}
		}))
		srv.Close()
	}
	// Writes at a still clock, prepared beside each other and with one
	// lock (the tree before) in the same run: PATCH the configuration,
	// private networking required and not in turn (no endpoints).
	for _, oneLock := range []bool{false, true} {
		server := mustServer(t, atlasapi.Options{Seed: 1, Checker: service, NoAuth: true})
		name := "prepared beside each other"
		if oneLock {
			atlasapi.OneLock(server)
			name = "one lock"
		}
		srv := httptest.NewServer(server)
		projects := []string{group}
		for i := 1; i < 16; i++ {
			projects = append(projects, newProject(t, srv.URL, fmt.Sprintf("still-%d", i)))
		}
		for _, p := range projects {
			enableOpen(t, srv.URL, p)
		}
		c := transport(16)
		fmt.Println(load("writes at a still clock (PATCH requirePrivateNetworking on/off), 16 projects, policies.Service, "+name, 16, d, func(client, i int) error {
			_, err := send(c, srv.URL, "PATCH", "/api/atlas/v2/groups/"+projects[client]+"/encryptionAtRest",
				fmt.Sprintf(`{"azureKeyVault":{"requirePrivateNetworking":%t}}`, i%2 == 1), 200)
			return err
		}))
		if !oneLock {
			fmt.Printf("(prepared steps run again at commit: %d)\n", atlasapi.Reruns(server))
		}
		srv.Close()
	}
	srv, projects := start(service)
	defer srv.Close()
	c := transport(64)
	ids, next := make([]string, 64), make([]int, 64) // a client's mix goes on where the last run left it
	runs := 3
	if n, err := strconv.Atoi(os.Getenv("EARSIM_LOAD_RUNS")); err == nil && n > 0 {
		runs = n // more runs, to see where the bounded stores level off
	}
	for run := 1; run <= runs; run++ {
		r := load(fmt.Sprintf("mixed, 16 projects, policies.Service, run %d", run), 64, d, func(client, _ int) error {
			i := next[client]
			next[client]++
			eps := "/api/atlas/v2/groups/" + projects[client/4] + "/encryptionAtRest/AZURE/privateEndpoints"
			var err error
			switch i % 6 {
			case 0:
				var out string
				out, err = send(c, srv.URL, "POST", eps, `{"regionName":"`+regions32[client%4]+`"}`, 202)
				ids[client] = between(out, `"id":"`, `"`)
			case 1:
				_, err = send(c, srv.URL, "GET", eps, "", 200)
			case 2:
				_, err = send(c, srv.URL, "GET", "/api/atlas/v2/groups/"+projects[client/4], "", 200)
			case 3:
				_, err = send(c, srv.URL, "GET", "/api/atlas/v2/groups/"+projects[client/4]+"/encryptionAtRest", "", 200)
			case 4:
				_, err = send(c, srv.URL, "POST", "/_sim/v1/clock/advance", `{"seconds":60}`, 200)
			default:
				_, err = send(c, srv.URL, "DELETE", eps+"/"+ids[client], "", 204)
			}
			return err
		})
		heap := atlasapi.LiveHeapMB()
		journal, _ := send(c, srv.URL, "GET", "/_sim/v1/effects?since=1000000000", "", 200)
		fmt.Printf("%s live heap %.1f MB | journal %s entries |\n", r, heap, between(journal, `"next":`, `}`))
		if dir := os.Getenv("EARSIM_LOAD_HEAPPROFILE"); dir != "" { // for go tool pprof -diff_base
			f, err := os.Create(fmt.Sprintf("%s/heap-run%d.pprof", dir, run))
			if err != nil {
				t.Fatal(err)
			}
			if err := pprof.WriteHeapProfile(f); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
}

// send sends one request and wants the given status.
func send(c *http.Client, url, method, path, body string, want int) (string, error) {
	req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
	req.Header.Set("Accept", accept)
	req.Header.Set("Content-Type", "application/json") // writes are JSON (the browser guard)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return "", fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return string(b), nil
}
