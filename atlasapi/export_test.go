package atlasapi

import (
	"slices"
	"time"
)

// RouteKeys lists the route table's rows as "METHOD pattern", for tests.
func RouteKeys() []string {
	var out []string
	for _, r := range routes {
		out = append(out, r.method+" "+r.pattern)
	}
	return out
}

// RouteVersions are the versions a row answers.
func RouteVersions(key string) []string {
	for _, r := range routes {
		if r.method+" "+r.pattern == key {
			return slices.Clone(r.versions)
		}
	}
	return nil
}

// DefinitionVersions are the versions the generated table lists for an operation.
func DefinitionVersions(key string) []string { return slices.Clone(definition[key].versions) }

// ControlRouteKeys lists the control routes as "METHOD pattern", for tests.
func ControlRouteKeys() []string {
	var out []string
	for _, r := range controlRoutes {
		out = append(out, r.method+" "+r.pattern)
	}
	return out
}

// HoldWorld takes a world's lock, as a long request would, until the
// returned func is called.
func HoldWorld(h *Hub, name string) func() {
	h.mu.Lock()
	w := h.worlds[name]
	h.mu.Unlock()
	w.srv.mu.Lock()
	return w.srv.mu.Unlock
}

// NonceStore is how many nonces a server remembers the counts of.
func NonceStore(s *Server) int {
	s.digest.mu.Lock()
	defer s.digest.mu.Unlock()
	return len(s.digest.counts)
}

// MaxNonces bounds NonceStore.
const MaxNonces = maxNonces

// SetWriteTimeout sets the write timeout of servers started from now on
// and returns a func that puts the old one back.
func SetWriteTimeout(d time.Duration) func() {
	old := writeTimeout
	writeTimeout = d
	return func() { writeTimeout = old }
}

// LimitJournal lowers the effects journal's bound until the returned func
// is called.
func LimitJournal(n int) func() {
	old := maxJournal
	maxJournal = n
	return func() { maxJournal = old }
}

// OneLock makes every write of s run with the world's lock held alone
// throughout, as before writes were prepared beside each other (the load
// runs' same-run baseline).
func OneLock(s *Server) { s.contention.alone = true }

// Reruns is how many prepared steps ran again at commit in s's world.
func Reruns(s *Server) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.Reruns()
}

// FoldAfter sets the least size of a change log before it is folded into
// its state file, and returns a func that puts it back.
func FoldAfter(n int64) func() {
	was := foldAfter
	foldAfter = n
	return func() { foldAfter = was }
}

// LiveHeapMB is the live heap after a collection, in MB.
var LiveHeapMB = liveHeapMB
