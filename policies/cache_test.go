package policies

import (
	"fmt"
	"testing"

	"github.com/earsim/earsim/sim"
)

// The Engine's caches are bounded by the estimated bytes they hold, not by
// a count of entries (issue 13): documents that grow (an Azure document
// with one more key each step) are evicted oldest first, and what stays
// never exceeds the budget.
func TestCachesAreBoundedByBytes(t *testing.T) {
	c := &docCache{m: map[uintptr]cachedDoc{}, limit: 1 << 20}
	var kept []map[string]any // the caller holds its documents, as the simulator does
	for i := range 2000 {
		keys := make([]any, i)
		for j := range keys {
			keys[j] = map[string]any{"keyIdentifier": fmt.Sprintf("https://v.vault.azure.net/keys/k/%032d", j), "enabled": true}
		}
		doc := map[string]any{"keys": keys}
		kept = append(kept, doc)
		if _, err := c.value(doc); err != nil {
			t.Fatal(err)
		}
		if c.bytes > c.limit {
			t.Fatalf("after %d documents the cache holds %d bytes, over its %d", i+1, c.bytes, c.limit)
		}
	}
	if len(c.m) == 0 || len(c.m) != len(c.order) {
		t.Fatalf("cache entries %d, order %d", len(c.m), len(c.order))
	}
	last := kept[len(kept)-1]
	if docSize(last) < 1<<17 {
		t.Fatalf("the last document is only %d bytes: the test does not reach the budget", docSize(last))
	}
	m := &identityMemo[sim.Decision]{m: map[memoKey]memoEntry[sim.Decision]{}, limit: 1 << 20}
	for i, doc := range kept {
		in := sim.Input{"op": "CreateKey", "project": doc, "azure": doc}
		k, _ := m.key(in, false)
		m.put(k, in, sim.Decision{})
		if m.bytes > m.limit {
			t.Fatalf("after %d decisions the memo holds %d bytes, over its %d", i+1, m.bytes, m.limit)
		}
	}
}
