package policies

import (
	"fmt"
	"testing"

	"github.com/earsim/earsim/sim"
)

// The Engine's caches are bounded by the estimated bytes they hold, not by
// a count of entries (issue 13): documents that grow (an Azure document
// with one more key each step) are forgotten oldest first, and what stays
// never exceeds the budget.
func TestCachesAreBoundedByBytes(t *testing.T) {
	const limit = 1 << 20
	c := newDocCache(limit)
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
		if n := c.m.held(); n > limit {
			t.Fatalf("after %d documents the cache holds %d bytes, over its %d", i+1, n, limit)
		}
	}
	if len(c.m.cur) == 0 {
		t.Fatal("the cache holds nothing at the end")
	}
	last := kept[len(kept)-1]
	if docSize(last) < 1<<17 {
		t.Fatalf("the last document is only %d bytes: the test does not reach the budget", docSize(last))
	}
	m := newIdentityMemo[sim.Decision](limit)
	for i, doc := range kept {
		in := sim.Input{"op": "CreateKey", "project": doc, "azure": doc}
		k, _ := m.key(in, false)
		m.put(k, in, sim.Decision{})
		if n := m.m.held(); n > limit {
			t.Fatalf("after %d decisions the memo holds %d bytes, over its %d", i+1, n, limit)
		}
	}
}
