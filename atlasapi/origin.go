package atlasapi

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/earsim/earsim/sim"
)

// A loopback service is still reachable from every web page the user
// opens: a page can send a "simple" cross-origin POST (no preflight), and a
// page on a rebound name (DNS rebinding) can read the answers. So, as
// Jupyter, Vite and LocalStack do, every request must name this server in
// its Host (loopback, localhost, the listen address, or an allowed host),
// and a request that changes state must not come from a foreign Origin
// (nor be marked cross-site by the browser) and must carry JSON. No CORS
// grant is ever made. Nothing changes when a request is refused.

// hostGuard holds the names the server answers to.
type hostGuard struct {
	names   map[string]bool // lower-case host names and IP literals
	allowed map[string]bool // the --allow-host names: their pages are trusted origins too
	anyIP   bool            // bound to an unspecified address: any IP literal names it
}

func newHostGuard(allowed []string) *hostGuard {
	g := &hostGuard{names: map[string]bool{"localhost": true}, allowed: map[string]bool{}}
	for _, h := range allowed {
		g.allow(h)
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		g.allowed[strings.ToLower(h)] = true
	}
	return g
}

// allow adds a host name or IP (a port, if given, is ignored).
func (g *hostGuard) allow(h string) {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.ToLower(strings.Trim(h, "[]"))
	if ip := net.ParseIP(h); ip != nil && ip.IsUnspecified() {
		g.anyIP = true
		return
	}
	if h != "" {
		g.names[h] = true
	}
}

// hostOK reports whether a Host header (or an Origin's host) names this server.
func (g *hostGuard) hostOK(hostport string) bool {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.ToLower(strings.Trim(h, "[]"))
	if g.names[h] {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback() || g.anyIP
	}
	return false
}

// guard refuses a request whose Host or Origin is foreign, before its body
// is read. An Origin is this server's own only when it names the very host
// and port the request was sent to (a page on another localhost port is
// another origin), or an --allow-host name. It returns nil when the request
// may proceed.
func (g *hostGuard) guard(r *http.Request) *sim.Error {
	if !g.hostOK(r.Host) {
		e := sim.Errorf(403, "HOST_NOT_ALLOWED", "Host %q does not name this server (loopback, localhost, the listen address, or serve --allow-host): requests through another name are refused, as a web page on a rebound name would send them", r.Host)
		e.Parameters = []string{r.Host}
		return e
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	return g.foreign(r, r.Method)
}

// foreign refuses a request that changes state (what names it: a method,
// or a world made on first use) from another web origin: an Origin header
// not this server's own, or Sec-Fetch-Site cross-site or same-site.
func (g *hostGuard) foreign(r *http.Request, what string) *sim.Error {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		own := err == nil && (u.Scheme == "http" || u.Scheme == "https") && (strings.EqualFold(u.Host, r.Host) || g.allowed[strings.ToLower(u.Hostname())])
		if !own {
			e := sim.Errorf(403, "ORIGIN_NOT_ALLOWED", "a %s from Origin %q is refused: state-changing requests are taken only from this server's own origin or from programs (no Origin)", what, o)
			e.Parameters = []string{o}
			return e
		}
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return sim.Errorf(403, "ORIGIN_NOT_ALLOWED", "a %s %s is refused", site, what)
	}
	return nil
}

// jsonBody refuses a write whose body is not JSON (a form or text/plain
// post, which a page may send without a preflight).
func jsonBody(r *http.Request, body []byte) *sim.Error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if isOAuth(r.URL.Path) { // the OAuth routes take forms (RFC 6749)
		if len(strings.TrimSpace(string(body))) > 0 && !isFormContent(r.Header.Get("Content-Type")) {
			return sim.Errorf(415, "UNSUPPORTED_MEDIA_TYPE", "the OAuth routes take a form (Content-Type application/x-www-form-urlencoded), got %q", r.Header.Get("Content-Type"))
		}
		return nil
	}
	if len(strings.TrimSpace(string(body))) > 0 && !isJSONContent(r.Header.Get("Content-Type")) {
		e := sim.Errorf(415, "UNSUPPORTED_MEDIA_TYPE", "a request body must be JSON (Content-Type application/json or application/vnd.atlas.YYYY-MM-DD+json), got %q", r.Header.Get("Content-Type"))
		return e
	}
	return nil
}

// isFormContent reports whether a Content-Type is a URL-encoded form.
func isFormContent(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// isJSONContent reports whether a Content-Type is JSON (application/json or a
// +json suffix such as application/vnd.atlas.2023-01-01+json).
func isJSONContent(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}
