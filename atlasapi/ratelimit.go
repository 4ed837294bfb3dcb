package atlasapi

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/earsim/earsim/sim"
)

// Rate limits (API.md "Rate limits and an unreliable network"). Atlas
// limits the v2 API with token buckets, one per endpoint set and scope: a
// request takes a token; every refillDurationSeconds, refillRate tokens come
// back, up to capacity; an empty bucket answers 429
// RATE_LIMITED_TOKEN_BUCKET. The RateLimit-Limit and RateLimit-Remaining
// headers say where the caller stands on every answer, Retry-After on a
// 429. Buckets refill in logical time.
//
// --rate-limits off (the default) keeps the buckets and reports them in the
// headers but never refuses; atlas enforces the sets below; FILE takes the
// sets from a YAML file of the same shape (RateLimitFile).

// EndpointSet is one of Atlas's rate-limited endpoint sets.
type EndpointSet struct {
	ID                    string   `yaml:"id" json:"endpointSetId"`
	Name                  string   `yaml:"name" json:"endpointSetName"`
	Scope                 string   `yaml:"scope" json:"scope"` // GROUP, ORGANIZATION, USER or IP
	Capacity              int64    `yaml:"capacity" json:"-"`
	RefillRate            int64    `yaml:"refillRate" json:"-"`
	RefillDurationSeconds int64    `yaml:"refillDurationSeconds" json:"-"`
	Endpoints             []string `yaml:"endpoints" json:"-"` // "METHOD /api/atlas/v2/..." templates; none: every route no other set names
}

// RateLimitFile is the shape of a --rate-limits FILE.
type RateLimitFile struct {
	EndpointSets []EndpointSet `yaml:"endpointSets"`
}

// AtlasEndpointSets are the endpoint sets earsim enforces with
// --rate-limits atlas, for the routes it serves. Atlas publishes the scheme
// and one sample (GET /orgs: capacity 10, 5 per 60 seconds) but no table of
// sets: the rest are values seen in Atlas's own 429 answers, or a modelling
// decision where none was seen (docs/MODEL.md, "Rate limits", says which).
// A live organization's own are at GET /api/atlas/v2/rateLimits.
var AtlasEndpointSets = []EndpointSet{
	{ID: "organizations_user", Name: "Organizations", Scope: "USER", Capacity: 10, RefillRate: 5, RefillDurationSeconds: 60,
		Endpoints: []string{"GET " + v2 + "/orgs"}},
	{ID: "projects_user", Name: "Projects", Scope: "USER", Capacity: 1200, RefillRate: 500, RefillDurationSeconds: 60,
		Endpoints: []string{"GET " + v2 + "/groups", "POST " + v2 + "/groups", "GET " + v2 + "/groups/byName/{groupName}"}},
	{ID: "clusters_group", Name: "Clusters", Scope: "GROUP", Capacity: 10000, RefillRate: 5000, RefillDurationSeconds: 60,
		Endpoints: []string{
			"POST " + v2 + "/groups/{groupId}/clusters", "GET " + v2 + "/groups/{groupId}/clusters",
			"GET " + v2 + "/groups/{groupId}/clusters/{clusterName}", "PATCH " + v2 + "/groups/{groupId}/clusters/{clusterName}",
			"DELETE " + v2 + "/groups/{groupId}/clusters/{clusterName}",
		}},
	{ID: "rateLimitsInspection_group", Name: "Rate Limits Inspection", Scope: "GROUP", Capacity: 10, RefillRate: 5, RefillDurationSeconds: 60,
		Endpoints: []string{"GET " + v2 + "/rateLimits", "GET " + v2 + "/rateLimits/{endpointSetId}"}},
	{ID: "projectResources_group", Name: "Project resources", Scope: "GROUP", Capacity: 100, RefillRate: 100, RefillDurationSeconds: 60},
}

