package atlasapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Service accounts (API.md "Auth"): OAuth 2.0 client credentials. POST
// /api/oauth/token with the account's id and secret in Basic auth answers
// an opaque access token; "Authorization: Bearer TOKEN" then acts with the
// account's roles on every Atlas route until the token expires, in logical
// time, or is revoked (POST /api/oauth/revoke). Atlas allows the token
// route 50 requests a minute per IP address and client; the 51st answers
// 429 RATE_LIMITED in Atlas's error shape (the revoke route likewise).
//
// Tokens are kept only in memory, never in the state file, the trace, the
// log or the console: a restarted server has forgotten them, and clients
// ask for a new one on the 401, as they would when one expires.

const (
	tokenPath  = "/api/oauth/token"
	revokePath = "/api/oauth/revoke"

	// tokenLife is an access token's life (Atlas: one hour; in logical
	// seconds at time scale 0 or 1, see Server.tokenLogicalLife).
	tokenLife = 3600
	// tokenRouteLimit requests a minute per IP address and client.
	tokenRouteLimit  = 50
	tokenRouteWindow = 60
	// maxTokens bounds the live tokens a world keeps: past it the oldest
	// are forgotten (its clients meet 401 and ask again).
	maxTokens = 1 << 14
	// maxLimited bounds the (address, client) pairs whose recent token
	// requests are counted.
	maxLimited = 1 << 12
)

// oauthServer issues and checks a world's access tokens.
type oauthServer struct {
	accounts map[string]ServiceAccount

	mu     sync.Mutex
	tokens map[string]issuedToken
	order  []string // tokens in issue order, for expiry and the bound
	recent map[string][]int64
}

type issuedToken struct {
	clientID string
	expires  int64 // logical seconds since sim.Epoch
}

func newOAuth(accounts []ServiceAccount) *oauthServer {
	o := &oauthServer{accounts: map[string]ServiceAccount{}, tokens: map[string]issuedToken{}, recent: map[string][]int64{}}
	for _, a := range accounts {
		o.accounts[a.ClientID] = a
	}
	return o
}

// oauthError is the error document of RFC 6749 section 5.2, which the
// official clients (golang.org/x/oauth2) parse.
func writeOAuthError(w http.ResponseWriter, r *http.Request, status int, code, description string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="MMS Public API"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, "application/json", status, map[string]any{"error": code, "error_description": description})
}

// client authenticates the Basic credentials of a token or revoke request.
func (o *oauthServer) client(r *http.Request) (ServiceAccount, bool) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return ServiceAccount{}, false
	}
	// Clients that follow RFC 6749 section 2.3.1 form-encode both parts.
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	if v, err := url.QueryUnescape(secret); err == nil {
		secret = v
	}
	a, known := o.accounts[id]
	if !known || subtle.ConstantTimeCompare([]byte(a.ClientSecret), []byte(secret)) != 1 {
		return ServiceAccount{}, false
	}
	return a, true
}

// limited counts a request to an OAuth route by its address and client and
// reports whether it passes the route's limit; the caller holds no lock.
func (o *oauthServer) limited(route string, r *http.Request, now int64) bool {
	id, _, _ := r.BasicAuth()
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	key := route + "|" + host + "|" + id
	o.mu.Lock()
	defer o.mu.Unlock()
	hits := o.recent[key]
	i := 0
	for i < len(hits) && hits[i] <= now-tokenRouteWindow {
		i++
	}
	hits = hits[i:]
	if len(hits) >= tokenRouteLimit {
		o.recent[key] = hits
		return true
	}
	if _, ok := o.recent[key]; !ok && len(o.recent) >= maxLimited {
		for k, v := range o.recent { // forget pairs whose minute is over, or any one
			if len(v) == 0 || v[len(v)-1] <= now-tokenRouteWindow {
				delete(o.recent, k)
			}
		}
		for k := range o.recent {
			if len(o.recent) < maxLimited {
				break
			}
			delete(o.recent, k)
		}
	}
	o.recent[key] = append(hits, now)
	return false
}

// rateLimitedOAuth is Atlas's answer to the 51st request in a minute.
func rateLimitedOAuth(w http.ResponseWriter, r *http.Request, route string) {
	w.Header().Set("Retry-After", "60")
	writeAtlasError(w, r, http.StatusTooManyRequests, "RATE_LIMITED",
		fmt.Sprintf("Resource %s is limited to %d requests every 1 minutes.", route, tokenRouteLimit),
		[]any{route, tokenRouteLimit, 1})
}

