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

// A document many entries share (the Azure side, read by every project's
// questions) counts once per generation: sized once, not for every entry,
// and the entries that share it are not forgotten for its size. The bound
// still holds when each entry brings a document of its own.
func TestSharedDocumentsCountOncePerGeneration(t *testing.T) {
	const limit = 1 << 20
	b := bounded[int, int]{entries: 1 << 30, limit: limit}
	sized := 0
	shared := func() int64 { sized++; return limit / 4 }
	for i := range 1000 {
		b.putShared(i, i, 100, 1, shared)
	}
	if sized != 1 {
		t.Fatalf("the shared document was sized %d times, want once", sized)
	}
	if got, want := b.held(), int64(limit/4+1000*100); got != want {
		t.Fatalf("held %d bytes, want %d (the shared document once, and the entries)", got, want)
	}
	for i := range 1000 {
		if _, ok := b.get(i); !ok {
			t.Fatalf("entry %d forgotten", i)
		}
	}
	for i := range 1000 { // each with a document of its own: forgotten as the bound says
		b.putShared(2000+i, i, 100, uintptr(10+i), func() int64 { return limit / 8 })
		if n := b.held(); n > limit {
			t.Fatalf("after %d entries the map holds %d bytes, over its %d", i+1, n, limit)
		}
	}
}
