package atlasapi_test

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
	"github.com/mongodb-forks/digest"
)

// BenchmarkHeapAgainstKeys: the live heap of a mock after N key versions
// are created one after another on the Azure side (each changes the Azure
// document every policy decision reads), against N: linear, where caches
// bounded by entry count made it quadratic (issue 13). make bench runs it
// once and BENCHMARKS.md records the figures.
func BenchmarkHeapAgainstKeys(b *testing.B) {
	for b.Loop() {
		s := newServer(&testing.T{}, atlasapi.Options{Seed: 1})
		done := 0
		for _, n := range []int{250, 500, 1000, 2000, 3000} {
			for ; done < n; done++ {
				id := fmt.Sprintf("https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/%032x", done+1)
				if a := s.control("POST", "azure/keys", map[string]any{"keyIdentifier": id, "enabled": true}); a.Status != 200 {
					b.Fatalf("key %d: %d %s", done, a.Status, a.Raw)
				}
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), fmt.Sprintf("heap-MB@%dkeys", n))
		}
	}
}

// rssMB is the process's resident set (VmRSS), in MB: what the machine
// gives it, garbage and the collector's headroom included. It never
// shrinks, so each world dimension is measured in a process of its own
// (make bench runs them one by one).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkHeapAgainstWorld: the live heap of a mock against the size of
// its world, to 10,000 projects, key versions, snapshots (of one cluster)
// and endpoints (32 regions in each of 313 projects). At each size the
// world is imported (PUT /_sim/v1/state: a decision reads a project's whole
// snapshot list, so growing 10,000 one request at a time would measure
// time, not memory) and then grown by 100 more through the API, each a
// policy decision on a new document for the caches to keep. Linear growth
// shows as a flat KB per item between sizes (issue 13). make bench runs it
// once; BENCHMARKS.md records the figures.
func BenchmarkHeapAgainstWorld(b *testing.B) {
	sizes := []int{1000, 2500, 5000, 10000}
	const viaAPI = 100
	lastGroup := "" // the project the endpoints added through the API go to
	id := func(i int) string { return fmt.Sprintf("%024x", 0x700000+i) }
	enableBody := func() map[string]any {
		pr := sim.Presets["example"]
		return map[string]any{"azureKeyVault": map[string]any{
			"azureEnvironment": pr.AzureEnvironment, "clientID": pr.ClientID, "tenantID": pr.TenantID, "secret": pr.Secret,
			"subscriptionID": pr.SubscriptionID, "resourceGroupName": pr.ResourceGroupName, "keyVaultName": pr.KeyVaultName,
			"keyIdentifier": pr.KeyIdentifier, "enabled": true, "requirePrivateNetworking": true}}
	}
	cluster := sim.Cluster{Name: "c", BackupEnabled: true, ReplicationSpecs: []sim.ReplicationSpec{{RegionConfigs: []sim.RegionConfig{{
		ProviderName: "AZURE", RegionName: "US_EAST_2", Priority: 7, ElectableSpecs: &sim.HardwareSpec{InstanceSize: "M10", NodeCount: 3}}}}}}
	for _, dim := range []struct {
		name  string
		build func(st *sim.State, n int) // a world of n items
		add   func(s *testServer, n, i int) answer
	}{
		{"projects", func(st *sim.State, n int) {
			for i := range n {
				st.Projects = st.Projects.Append(sim.NewProject(id(i), "p"+id(i), sim.DefaultOrgID, 0))
			}
		}, func(s *testServer, n, i int) answer {
			return s.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": fmt.Sprintf("api%d-%d", n, i), "orgId": sim.DefaultOrgID})
		}},
		{"keys", func(st *sim.State, n int) {
			for i := range n {
				v := fmt.Sprintf("%032x", i+1)
				st.Azure.Keys = append(st.Azure.Keys, sim.Key{Identifier: "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/" + v,
					Vault: "EXAMPLEKeyVault", Name: "EXAMPLEKey", Version: v, Enabled: true, AccessGranted: true})
			}
		}, func(s *testServer, n, i int) answer {
			k := fmt.Sprintf("https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/%032x", 0xf00000+n+i)
			return s.control("POST", "azure/keys", map[string]any{"keyIdentifier": k, "enabled": true})
		}},
		{"snapshots", func(st *sim.State, n int) {
			st.PlaceCluster(sim.DefaultProjectID, cluster)
			p := st.Project(sim.DefaultProjectID)
			for i := range n {
				p.Snapshots = append(p.Snapshots, sim.Snapshot{ID: id(i), ClusterName: "c", Description: fmt.Sprint(i), RetentionInDays: 1})
			}
		}, func(s *testServer, n, i int) answer {
			return s.do("POST", "/api/atlas/v2/groups/"+sim.DefaultProjectID+"/clusters/c/backup/snapshots", accept, map[string]any{"description": fmt.Sprint(i), "retentionInDays": 1})
		}},
		{"endpoints", func(st *sim.State, n int) {
			for i := 0; i < n; i += len(regions32) {
				st.Projects = st.Projects.Append(sim.NewProject(id(i), "e"+id(i), sim.DefaultOrgID, 0))
				p := st.Project(id(i))
				p.Encryption = sim.Presets["example"].Config(st)
				p.Encryption.RequirePrivateNetworking = true
				for j := i; j < min(n, i+len(regions32)); j++ {
					st.PlaceEndpoint(id(i), regions32[j-i], sim.StatusActive)
				}
			}
		}, func(s *testServer, n, i int) answer {
			g := fmt.Sprintf("%024x", 0xe00000+n+i/len(regions32))
			if i%len(regions32) == 0 {
				p := s.do("POST", "/api/atlas/v2/groups", accept, map[string]any{"name": "api-" + g, "orgId": sim.DefaultOrgID})
				if p.Status != 200 {
					return p
				}
				lastGroup = p.Body["id"].(string)
				if a := s.do("PATCH", "/api/atlas/v2/groups/"+lastGroup+"/encryptionAtRest", accept, enableBody()); a.Status != 200 {
					return a
				}
			}
			return s.do("POST", "/api/atlas/v2/groups/"+lastGroup+"/encryptionAtRest/AZURE/privateEndpoints", accept, map[string]any{"regionName": regions32[i%len(regions32)]})
		}},
	} {
		b.Run(dim.name, func(b *testing.B) {
			for b.Loop() {
				engine, err := policies.New() // caches of its own, empty
				if err != nil {
					b.Fatal(err)
				}
				s := newServer(&testing.T{}, atlasapi.Options{Seed: 1, Checker: engine})
				prevN, prevHeap := 0, atlasapi.LiveHeapMB()
				b.ReportMetric(prevHeap, "heap-MB@0")
				for _, n := range sizes {
					st := sim.NewWorld(1)
					dim.build(st, n)
					if a := s.control("PUT", "state", map[string]any{"format": "earsim-state/1", "state": st}); a.Status != 200 {
						b.Fatalf("import of %d %s: %d %.300s", n, dim.name, a.Status, a.Raw)
					}
					for i := range viaAPI {
						if a := dim.add(s, n, i); a.Status >= 300 {
							b.Fatalf("%s: item %d after %d: %d %s", dim.name, i, n, a.Status, a.Raw)
						}
					}
					heap := atlasapi.LiveHeapMB()
					b.ReportMetric(heap, fmt.Sprintf("heap-MB@%d", n))
					b.ReportMetric(rssMB(), fmt.Sprintf("rss-MB@%d", n))
					// The cost of one more item between this size and the last.
					b.ReportMetric((heap-prevHeap)*1024/float64(n-prevN), fmt.Sprintf("KB/item@%d-%d", prevN, n))
					prevN, prevHeap = n, heap
				}
				s.http.Close()
			}
		})
	}
}

