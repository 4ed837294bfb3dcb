package atlasapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/earsim/earsim/sim"
)

// Azure Resource Manager for the part of Azure the feature touches (API.md
// "The Azure side over ARM"): a vault's private endpoint connections, the
// vault, and Microsoft.Network's registration, answered from the same world
// as the Atlas routes. A PUT of a connection to Approved is the model's
// ApproveConnection (the step the approve control route and the console
// take), Rejected its RejectConnection, a DELETE its RemoveConnection: the
// effects journal, the console and the approval lag (EAR-LAG-01) follow.
// Paths match case-insensitively, as ARM's do; every request needs an Entra
// token of one of the world's apps (entra.go) for ARM's audience; answers and
// refusals are in ARM's shapes ({"error": {"code", "message"}}).
//
// Which connection is which endpoint: an EAR private endpoint carries its
// privateEndpointConnectionName from PENDING_ACCEPTANCE on; its connection
// lives on the vault the project's configuration names. The Azure side's
// view of it (sim.Endpoint.Connection) gives the status: PENDING Pending,
// APPROVED Approved, REJECTED Rejected (until Atlas replaces the endpoint,
// EAR-PE-04), none while Atlas deletes the endpoint (Disconnected); a
// removed connection is gone.

// ARM's api-versions for the modelled types, from the Azure REST API
// specifications' type index (terraform-provider-azapi's
// internal/azure/generated: Microsoft.KeyVault's and Microsoft.Resources'
// resources package).
var (
	armConnectionVersions = []string{"2018-02-14", "2019-09-01", "2020-04-01-preview", "2021-04-01-preview", "2021-06-01-preview",
		"2021-10-01", "2021-11-01-preview", "2022-02-01-preview", "2022-07-01", "2022-11-01", "2023-02-01", "2023-07-01",
		"2024-04-01-preview", "2024-11-01", "2024-12-01-preview", "2025-05-01", "2026-02-01", "2026-03-01-preview"}
	armVaultVersions    = append([]string{"2015-06-01", "2016-10-01", "2018-02-14-preview"}, armConnectionVersions...)
	armProviderVersions = []string{"2015-11-01", "2016-02-01", "2016-07-01", "2016-09-01", "2017-05-10", "2018-02-01", "2018-05-01",
		"2019-03-01", "2019-05-01", "2019-05-10", "2019-07-01", "2019-08-01", "2019-10-01", "2020-06-01", "2020-08-01", "2020-10-01",
		"2021-01-01", "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01"}
)

const (
	armConnectionType = "Microsoft.KeyVault/vaults/privateEndpointConnections"
	armVaultType      = "Microsoft.KeyVault/vaults"
	armLocation       = "eastus" // the world keeps no vault location: a stand-in
	// atlasSubscription stands in for the Azure subscription Atlas creates
	// its private endpoints in (the world does not keep it).
	atlasSubscription = "00000000-0000-4000-a000-0000000a71a5"
)

// isARMPath tells whether a path is ARM's (/subscriptions/...).
func isARMPath(path string) bool {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return strings.EqualFold(seg, "subscriptions")
}

// serveAzure answers the Azure side's routes (ARM and Entra ID), each in
// its own shapes and with its own authentication; it reports whether the
// path was one of theirs.
func (s *Server) serveAzure(w http.ResponseWriter, r *http.Request, body []byte) bool {
	switch {
	case isARMPath(r.URL.Path):
		s.arm(w, r, body)
	case isEntraPath(r.URL.Path):
		s.entra(w, r, body)
	default:
		return false
	}
	return true
}

// armError is an ARM refusal.
type armError struct {
	status        int
	code, message string
	challenge     string // WWW-Authenticate error_description for a 401
}

