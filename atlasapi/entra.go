package atlasapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/earsim/earsim/sim"
)

// Microsoft Entra ID for the world's app registrations (API.md "The Azure
// side over ARM"): the client-credentials token route and the OpenID
// discovery document the Azure SDKs read before it, for the tenants of the
// world's apps. What Entra refuses is answered in its own shape (error,
// error_description with the AADSTS code, error_codes, trace and
// correlation ids). MSAL (and so azidentity) with instance discovery
// disabled asks only for {authority}/{tenant}/v2.0/.well-known/openid-configuration
// and then the token endpoint it names; with instance discovery on, it asks
// the public cloud (login.microsoftonline.com) about any other authority,
// which no local server can answer, so clients must turn it off.
//
// Access tokens are JWT-shaped (clients such as azapi read their claims:
// oid, tid, appid) and signed with HMAC-SHA-256 under a key derived from the
// world's secret key; they expire in logical time. They are never stored,
// logged or traced (trace.go redacts them).

const (
	entraTokenSeconds = 3599 // Entra's access token lifetime for client credentials, as expires_in says
	tokenPrefix       = "oauth2"
	discoveryPath     = "v2.0/.well-known/openid-configuration"
)

// armAudiences are the audiences ARM accepts in a token, and so the
// resources Entra issues tokens for here.
var armAudiences = map[string]bool{
	"https://management.core.windows.net/": true, "https://management.core.windows.net": true,
	"https://management.azure.com/": true, "https://management.azure.com": true,
}

// isEntraPath tells whether a path is Entra's: /{tenant}/oauth2/... or
// /{tenant}/v2.0/... or /{tenant}/discovery/... with a tenant segment that
// is no other route's first segment (Atlas /api/, the console, /_sim/).
func isEntraPath(path string) bool {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(seg) < 3 || seg[0] == "" {
		return false
	}
	switch strings.ToLower(seg[0]) {
	case "api", "console", "_sim", "subscriptions", "providers", "w":
		return false
	}
	if strings.HasPrefix(seg[0], "_") {
		return false
	}
	switch strings.ToLower(seg[1]) {
	case "oauth2", "v2.0", "discovery":
		return true
	}
	return false
}

// entraError is Entra's error document.
type entraError struct {
	status int
	err    string // the OAuth error: invalid_client, invalid_request, ...
	code   int    // the AADSTS number
	msg    string // the description after "AADSTS<code>: "
}

func (s *Server) entra(w http.ResponseWriter, r *http.Request, body []byte) {
	seg := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	tenant, rest := seg[0], strings.Join(seg[1:], "/")
	switch strings.ToLower(rest) {
	case "oauth2/v2.0/token":
		s.entraToken(w, r, tenant, body)
	case strings.ToLower(discoveryPath):
		s.entraDiscovery(w, r, tenant)
	case "discovery/v2.0/keys":
		if !s.knownTenant(tenant) {
			s.writeEntraError(w, r, entraUnknownTenant(tenant, "invalid_tenant"))
			return
		}
		// Tokens here are HMAC-signed for the mock's own use: no public key.
		writeAzureJSON(w, r, http.StatusOK, map[string]any{"keys": []any{}})
	default:
		s.writeEntraError(w, r, entraError{status: 404, err: "invalid_request", code: 900561,
			msg: fmt.Sprintf("earsim models Entra ID's client-credentials token route /%s/oauth2/v2.0/token and its discovery document /%s/%s only, not /%s.", tenant, tenant, discoveryPath, rest)})
	}
}

func entraUnknownTenant(tenant, errName string) entraError {
	return entraError{status: 400, err: errName, code: 90002, msg: fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant)}
}

// knownTenant tells whether a tenant id is one of the world's apps'.
func (s *Server) knownTenant(tenant string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.m.State().Azure.Apps {
		if strings.EqualFold(a.TenantID, tenant) {
			return true
		}
	}
	return false
}

// baseURL is the scheme and host the client reached this server by.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// authorityURL is where this world's Entra ID answers: the scheme and host,
// and the world's prefix when the request came under one. The Azure SDKs
// (MSAL) post the client's credentials to the discovery document's
// token_endpoint, so a world's document must name the world's own token
// route: the root's would mint a token of the default world, which the
// world's ARM refuses.
func authorityURL(r *http.Request) string { return baseURL(r) + prefixOf(r) }