// BenchmarkRepeatedLoad: the same mixed load (per client: create an
// endpoint, list, read the project and the configuration, advance the
// clock, delete the endpoint) run three times on one mock by 16 clients;
// the live heap and the p99 latency after each run must stay flat: caches
// bounded by bytes keep no more for having served more (issue 13).
func BenchmarkRepeatedLoad(b *testing.B) {
	for b.Loop() {
		s := newServer(&testing.T{}, atlasapi.Options{Seed: 1})
		s.enable(false)
		for run := 1; run <= 3; run++ {
			lat := make([][]time.Duration, 16)
			var wg sync.WaitGroup
			for g := range lat {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					c := &http.Client{Transport: digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey)}
					for i := 0; i < 60; i++ {
						t0 := time.Now()
						var a answer
						switch i % 6 {
						case 0:
							a = s.with(c, "POST", endpoints, accept, map[string]any{"regionName": regions32[g]})
						case 1:
							a = s.with(c, "GET", endpoints, accept, nil)
						case 2:
							a = s.with(c, "GET", "/api/atlas/v2/groups/"+sim.DefaultProjectID, accept, nil)
						case 3:
							a = s.with(c, "GET", earPath, accept, nil)
						case 4:
							a = s.control("POST", "clock/advance", map[string]any{"seconds": 30})
						case 5:
							list := s.with(c, "GET", endpoints, accept, nil)
							for _, r := range list.Body["results"].([]any) {
								e := r.(map[string]any)
								if e["regionName"] == regions32[g] && e["status"] != "DELETING" {
									a = s.with(c, "DELETE", endpoints+"/"+e["id"].(string), accept, nil)
								}
							}
						}
						if a.Status >= 500 {
							b.Errorf("run %d client %d: %d %s", run, g, a.Status, a.Raw)
							return
						}
						lat[g] = append(lat[g], time.Since(t0))
					}
				}(g)
			}
			wg.Wait()
			var all []time.Duration
			for _, l := range lat {
				all = append(all, l...)
			}
			slices.Sort(all)
			b.ReportMetric(atlasapi.LiveHeapMB(), fmt.Sprintf("heap-MB@run%d", run))
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, fmt.Sprintf("p99-ms@run%d", run))
		}
	}
}
