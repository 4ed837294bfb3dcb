package policies

import "sync"

// bounded is a map of remembered values within a bound: entries, and with
// limit set the estimated bytes of what it holds. It keeps two generations,
// each within half the bound: when the current one is full it becomes the
// old one (the older is forgotten), and a value found in the old one moves
// to the current one, so that what is still asked for survives and a full
// map never forgets everything at once. Safe for concurrent use.
type bounded[K comparable, V any] struct {
	mu       sync.Mutex
	cur, old map[K]sized[V]
	bytes    int64 // held by cur
	oldBytes int64
	entries  int
	limit    int64 // 0: entries only
	// shared documents each generation holds, with their sizes: counted
	// once per generation however many of its entries hold them
	curShared, oldShared map[uintptr]int64
}

type sized[V any] struct {
	v      V
	size   int64
	shared uintptr // a document other entries may hold too (0: none)
}

func (b *bounded[K, V]) get(k K) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.cur[k]; ok {
		return e.v, true
	}
	e, ok := b.old[k]
	if ok {
		delete(b.old, k)
		b.oldBytes -= e.size
		b.add(k, e, b.oldShared[e.shared])
	}
	return e.v, ok
}

// put remembers v, of the given estimated size, under k.
func (b *bounded[K, V]) put(k K, v V, size int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.add(k, sized[V]{v: v, size: size}, 0)
}

// putShared is put for an entry that also holds a document other entries
// may hold (the Azure side, which every project's question reads): its
// sharedSize is counted once in each generation that holds it, not once
// per entry; sharedSize is asked for only when the generation does not
// hold the document yet.
func (b *bounded[K, V]) putShared(k K, v V, size int64, shared uintptr, sharedSize func() int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, ok := b.curShared[shared]
	if !ok && shared != 0 {
		n = sharedSize()
	}
	b.add(k, sized[V]{v: v, size: size, shared: shared}, n)
}

func (b *bounded[K, V]) add(k K, e sized[V], sharedSize int64) {
	if _, held := b.curShared[e.shared]; held || e.shared == 0 {
		sharedSize = 0
	}
	if b.limit > 0 && e.size+sharedSize > b.limit/2 {
		return
	}
	if _, ok := b.cur[k]; ok {
		return
	}
	if e, ok := b.old[k]; ok { // moves, rather than held twice
		delete(b.old, k)
		b.oldBytes -= e.size
	}
	if b.cur == nil || len(b.cur) >= b.entries/2 || b.limit > 0 && b.bytes+e.size+sharedSize > b.limit/2 {
		b.old, b.oldBytes, b.oldShared = b.cur, b.bytes, b.curShared
		b.cur, b.bytes, b.curShared = map[K]sized[V]{}, 0, nil
		if e.shared != 0 && sharedSize == 0 {
			sharedSize = b.oldShared[e.shared] // held by the old generation only now
		}
	}
	if e.shared != 0 {
		if _, held := b.curShared[e.shared]; !held {
			if b.curShared == nil {
				b.curShared = map[uintptr]int64{}
			}
			b.curShared[e.shared] = sharedSize
			b.bytes += sharedSize
		}
	}
	b.cur[k] = e
	b.bytes += e.size
}

// held is the estimated bytes the map holds.
func (b *bounded[K, V]) held() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bytes + b.oldBytes
}
