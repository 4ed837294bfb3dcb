package atlasapi_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/earsim/earsim/atlasapi"
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
