package atlasapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// BenchmarkWorldSize: the server CPU one request costs in a world of 1
// project against one of 10,000 (issue 24: within 1.5×). Every project has
// CMK (the seed's example key), private networking required, an ACTIVE
// endpoint and a CMK cluster, as in the measure; the
// world is built through the simulator (sim.NewMachine, as an import does),
// and requests go to the handler in process, without the network or
// authentication. At --time-scale 1 the fake wall clock moves one second
// before every request, so each catches the world up. Kinds:
//
//   - get: GET the first project's encryption configuration;
//   - endpoint: a cycle on the first project of POST an endpoint, the
//     clock 61 s on, DELETE it, the clock 61 s on (at scale 0 by the
//     control route, a request; at scale 1 by the wall clock);
//   - endpoint-saved: the same with a state file (serve --state);
//   - project: POST a project, DELETE it.
//
// Reported: cpu-µs/req, the process's CPU time (user and system, from
// getrusage) over the requests, divided by their number.
//
// Each size has an engine of its own: the rule memo is the engine's, and a
// world of the same first project measured after another would find its
// answers remembered (the 10,000-project cycle read 4× cheaper than the
// 1-project one measured just before it).
func BenchmarkWorldSize(b *testing.B) {
	for _, kind := range []string{"get", "endpoint", "endpoint-saved", "project"} {
		for _, scale := range []float64{0, 1} {
			for _, n := range []int{1, 10000} {
				b.Run(fmt.Sprintf("%s/scale=%g/projects=%d", kind, scale, n), func(b *testing.B) {
					engine, err := policies.New()
					if err != nil {
						b.Fatal(err)
					}
					w := newSizedWorld(b, engine, n, scale)
					if kind == "endpoint-saved" { // serve --state FILE: every change saved before its answer
						w.s.opt.StatePath = b.TempDir() + "/world.json"
						if w.s.store, err = openStore(w.s.opt.StatePath, w.s.m.State()); err != nil {
							b.Fatal(err)
						}
					}
					// warm: the rule memo prepared, the first answers remembered
					for range 3 {
						w.run(b, kind)
					}
					runtime.GC() // the world's building collected before, not during
					reqs := 0
					cpu := cpuTime()
					b.ResetTimer()
					for b.Loop() {
						reqs += w.run(b, kind)
					}
					b.StopTimer()
					b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(reqs), "cpu-µs/req")
				})
			}
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type sizedWorld struct {
	s     *Server
	now   time.Time
	scale float64
	group string
}

func newSizedWorld(b *testing.B, engine *policies.Engine, n int, scale float64) *sizedWorld {
	b.Helper()
	w := &sizedWorld{now: time.Unix(1_800_000_000, 0), scale: scale}
	s, err := New(Options{Seed: 1, Checker: policies.NewService(engine), NoAuth: true, TimeScale: scale, Now: func() time.Time { return w.now }})
	if err != nil {
		b.Fatal(err)
	}
	if err := policies.NewService(engine).Wait(); err != nil {
		b.Fatal(err)
	}
	st := cmkWorld(b, n, func(st *sim.State, p *sim.Project, _ int) error {
		p.Encryption.RequirePrivateNetworking = true
		if _, err := st.PlaceEndpoint(p.ID, "US_EAST_2", sim.StatusActive); err != nil {
			return err
		}
		return st.PlaceCluster(p.ID, sim.Cluster{Name: "c", EncryptionAtRestProvider: "AZURE", ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{{
			ProviderName: "AZURE", RegionName: "US_EAST_2", Priority: 7, ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M10", NodeCount: 3}}}}}})
	})
	m, err := openWorld(st, s.checker)
	if err != nil {
		b.Fatal(err)
	}
	s.mu.Lock()
	s.m = m
	s.clock.rebase(m.State().Now, w.now)
	s.mu.Unlock()
	w.s, w.group = s, st.Projects.At(0).ID
	return w
}

// do sends one request to the handler; the clock moves a second first at
// scale 1.
func (w *sizedWorld) do(b *testing.B, method, path string, body any) map[string]any {
	if w.scale > 0 {
		w.now = w.now.Add(time.Second)
	}
	var rd *strings.Reader
	if raw, ok := body.([]byte); ok {
		rd = strings.NewReader(string(raw))
	} else if body != nil {
		data, _ := json.Marshal(body)
		rd = strings.NewReader(string(data))
	} else {
		rd = strings.NewReader("")
	}
	r := httptest.NewRequest(method, "http://localhost"+path, rd)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("Accept", "application/vnd.atlas.2023-01-01+json")
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	w.s.ServeHTTP(rec, r)
	if rec.Code >= 300 {
		b.Fatalf("%s %s: %d %.300s", method, path, rec.Code, rec.Body.String())
	}
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return out
}

func (w *sizedWorld) advance(b *testing.B, seconds int) int {
	if w.scale > 0 {
		w.now = w.now.Add(time.Duration(seconds) * time.Second)
		return 0
	}
	w.do(b, http.MethodPost, "/_sim/v1/clock/advance", map[string]any{"seconds": seconds})
	return 1
}

// run sends one unit of kind and returns how many requests it took.
func (w *sizedWorld) run(b *testing.B, kind string) int {
	base := "/api/atlas/v2/groups/" + w.group + "/encryptionAtRest"
	switch kind {
	case "get":
		w.do(b, http.MethodGet, base, nil)
		return 1
	case "project": // a project created and deleted
		p := w.do(b, http.MethodPost, "/api/atlas/v2/groups", map[string]any{"name": "pair", "orgId": sim.DefaultOrgID})
		id, _ := p["id"].(string)
		w.do(b, http.MethodDelete, "/api/atlas/v2/groups/"+id, nil)
		return 2
	}
	ep := w.do(b, http.MethodPost, base+"/AZURE/privateEndpoints", map[string]any{"regionName": "EUROPE_NORTH"})
	id, _ := ep["id"].(string)
	n := 1 + w.advance(b, 61)
	w.do(b, http.MethodDelete, base+"/AZURE/privateEndpoints/"+id, nil)
	return n + 1 + w.advance(b, 61)
}

// BenchmarkImportExport: PUT /_sim/v1/state of the 10,000-project world of
// BenchmarkWorldSize, then GET it back, through the handler in process;
// reports the seconds of each and the live heap after (issue 24: such an
// import was applied and never answered).
func BenchmarkImportExport(b *testing.B) {
	engine := policies.MustDefault()
	w := newSizedWorld(b, engine, 10000, 0)
	w.s.mu.Lock()
	st := w.s.m.State().Clone()
	w.s.mu.Unlock()
	body, err := json.Marshal(map[string]any{"format": "earsim-state/1", "state": st})
	if err != nil {
		b.Fatal(err)
	}
	fresh := newSizedWorld(b, engine, 1, 0)
	for b.Loop() {
		start := time.Now()
		fresh.do(b, http.MethodPut, "/_sim/v1/state", body)
		put := time.Since(start)
		start = time.Now()
		out := fresh.do(b, http.MethodGet, "/_sim/v1/state", nil)
		get := time.Since(start)
		if n := len(out["state"].(map[string]any)["projects"].([]any)); n != 10000 {
			b.Fatalf("exported %d projects", n)
		}
		b.ReportMetric(put.Seconds(), "put-s")
		b.ReportMetric(get.Seconds(), "get-s")
	}
	b.ReportMetric(liveHeapMB(), "heap-MB")
}

// liveHeapMB is the live heap after a collection, in MB (LiveHeapMB to the
// external tests).
func liveHeapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// BenchmarkImportOwnKeys: opening (importing) a world of n projects where
// every project has CMK with a key version of its own, so the Azure side
// holds n keys; seconds per import. Every project's first question looks its
// key up among the Azure side's keys.
func BenchmarkImportOwnKeys(b *testing.B) {
	for _, n := range []int{500, 1000, 2000} {
		b.Run(fmt.Sprintf("projects=%d", n), func(b *testing.B) {
			engine, err := policies.New()
			if err != nil {
				b.Fatal(err)
			}
			service := policies.NewService(engine)
			if err := service.Wait(); err != nil {
				b.Fatal(err)
			}
			st := cmkWorld(b, n, func(st *sim.State, p *sim.Project, i int) error {
				v := fmt.Sprintf("%032x", i+1)
				kid := "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/" + v
				st.Azure.Keys = append(st.Azure.Keys, sim.Key{Identifier: kid, Vault: "EXAMPLEKeyVault", Name: "EXAMPLEKey", Version: v, Enabled: true, AccessGranted: true})
				p.Encryption.KeyIdentifier = kid
				return nil
			})
			for b.Loop() {
				start := time.Now()
				if _, err := openWorld(st, service); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(time.Since(start).Seconds(), "import-s")
			}
		})
	}
}

// cmkWorld is a world of n projects (ids from 0x700000), each with the
// example preset's CMK, then finished by each (its endpoint, cluster, key).
func cmkWorld(b *testing.B, n int, each func(st *sim.State, p *sim.Project, i int) error) *sim.State {
	b.Helper()
	st := sim.NewWorld(1)
	st.Projects = sim.ProjectList{}
	for i := range n {
		id := fmt.Sprintf("%024x", 0x700000+i)
		p := sim.NewProject(id, "p"+id, sim.DefaultOrgID, 0)
		st.Projects = st.Projects.Append(p)
		p.Encryption = sim.Presets["example"].Config(st)
		if err := each(st, p, i); err != nil {
			b.Fatal(err)
		}
	}
	return st
}
