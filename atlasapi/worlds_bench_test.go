package atlasapi_test

import (
	"fmt"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// BenchmarkWorlds: one serve holding 1 world and 1,000 worlds of one
// project each (issue 23): the live heap each world takes, and the cost of
// a request (GET of a world's encryption config, in process, without
// authentication) spread over every world, beside the same request in a
// serve of one world, in the same run.
//
//	go test -run '^$' -bench BenchmarkWorlds -benchtime 2000x -count 3 ./atlasapi
func BenchmarkWorlds(b *testing.B) {
	checker := policies.NewService(policies.MustDefault())
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("worlds=%d", n), func(b *testing.B) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			hub, err := atlasapi.NewHub(atlasapi.HubOptions{Options: atlasapi.Options{Seed: 1, Checker: checker, NoAuth: true}})
			if err != nil {
				b.Fatal(err)
			}
			get := func(i int) {
				path := "/api/atlas/v2/groups/" + group + "/encryptionAtRest"
				if i > 0 {
					path = fmt.Sprintf("/w/world-%d", i) + path
				}
				r := httptest.NewRequest("GET", "http://127.0.0.1"+path, nil)
				r.Header.Set("Accept", accept)
				rec := httptest.NewRecorder()
				hub.ServeHTTP(rec, r)
				if rec.Code != 200 {
					b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
			}
			for i := range n {
				get(i) // makes the world on first use
			}
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			perWorld := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
			b.ResetTimer()
			for i := range b.N {
				get(i % n)
			}
			b.ReportMetric(perWorld, "heapB/world") // after ResetTimer, which clears reported metrics
			runtime.KeepAlive(hub)
		})
	}
}