// ParseRateLimits reads a --rate-limits FILE's contents; errors name the
// file and line.
func ParseRateLimits(path string, data []byte) ([]EndpointSet, error) {
	var doc struct {
		EndpointSets []yaml.Node `yaml:"endpointSets"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(doc.EndpointSets) == 0 {
		return nil, fmt.Errorf("%s: no endpointSets (want endpointSets: [{id, scope, capacity, refillRate, refillDurationSeconds, endpoints}])", path)
	}
	var sets []EndpointSet
	seen := map[string]bool{}
	rest := 0
	for _, n := range doc.EndpointSets {
		var e EndpointSet
		dec := n
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n.Line, err)
		}
		if e.Name == "" {
			e.Name = e.ID
		}
		switch {
		case e.ID == "":
			return nil, fmt.Errorf("%s:%d: an endpoint set needs an id", path, n.Line)
		case seen[e.ID]:
			return nil, fmt.Errorf("%s:%d: endpoint set %q is named twice", path, n.Line, e.ID)
		case !slices.Contains([]string{"GROUP", "ORGANIZATION", "USER", "IP"}, e.Scope):
			return nil, fmt.Errorf("%s:%d: scope must be GROUP, ORGANIZATION, USER or IP, got %q", path, n.Line, e.Scope)
		case e.Capacity < 1 || e.RefillRate < 1 || e.RefillDurationSeconds < 1:
			return nil, fmt.Errorf("%s:%d: capacity, refillRate and refillDurationSeconds must be whole numbers from 1", path, n.Line)
		}
		for _, ep := range e.Endpoints {
			method, pattern, ok := strings.Cut(ep, " ")
			if !ok || !slices.ContainsFunc(routes, func(r route) bool { return r.method == method && r.pattern == pattern }) {
				return nil, fmt.Errorf("%s:%d: %q is not a route earsim serves (write \"METHOD /api/atlas/v2/...\" with the route's {parameters}, as API.md lists them)", path, n.Line, ep)
			}
		}
		if len(e.Endpoints) == 0 {
			rest++
		}
		seen[e.ID] = true
		sets = append(sets, e)
	}
	if rest > 1 {
		return nil, fmt.Errorf("%s: only one endpoint set may leave out endpoints (it takes every route no other set names)", path)
	}
	return sets, nil
}

// limiter holds a world's token buckets.
type limiter struct {
	enforce bool
	sets    []EndpointSet
	byRoute map[*route]*EndpointSet
	members map[*EndpointSet][]map[string]any // each set's routes, as GET /rateLimits lists them

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens int64
	last   int64 // logical time of the last refill tick
}

// maxBuckets bounds the buckets kept; a full bucket is the same as none,
// so those go first.
const maxBuckets = 1 << 14

func newLimiter(sets []EndpointSet, enforce bool) *limiter {
	sets = slices.Clone(sets)
	l := &limiter{enforce: enforce, sets: sets, byRoute: map[*route]*EndpointSet{}, members: map[*EndpointSet][]map[string]any{}, buckets: map[string]*bucket{}}
	for i := range routes {
		r := &routes[i]
		if !isVersioned(r.pattern) {
			continue
		}
		for j := range sets {
			if slices.Contains(sets[j].Endpoints, r.method+" "+r.pattern) {
				l.byRoute[r] = &sets[j]
			}
		}
		if l.byRoute[r] != nil {
			continue
		}
		for j := range sets {
			if len(sets[j].Endpoints) == 0 {
				l.byRoute[r] = &sets[j]
			}
		}
	}
	for i := range routes {
		if set := l.byRoute[&routes[i]]; set != nil && len(l.members[set]) < 100 {
			l.members[set] = append(l.members[set], map[string]any{"method": routes[i].method, "path": routes[i].pattern})
		}
	}
	return l
}

// standing is where a caller stands in a bucket after a request.
type standing struct {
	set        *EndpointSet
	remaining  int64
	refused    bool
	retryAfter int64 // logical seconds to the next token, when refused
}

// take takes a token for a request to rt by caller at logical time now.
// It reports nothing (set nil) for routes outside every set.
func (l *limiter) take(rt *route, scope scopeKeys, now int64) standing {
	set := l.byRoute[rt]
	if set == nil {
		return standing{}
	}
	key := set.ID + "|" + scope.of(set.Scope)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.evict(now)
		}
		b = &bucket{tokens: set.Capacity, last: now}
		l.buckets[key] = b
	}
	if ticks := (now - b.last) / set.RefillDurationSeconds; ticks > 0 {
		b.tokens = min(set.Capacity, b.tokens+ticks*set.RefillRate)
		b.last += ticks * set.RefillDurationSeconds
	}
	if b.tokens == set.Capacity {
		b.last = now // a full bucket's next tick counts from its first use
	}
	if b.tokens == 0 {
		return standing{set: set, refused: l.enforce, retryAfter: max(1, b.last+set.RefillDurationSeconds-now)}
	}
	b.tokens--
	return standing{set: set, remaining: b.tokens}
}

// evict forgets the buckets that have refilled; when none has, half of
// them. The caller holds l.mu.
func (l *limiter) evict(now int64) {
	for k, b := range l.buckets {
		set := l.setOf(k)
		if set == nil || b.tokens+(now-b.last)/set.RefillDurationSeconds*set.RefillRate >= set.Capacity {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxBuckets/2 {
			break
		}
		delete(l.buckets, k)
	}
}

func (l *limiter) setOf(key string) *EndpointSet {
	id, _, _ := strings.Cut(key, "|")
	for i := range l.sets {
		if l.sets[i].ID == id {
			return &l.sets[i]
		}
	}
	return nil
}

// scopeKeys are what identifies a request in each scope.
type scopeKeys struct {
	group, org, user, ip string
}

func (k scopeKeys) of(scope string) string {
	switch scope {
	case "GROUP":
		if k.group != "" {
			return "group:" + k.group
		}
		return "org:" + k.org // a route without a project counts against the organization
	case "ORGANIZATION":
		return "org:" + k.org
	case "USER":
		return "user:" + k.user
	default:
		return "ip:" + k.ip
	}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateHeaders writes where the caller stands.
func (st standing) headers(h http.Header) {
	if st.set == nil {
		return
	}
	h.Set("RateLimit-Limit", strconv.FormatInt(st.set.Capacity, 10))
	h.Set("RateLimit-Remaining", strconv.FormatInt(st.remaining, 10))
}

// rateLimited writes Atlas's 429 for an empty bucket; retry is the wait in
// the seconds the client counts (see Server.clientSeconds).
func rateLimited(w http.ResponseWriter, r *http.Request, st standing, retry int64) {
	st.headers(w.Header())
	w.Header().Set("Retry-After", strconv.FormatInt(retry, 10))
	path := strings.TrimPrefix(r.URL.Path, "/")
	set := st.set
	writeAtlasError(w, r, http.StatusTooManyRequests, "RATE_LIMITED_TOKEN_BUCKET",
		fmt.Sprintf("Rate limit exceeded for %s. Please retry after %d seconds. Request capacity: %d. Refill rate: %d per %d seconds.",
			path, retry, set.Capacity, set.RefillRate, set.RefillDurationSeconds),
		[]any{path, retry, set.Capacity, set.RefillRate, set.RefillDurationSeconds})
}

// view is an endpoint set as GET /rateLimits answers it.
func (l *limiter) view(set *EndpointSet) map[string]any {
	eps := []any{}
	for _, e := range l.members[set] {
		eps = append(eps, e)
	}
	return map[string]any{
		"endpointSetId": set.ID, "endpointSetName": set.Name, "scope": set.Scope, "endpoints": eps,
		"capacity":              map[string]any{"value": set.Capacity},
		"refillRate":            map[string]any{"value": set.RefillRate},
		"refillDurationSeconds": map[string]any{"value": set.RefillDurationSeconds},
	}
}

func listRateLimits(s *Server, c *call) (any, *sim.Error) {
	out := []any{}
	names := c.query["name"]
	for i := range s.limits.sets {
		set := &s.limits.sets[i]
		if len(names) > 0 && !slices.Contains(names, set.Name) {
			continue
		}
		out = append(out, s.limits.view(set))
	}
	return map[string]any{"results": out}, nil
}

func getRateLimit(s *Server, c *call) (any, *sim.Error) {
	for i := range s.limits.sets {
		if s.limits.sets[i].ID == c.params["endpointSetId"] {
			return s.limits.view(&s.limits.sets[i]), nil
		}
	}
	e := sim.Errorf(404, "RESOURCE_NOT_FOUND", "no rate limit endpoint set %q (GET /api/atlas/v2/rateLimits lists them)", c.params["endpointSetId"])
	e.Parameters = []string{c.params["endpointSetId"]}
	return nil, e
}