// formBody parses a form-encoded body; nil when the request is not one.
func formBody(r *http.Request, body []byte) url.Values {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil
	}
	return v
}

// oauthRequest checks what both OAuth routes check first: the route's
// rate limit, the form (sample says what to send; required names a field
// it must hold, "" none) and the service account's Basic credentials. When
// it returns false, the refusal is written.
func (s *Server) oauthRequest(w http.ResponseWriter, r *http.Request, body []byte, path string, now int64, sample, required string) (url.Values, ServiceAccount, bool) {
	if s.oauth.limited(path, r, now) {
		rateLimitedOAuth(w, r, path)
		return nil, ServiceAccount{}, false
	}
	form := formBody(r, body)
	if form == nil || required != "" && form.Get(required) == "" {
		writeOAuthError(w, r, http.StatusBadRequest, "invalid_request", "send the form "+sample+" with Content-Type application/x-www-form-urlencoded")
		return nil, ServiceAccount{}, false
	}
	a, ok := s.oauth.client(r)
	if !ok {
		writeOAuthError(w, r, http.StatusUnauthorized, "invalid_client", "the client id or secret is wrong: send a service account's clientId and clientSecret in Basic authentication")
		return nil, ServiceAccount{}, false
	}
	return form, a, true
}

// serveToken answers POST /api/oauth/token.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, body []byte) {
	now := s.logicalNow()
	form, a, ok := s.oauthRequest(w, r, body, tokenPath, now, "grant_type=client_credentials", "")
	if !ok {
		return
	}
	if g := form.Get("grant_type"); g != "client_credentials" {
		writeOAuthError(w, r, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type must be client_credentials, got %q", g))
		return
	}
	token := s.oauth.issue(a.ClientID, now, s.tokenLogicalLife(tokenLife))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, "application/json", http.StatusOK, map[string]any{
		"access_token": token, "expires_in": tokenLife, "token_type": "Bearer",
	})
}

// serveRevoke answers POST /api/oauth/revoke (RFC 7009: 200 whether or not
// the token was known).
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request, body []byte) {
	form, a, ok := s.oauthRequest(w, r, body, revokePath, s.logicalNow(), "token=ACCESS_TOKEN", "token")
	if !ok {
		return
	}
	s.oauth.revoke(a.ClientID, form.Get("token"))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (o *oauthServer) issue(clientID string, now, life int64) string {
	var b [32]byte
	rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tokens[token] = issuedToken{clientID: clientID, expires: now + life}
	o.order = append(o.order, token)
	o.sweep(now)
	return token
}

// sweep forgets expired and revoked tokens from the front of the issue
// order, and the oldest beyond maxTokens. The caller holds o.mu.
func (o *oauthServer) sweep(now int64) {
	i := 0
	for ; i < len(o.order); i++ {
		t, live := o.tokens[o.order[i]]
		if live && t.expires > now && len(o.order)-i <= maxTokens {
			break
		}
		delete(o.tokens, o.order[i])
	}
	if i > 0 {
		o.order = append(o.order[:0:0], o.order[i:]...)
	}
}

// revoke ends a token of clientID's (a token of another client is left
// alone, as RFC 7009 asks).
func (o *oauthServer) revoke(clientID, token string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.tokens[token]; ok && t.clientID == clientID {
		delete(o.tokens, token)
	}
}

// bearer checks an Authorization header's Bearer token at logical time now.
func (o *oauthServer) bearer(header string, now int64) (ServiceAccount, bool) {
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return ServiceAccount{}, false
	}
	o.mu.Lock()
	t, live := o.tokens[token]
	o.mu.Unlock()
	if !live || t.expires <= now {
		return ServiceAccount{}, false
	}
	a, known := o.accounts[t.clientID]
	return a, known
}

// isBearer reports whether an Authorization header carries a Bearer token.
func isBearer(header string) bool {
	scheme, _, _ := strings.Cut(header, " ")
	return strings.EqualFold(scheme, "Bearer")
}

// logicalNow is the world's logical time at this moment, without moving
// the world there (rate limits and token expiry read it).
func (s *Server) logicalNow() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logicalNowLocked()
}

// logicalNowLocked is logicalNow for a caller that holds s.mu.
func (s *Server) logicalNowLocked() int64 {
	now := s.m.State().Now
	if s.clock.scale > 0 {
		now = max(now, s.clock.target(s.opt.Now()))
	}
	return now
}