func (s *Server) entraDiscovery(w http.ResponseWriter, r *http.Request, tenant string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writeEntraError(w, r, entraError{status: 400, err: "invalid_request", code: 900561, msg: fmt.Sprintf("The endpoint only accepts GET requests. Received a %s request.", r.Method)})
		return
	}
	if !s.knownTenant(tenant) {
		s.writeEntraError(w, r, entraUnknownTenant(tenant, "invalid_tenant"))
		return
	}
	base := authorityURL(r) + "/" + tenant
	writeAzureJSON(w, r, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"grant_types_supported":                 []string{"client_credentials"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"request_uri_parameter_supported":       false,
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

// entraToken answers the client-credentials grant.
func (s *Server) entraToken(w http.ResponseWriter, r *http.Request, tenant string, body []byte) {
	if r.Method != http.MethodPost {
		s.writeEntraError(w, r, entraError{status: 400, err: "invalid_request", code: 900561, msg: fmt.Sprintf("The endpoint only accepts POST, OPTIONS requests. Received a %s request.", r.Method)})
		return
	}
	form := url.Values{}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/x-www-form-urlencoded") {
		f, err := url.ParseQuery(string(body))
		if err != nil {
			s.writeEntraError(w, r, entraError{status: 400, err: "invalid_request", code: 900144, msg: "The request body must contain the following parameter: 'grant_type'."})
			return
		}
		form = f
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if id, sec, ok := r.BasicAuth(); ok { // client_secret_basic
		if clientID == "" {
			clientID = id
		}
		if secret == "" {
			secret = sec
		}
	}
	missing := func(name string) entraError {
		return entraError{status: 400, err: "invalid_request", code: 900144, msg: fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
	}
	grant := form.Get("grant_type")
	switch {
	case grant == "":
		s.writeEntraError(w, r, missing("grant_type"))
		return
	case grant != "client_credentials":
		s.writeEntraError(w, r, entraError{status: 400, err: "unsupported_grant_type", code: 70003, msg: fmt.Sprintf("The app requested an unsupported grant type '%s'. earsim models the client credentials grant only.", grant)})
		return
	case clientID == "":
		s.writeEntraError(w, r, missing("client_id"))
		return
	case form.Get("scope") == "":
		s.writeEntraError(w, r, missing("scope"))
		return
	}
	resource, serr := tokenResource(form.Get("scope"))
	if serr != nil {
		s.writeEntraError(w, r, *serr)
		return
	}

	s.mu.Lock()
	if e := s.caughtUp(true); e != nil {
		s.mu.Unlock()
		s.writeEntraError(w, r, entraError{status: 500, err: "temporarily_unavailable", code: 90033, msg: e.Detail})
		return
	}
	st := s.m.State()
	now := st.Now
	known := false
	var app *sim.App
	for i := range st.Azure.Apps {
		a := &st.Azure.Apps[i]
		if strings.EqualFold(a.TenantID, tenant) {
			known = true
			if strings.EqualFold(a.ClientID, clientID) {
				app = a
			}
		}
	}
	var secretOK bool
	if app != nil && secret != "" {
		secretOK = hmac.Equal([]byte(st.Digest(secret)), []byte(app.SecretDigest))
	}
	key := s.entraKey(st)
	life, logicalLife := int64(entraTokenSeconds), s.tokenLogicalLife(entraTokenSeconds)
	var appCopy sim.App
	if app != nil {
		appCopy = *app
	}
	s.mu.Unlock()

	switch {
	case !known:
		s.writeEntraError(w, r, entraUnknownTenant(tenant, "invalid_request"))
	case app == nil:
		s.writeEntraError(w, r, entraError{status: 400, err: "unauthorized_client", code: 700016, msg: fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant)})
	case secret == "":
		s.writeEntraError(w, r, entraError{status: 401, err: "invalid_client", code: 7000218, msg: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."})
	case !secretOK:
		s.writeEntraError(w, r, entraError{status: 401, err: "invalid_client", code: 7000215, msg: fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", appCopy.ClientID)})
	case !armAudiences[resource]:
		s.writeEntraError(w, r, entraError{status: 400, err: "invalid_resource", code: 500011, msg: fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant. (earsim issues tokens for Azure Resource Manager only.)", resource, tenant)})
	default:
		token := signToken(key, tokenClaims{
			Aud: resource, Iss: "https://sts.windows.net/" + appCopy.TenantID + "/", Idp: "https://sts.windows.net/" + appCopy.TenantID + "/",
			Iat: sim.Epoch + now, Nbf: sim.Epoch + now, Exp: sim.Epoch + now + logicalLife,
			AppID: appCopy.ClientID, AppIDAcr: "1", IDType: "app", OID: objectID(appCopy), Sub: objectID(appCopy),
			TID: appCopy.TenantID, UTI: randomHex(11), Ver: "1.0",
		})
		w.Header().Set("Cache-Control", "no-store, no-cache")
		writeAzureJSON(w, r, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": token})
	}
}

// tokenLogicalLife is how many logical seconds a token that announces
// expires_in seconds lives: as many, at time scale 0 or 1; at a faster
// scale, as many real seconds (expires_in × scale logical ones), because
// clients count real seconds and renew a margin before expiry (the Atlas
// provider 10 minutes, the Azure SDKs 5): an expires_in scaled down to the
// logical hour would have them renew at every request (docs/MODEL.md).
func (s *Server) tokenLogicalLife(expiresIn int64) int64 {
	if s.clock.scale <= 1 {
		return expiresIn
	}
	return int64(math.Ceil(float64(expiresIn) * s.clock.scale))
}

// tokenResource is the one resource a client-credentials scope names
// ("https://management.azure.com/.default"); OpenID scopes MSAL adds are
// ignored, as Entra does.
func tokenResource(scope string) (string, *entraError) {
	var resources []string
	for _, sc := range strings.Fields(scope) {
		switch sc {
		case "openid", "profile", "offline_access", "email":
			continue
		}
		if !strings.HasSuffix(sc, "/.default") {
			return "", &entraError{status: 400, err: "invalid_scope", code: 1002012, msg: fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", sc)}
		}
		resources = append(resources, strings.TrimSuffix(sc, ".default"))
	}
	if len(resources) != 1 {
		return "", &entraError{status: 400, err: "invalid_scope", code: 70011, msg: fmt.Sprintf("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", scope)}
	}
	// "https://management.azure.com/.default" is the resource
	// "https://management.azure.com", ".../management.core.windows.net//.default"
	// the resource "https://management.core.windows.net/".
	return strings.TrimSuffix(resources[0], "/"), nil
}

// tokenClaims are the claims of an access token (those of an Entra v1
// app-only token that clients read).
type tokenClaims struct {
	Aud      string `json:"aud"`
	Iss      string `json:"iss"`
	Iat      int64  `json:"iat"`
	Nbf      int64  `json:"nbf"`
	Exp      int64  `json:"exp"`
	AppID    string `json:"appid"`
	AppIDAcr string `json:"appidacr"`
	Idp      string `json:"idp"`
	IDType   string `json:"idtyp"`
	OID      string `json:"oid"`
	Sub      string `json:"sub"`
	TID      string `json:"tid"`
	UTI      string `json:"uti"`
	Ver      string `json:"ver"`
}

var tokenHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// processTokenKey signs tokens of a world kept without a secret key (a state
// file older than issue 13's keys): random per process.
var processTokenKey = func() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}()

// entraKey signs and checks Entra ID tokens: under a Hub, one key for every
// world, because MSAL (the Azure SDKs', azapi's) takes an authority's first
// path segment for the tenant and asks the root's Entra ID for a world's
// token (TestAzureSDKInAWorld): a token so issued acts in any world that
// holds its app registration, as Entra ID is one service for every
// subscription. A lone Server's key is its world's (tokenKey). The caller
// holds s.mu.
func (s *Server) entraKey(st *sim.State) []byte {
	if s.hubEntraKey != nil {
		return s.hubEntraKey
	}
	return tokenKey(st)
}

// tokenKey is the world's token signing key, derived from its secret key
// (so tokens outlive a restart with --state, and not a reset).
func tokenKey(st *sim.State) []byte {
	base := processTokenKey
	if k, err := hex.DecodeString(st.SecretKey); err == nil && len(k) > 0 {
		base = k
	}
	mac := hmac.New(sha256.New, base)
	mac.Write([]byte("earsim entra access tokens"))
	return mac.Sum(nil)
}

func signToken(key []byte, c tokenClaims) string {
	payload, _ := json.Marshal(c)
	unsigned := tokenHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(unsigned))
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// verifyToken returns a token's claims when this world signed it.
func verifyToken(key []byte, token string) (tokenClaims, bool) {
	var c tokenClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != tokenHeader {
		return c, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return c, false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return c, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return c, false
	}
	return c, true
}

// objectID is the service principal's object id of an app: a UUID derived
// from its tenant and client id (the world keeps none).
func objectID(a sim.App) string {
	sum := sha256.Sum256([]byte("earsim service principal " + strings.ToLower(a.TenantID) + "/" + strings.ToLower(a.ClientID)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) writeEntraError(w http.ResponseWriter, r *http.Request, e entraError) {
	traceID, corr := randomUUID(), r.Header.Get("client-request-id")
	if corr == "" {
		corr = randomUUID()
	}
	s.mu.Lock()
	now := time.Unix(sim.Epoch+s.m.State().Now, 0).UTC()
	s.mu.Unlock()
	ts := now.Format("2006-01-02 15:04:05Z")
	writeAzureJSON(w, r, e.status, map[string]any{
		"error":             e.err,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", e.code, e.msg, traceID, corr, ts),
		"error_codes":       []int{e.code},
		"timestamp":         ts,
		"trace_id":          traceID,
		"correlation_id":    corr,
		"error_uri":         baseURL(r) + "/error?code=" + fmt.Sprint(e.code),
	})
}

// writeAzureJSON writes an Azure answer (Entra's or ARM's): plain JSON.
func writeAzureJSON(w http.ResponseWriter, r *http.Request, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		status, data = 500, []byte(`{"error":{"code":"InternalServerError","message":"internal error"}}`)
	}
	data = append(data, '\n')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}