func armErr(status int, code, format string, args ...any) *armError {
	return &armError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func writeARMError(w http.ResponseWriter, r *http.Request, e *armError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="%s/", error="invalid_token", error_description="%s"`, authorityURL(r), e.challenge))
	}
	writeAzureJSON(w, r, e.status, map[string]any{"error": map[string]any{"code": e.code, "message": e.message}})
}

// armPath is a parsed ARM path.
type armPath struct {
	kind      armKind
	sub, rg   string
	vault     string
	conn      string
	namespace string
	action    string // register, unregister
}

type armKind int

const (
	armUnknown armKind = iota
	armProvider
	armProviderAction
	armVault
	armConnections
	armConnection
)

func parseARMPath(path string) armPath {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	eq := strings.EqualFold
	p := armPath{}
	if len(seg) < 2 || seg[1] == "" {
		return p
	}
	p.sub = seg[1]
	switch {
	case len(seg) == 4 && eq(seg[2], "providers"):
		p.kind, p.namespace = armProvider, seg[3]
	case len(seg) == 5 && eq(seg[2], "providers") && (eq(seg[4], "register") || eq(seg[4], "unregister")):
		p.kind, p.namespace, p.action = armProviderAction, seg[3], strings.ToLower(seg[4])
	case len(seg) >= 8 && eq(seg[2], "resourceGroups") && eq(seg[4], "providers") && eq(seg[5], "Microsoft.KeyVault") && eq(seg[6], "vaults"):
		p.rg, p.vault = seg[3], seg[7]
		switch {
		case len(seg) == 8:
			p.kind = armVault
		case len(seg) == 9 && eq(seg[8], "privateEndpointConnections"):
			p.kind = armConnections
		case len(seg) == 10 && eq(seg[8], "privateEndpointConnections") && seg[9] != "":
			p.kind, p.conn = armConnection, seg[9]
		}
	}
	return p
}

// arm answers one ARM request.
func (s *Server) arm(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("x-ms-request-id", randomUUID())
	corr := r.Header.Get("x-ms-correlation-request-id")
	if corr == "" {
		corr = randomUUID()
	}
	w.Header().Set("x-ms-correlation-request-id", corr)
	p := parseARMPath(r.URL.Path)
	status, out, err := s.armServe(r, p, body)
	if err != nil {
		writeARMError(w, r, err)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeAzureJSON(w, r, status, out)
}

// armMethods are the methods each kind of path answers.
var armMethods = map[armKind][]string{
	armProvider:       {"GET"},
	armProviderAction: {"POST"},
	armVault:          {"GET"},
	armConnections:    {"GET"},
	armConnection:     {"GET", "PUT", "DELETE"},
}

func (s *Server) armServe(r *http.Request, p armPath, body []byte) (int, any, *armError) {
	// Authentication first, as ARM does: the token's signature here, its
	// expiry against the world's clock below.
	claims, aerr := s.armToken(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if p.kind == armUnknown {
		return 0, nil, armErr(404, "InvalidResourceType", "earsim does not model %s %s: it answers, of Azure Resource Manager, a key vault, its privateEndpointConnections and the registration of Microsoft.Network (API.md \"The Azure side over ARM\")", r.Method, r.URL.Path)
	}
	if !slices.Contains(armMethods[p.kind], r.Method) {
		return 0, nil, armErr(405, "HttpMethodNotAllowed", "The requested resource does not support http method '%s'.", r.Method)
	}
	if r.Method == http.MethodPut && !isJSONContent(r.Header.Get("Content-Type")) {
		return 0, nil, armErr(415, "UnsupportedMediaType", "The content media type '%s' is not supported. Only 'application/json' is supported.", r.Header.Get("Content-Type"))
	}
	version := r.URL.Query().Get("api-version")
	if version == "" {
		return 0, nil, armErr(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
	}
	switch p.kind {
	case armProvider, armProviderAction:
		if !slices.Contains(armProviderVersions, version) {
			return 0, nil, armErr(400, "InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported versions are '%s'.", version, strings.Join(armProviderVersions, ","))
		}
	case armVault:
		if !slices.Contains(armVaultVersions, version) {
			return 0, nil, noProvider(version, "vaults", armVaultVersions)
		}
	default:
		if !slices.Contains(armConnectionVersions, version) {
			return 0, nil, noProvider(version, "vaults/privateEndpointConnections", armConnectionVersions)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.begin()
	s.catchUp()
	status, out, err := s.armLocked(r, p, claims, version, body)
	if cerr := s.commit(tx); cerr != nil {
		return 0, nil, armErr(500, "InternalServerError", "%s", cerr.Detail)
	}
	return status, out, err
}

func noProvider(version, typ string, versions []string) *armError {
	return armErr(400, "NoRegisteredProviderFound", "No registered resource provider found for location '%s' and API version '%s' for type '%s'. The supported api-versions are '%s'. The supported locations are '%s'.",
		armLocation, version, typ, strings.Join(versions, ", "), armLocation)
}

// armToken checks the request's bearer token: signed by this world, for
// ARM's audience. Its expiry is checked against the world's clock later.
func (s *Server) armToken(r *http.Request) (tokenClaims, *armError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		e := armErr(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		e.challenge = "The authentication failed because of missing 'Authorization' header."
		return tokenClaims{}, e
	}
	scheme, token, _ := strings.Cut(h, " ")
	invalid := armErr(401, "InvalidAuthenticationToken", "The access token is invalid.")
	invalid.challenge = "The access token is invalid."
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		e := armErr(401, "AuthenticationFailedInvalidHeader", "Authentication failed. The 'Authorization' header is provided in an invalid format.")
		e.challenge = "The authentication failed because of invalid 'Authorization' header."
		return tokenClaims{}, e
	}
	s.mu.Lock()
	key := s.entraKey(s.m.State())
	s.mu.Unlock()
	c, ok := verifyToken(key, strings.TrimSpace(token))
	if !ok {
		return c, invalid
	}
	if !armAudiences[c.Aud] {
		e := armErr(401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.", c.Aud)
		e.challenge = "The access token has been obtained for wrong audience or resource."
		return c, e
	}
	return c, nil
}

// armLocked answers a request whose token and api-version passed; the
// caller holds s.mu and has caught the world up.
func (s *Server) armLocked(r *http.Request, p armPath, c tokenClaims, version string, body []byte) (int, any, *armError) {
	st := s.m.State()
	if now := sim.Epoch + st.Now; c.Exp <= now {
		e := armErr(401, "ExpiredAuthenticationToken", "The access token expiry UTC time '%s' is earlier than current UTC time '%s'.", armTime(c.Exp), armTime(now))
		e.challenge = "The access token expiry UTC time is earlier than current UTC time."
		return 0, nil, e
	}
	var sub *sim.Subscription
	for i := range st.Azure.Subscriptions {
		if strings.EqualFold(st.Azure.Subscriptions[i].ID, p.sub) {
			sub = &st.Azure.Subscriptions[i]
		}
	}
	if sub == nil {
		return 0, nil, armErr(404, "SubscriptionNotFound", "The subscription '%s' could not be found.", p.sub)
	}
	if tenant := subscriptionTenant(st, sub.ID); tenant != "" && !strings.EqualFold(tenant, c.TID) {
		e := armErr(401, "InvalidAuthenticationTokenTenant", "The access token is from the wrong issuer '%s'. It must match the tenant 'https://sts.windows.net/%s/' associated with this subscription. Please use the authority (URL) '%s/%s' to get the token.", c.Iss, tenant, authorityURL(r), tenant)
		e.challenge = "The access token is from the wrong issuer."
		return 0, nil, e
	}
	app := appOf(st, c)
	denied := func(action, scope string) *armError {
		return armErr(403, "AuthorizationFailed", "The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.", c.AppID, c.OID, action, scope)
	}

	switch p.kind {
	case armProvider, armProviderAction:
		scope := "/subscriptions/" + sub.ID
		if app == nil || !reachesSubscription(st, app, sub.ID) {
			return 0, nil, denied(map[bool]string{true: "Microsoft.Resources/subscriptions/providers/read", false: p.namespace + "/" + p.action + "/action"}[p.kind == armProvider], scope)
		}
		if !strings.EqualFold(p.namespace, "Microsoft.Network") {
			return 0, nil, armErr(404, "InvalidResourceNamespace", "earsim models the registration of Microsoft.Network only (API.md \"The Azure side over ARM\"), not of '%s'.", p.namespace)
		}
		if p.kind == armProviderAction {
			op := map[string]sim.Op{"register": sim.RegisterNetwork, "unregister": sim.UnregisterNetwork}[p.action]
			if e := s.armStep(sim.Command{Op: op, SubscriptionID: sub.ID}); e != nil {
				return 0, nil, e
			}
			st = s.m.State()
		}
		return 200, networkProvider(st, sub.ID), nil
	}

	scope := "/subscriptions/" + sub.ID + "/resourceGroups/" + p.rg
	if app == nil || !reachesResourceGroup(st, app, sub.ID, p.rg) {
		action := armVaultType + "/read"
		if p.kind != armVault {
			action = armConnectionType + map[string]string{"GET": "/read", "PUT": "/write", "DELETE": "/delete"}[r.Method]
		}
		return 0, nil, denied(action, scope+"/providers/"+armVaultType+"/"+p.vault)
	}
	vault := st.Azure.Vault(p.vault)
	if vault == nil || !strings.EqualFold(vault.SubscriptionID, sub.ID) || !strings.EqualFold(vault.ResourceGroupName, p.rg) {
		return 0, nil, armErr(404, "ResourceNotFound", "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", armVaultType, p.vault, p.rg)
	}
	switch p.kind {
	case armVault:
		return 200, s.vaultView(st, vault, version), nil
	case armConnections:
		items := []any{}
		for _, x := range s.connections(st, vault) {
			items = append(items, x.view(vault))
		}
		return 200, map[string]any{"value": items}, nil
	}
	conn := findConnection(s.connections(st, vault), p.conn)
	notFound := armErr(404, "PrivateEndpointConnectionNotFound", "Private endpoint connection '%s' of key vault '%s' was not found.", p.conn, vault.Name)
	switch r.Method {
	case "GET":
		if conn == nil {
			return 0, nil, notFound
		}
		return 200, conn.view(vault), nil
	case "DELETE":
		if conn == nil {
			return http.StatusNoContent, nil, nil // ARM: deleting what is not there succeeds
		}
		if conn.status == "Pending" || conn.status == "Approved" {
			if e := s.armStep(sim.Command{Op: sim.RemoveConnection, GroupID: conn.group, EndpointID: conn.endpoint}); e != nil {
				return 0, nil, e
			}
		} else {
			// A Rejected or Disconnected connection has no step of its own in
			// the model: it is gone from Azure's view from now on.
			s.azureNotes().set(conn.key(), connNote{connection: conn.simConnection, status: conn.status, hidden: true})
		}
		return 200, map[string]any{"id": conn.id(vault), "name": conn.name, "type": armConnectionType,
			"properties": map[string]any{"provisioningState": "Succeeded"}}, nil
	}
	// PUT
	if conn == nil {
		return 0, nil, notFound
	}
	want, description, derr := connectionPut(body)
	if derr != nil {
		return 0, nil, derr
	}
	if want != conn.status {
		// Which changes a connection allows is the model's to say (its
		// approval and rejection, as every door steps them); ARM words the
		// refusal its own way.
		notAllowed := armErr(400, "PrivateEndpointConnectionStatusChangeNotAllowed", "The status of private endpoint connection '%s' cannot change from %s to %s: a connection is approved or rejected from Pending, rejected when Approved, and Disconnected only by its private endpoint's deletion (DELETE removes it).", conn.name, conn.status, want)
		op, ok := map[string]sim.Op{"Approved": sim.ApproveConnection, "Rejected": sim.RejectConnection}[want]
		if !ok {
			return 0, nil, notAllowed
		}
		if e := s.armStep(sim.Command{Op: op, GroupID: conn.group, EndpointID: conn.endpoint}); e != nil {
			if e.status == http.StatusConflict { // AZURE_CONNECTION_NOT_PENDING, _NOT_FOUND: not from this status
				return 0, nil, notAllowed
			}
			return 0, nil, e
		}
		st = s.m.State()
		conn = findConnection(s.connections(st, vault), p.conn)
		if conn == nil { // cannot happen: approve and reject keep the connection
			return 0, nil, armErr(500, "InternalServerError", "the connection vanished")
		}
	}
	s.azureNotes().set(conn.key(), connNote{connection: conn.simConnection, status: conn.status, description: description})
	conn.description = description
	return 200, conn.view(vault), nil
}

// armStep steps the world with an Azure command, as the control routes do;
// the caller holds s.mu.
func (s *Server) armStep(cmd sim.Command) *armError {
	res := s.m.Step(cmd)
	s.record(cmd, res)
	if res.Err != nil {
		return armErr(res.Err.Status, res.Err.Code, "%s", res.Err.Detail)
	}
	return nil
}

// connectionPut reads a PUT body: the status asked for and its
// description. Read-only members (id, name, type, etag, provisioningState,
// privateEndpoint) are ignored, as ARM does: azapi_update_resource sends
// the connection it read back with its own changes merged in.
func connectionPut(body []byte) (string, string, *armError) {
	var in struct {
		Properties *struct {
			State *struct {
				Status      *string `json:"status"`
				Description *string `json:"description"`
			} `json:"privateLinkServiceConnectionState"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return "", "", armErr(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: %v.", err)
	}
	if in.Properties == nil || in.Properties.State == nil || in.Properties.State.Status == nil {
		return "", "", armErr(400, "InvalidRequestContent", "The request content was invalid: properties.privateLinkServiceConnectionState.status is required (Approved or Rejected).")
	}
	want := ""
	for _, v := range []string{"Pending", "Approved", "Rejected", "Disconnected"} {
		if strings.EqualFold(v, *in.Properties.State.Status) {
			want = v
		}
	}
	if want == "" {
		return "", "", armErr(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Error converting value \"%s\" to type 'PrivateEndpointServiceConnectionStatus'. Path 'properties.privateLinkServiceConnectionState.status'.' (Pending, Approved, Rejected or Disconnected)", *in.Properties.State.Status)
	}
	description := ""
	if d := in.Properties.State.Description; d != nil {
		description = *d
	}
	return want, description, nil
}

// armConn is one private endpoint connection as Azure shows it.
type armConn struct {
	group, endpoint string
	name            string
	status          string // Pending, Approved, Rejected, Disconnected
	simConnection   string // the model's view it was derived from
	description     string
}

func (c *armConn) key() string { return c.group + "/" + c.endpoint }

func (c *armConn) id(v *sim.Vault) string {
	return vaultID(v) + "/privateEndpointConnections/" + c.name
}

func vaultID(v *sim.Vault) string {
	return "/subscriptions/" + v.SubscriptionID + "/resourceGroups/" + v.ResourceGroupName + "/providers/" + armVaultType + "/" + v.Name
}

func (c *armConn) etag() string {
	sum := sha256.Sum256([]byte(c.name + "\x00" + c.status + "\x00" + c.description))
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

func (c *armConn) properties() map[string]any {
	state := map[string]any{"status": c.status, "actionsRequired": "None"}
	if c.description != "" {
		state["description"] = c.description
	}
	return map[string]any{
		"privateEndpoint":                   map[string]any{"id": "/subscriptions/" + atlasSubscription + "/resourceGroups/atlas-" + c.group + "/providers/Microsoft.Network/privateEndpoints/" + c.name},
		"privateLinkServiceConnectionState": state,
		"provisioningState":                 "Succeeded",
	}
}

func (c *armConn) view(v *sim.Vault) map[string]any {
	return map[string]any{"id": c.id(v), "name": c.name, "type": armConnectionType, "etag": c.etag(), "properties": c.properties()}
}

// connections are the private endpoint connections on a vault: those of the
// endpoints of every project whose configuration names it, in world order.
func (s *Server) connections(st *sim.State, v *sim.Vault) []armConn {
	notes := s.azureNotes()
	var out []armConn
	for _, p := range st.Projects.All() {
		if !strings.EqualFold(p.Encryption.KeyVaultName, v.Name) {
			continue
		}
		for _, e := range p.Endpoints {
			if e.ConnectionName == "" {
				continue
			}
			status := ""
			switch {
			case e.Connection == sim.ConnectionPending:
				status = "Pending"
			case e.Connection == sim.ConnectionApproved:
				status = "Approved"
			case e.Connection == sim.ConnectionRejected:
				status = "Rejected"
			case e.Connection == "" && e.Status == sim.StatusDeleting:
				status = "Disconnected"
			default: // removed, or never made (FAILED)
				continue
			}
			c := armConn{group: p.ID, endpoint: e.ID, name: e.ConnectionName, status: status, simConnection: e.Connection}
			if n, ok := notes.get(c.key(), c.simConnection, status); ok {
				if n.hidden {
					continue
				}
				c.description = n.description
			}
			out = append(out, c)
		}
	}
	return out
}

func findConnection(cs []armConn, name string) *armConn {
	for i := range cs {
		if strings.EqualFold(cs[i].name, name) {
			return &cs[i]
		}
	}
	return nil
}

func (s *Server) vaultView(st *sim.State, v *sim.Vault, version string) map[string]any {
	tenant := ""
	for _, a := range st.Azure.Apps {
		if slices.ContainsFunc(a.Vaults, func(n string) bool { return strings.EqualFold(n, v.Name) }) {
			tenant = a.TenantID
			break
		}
	}
	props := map[string]any{
		"tenantId":                  tenant,
		"sku":                       map[string]any{"family": "A", "name": "standard"},
		"accessPolicies":            []any{},
		"vaultUri":                  "https://" + strings.ToLower(v.Name) + ".vault.azure.net/",
		"enabledForDeployment":      false,
		"enableSoftDelete":          true,
		"softDeleteRetentionInDays": 90,
		"enableRbacAuthorization":   true,
		"enablePurgeProtection":     true,
		"provisioningState":         "Succeeded",
	}
	if version >= "2018-02-14" && version != "2018-02-14-preview" {
		items := []any{}
		for _, c := range s.connections(st, v) {
			items = append(items, map[string]any{"id": c.id(v), "etag": c.etag(), "properties": c.properties()})
		}
		props["privateEndpointConnections"] = items
	}
	return map[string]any{"id": vaultID(v), "name": v.Name, "type": armVaultType, "location": armLocation, "tags": map[string]any{}, "properties": props}
}

func networkProvider(st *sim.State, sub string) map[string]any {
	state := "NotRegistered"
	if s := st.Azure.Subscription(sub); s != nil && s.NetworkRegistered {
		state = "Registered"
	}
	return map[string]any{
		"id": "/subscriptions/" + sub + "/providers/Microsoft.Network", "namespace": "Microsoft.Network",
		"registrationState": state, "registrationPolicy": "RegistrationRequired", "resourceTypes": []any{},
	}
}

// subscriptionTenant is the tenant of the apps that reach a vault in the
// subscription ("" when none does).
func subscriptionTenant(st *sim.State, sub string) string {
	for _, a := range st.Azure.Apps {
		if reachesSubscription(st, &a, sub) {
			return a.TenantID
		}
	}
	return ""
}

// appOf is the world's app a token was issued to, or nil.
func appOf(st *sim.State, c tokenClaims) *sim.App {
	for i := range st.Azure.Apps {
		a := &st.Azure.Apps[i]
		if strings.EqualFold(a.ClientID, c.AppID) && strings.EqualFold(a.TenantID, c.TID) {
			return a
		}
	}
	return nil
}

// The model's access: an app may act in the resource groups of the vaults
// it reaches (App.Vaults), as a role assignment on those groups would let it.
func reachesSubscription(st *sim.State, a *sim.App, sub string) bool {
	for _, name := range a.Vaults {
		if v := st.Azure.Vault(name); v != nil && strings.EqualFold(v.SubscriptionID, sub) {
			return true
		}
	}
	return false
}

func reachesResourceGroup(st *sim.State, a *sim.App, sub, rg string) bool {
	for _, name := range a.Vaults {
		if v := st.Azure.Vault(name); v != nil && strings.EqualFold(v.SubscriptionID, sub) && strings.EqualFold(v.ResourceGroupName, rg) {
			return true
		}
	}
	return false
}

func armTime(unix int64) string { return time.Unix(unix, 0).UTC().Format("1/2/2006 3:04:05 PM") }

// connNote is what ARM was told of a connection that the model does not
// keep: the description a PUT gave, or that a DELETE took away a Rejected
// or Disconnected connection. A note holds while the connection is as it
// was when written.
type connNote struct {
	connection  string // the model's view when written
	status      string // the ARM status when written
	description string
	hidden      bool
}

// azureNotes are the connection notes of the current world. The caller
// holds s.mu. They live with the server, not in the state file: after a
// restart, descriptions read as empty.
type azureNotes struct {
	machine *sim.Machine
	notes   map[string]connNote
}

func (s *Server) azureNotes() *azureNotes {
	n := &s.azure
	if n.machine != s.m || n.notes == nil { // a reset, an import or a new world
		n.machine, n.notes = s.m, map[string]connNote{}
	}
	return n
}

func (n *azureNotes) set(key string, note connNote) { n.notes[key] = note }

func (n *azureNotes) get(key, connection, status string) (connNote, bool) {
	note, ok := n.notes[key]
	if !ok || note.connection != connection || note.status != status {
		return connNote{}, false
	}
	return note, true
}
