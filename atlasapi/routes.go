package atlasapi

import (
	"net/http"
	"strings"

	"github.com/earsim/earsim/sim"
)

// operationVersions is one operation of the official definition: its
// operationId and the dated resource versions it is served in (generated
// into versions_gen.go from the definitions the official SDKs ship).
type operationVersions struct {
	id       string
	versions []string
}

//go:generate go run ./internal/genversions -o versions_gen.go
//go:generate env EARSIM_UPDATE=1 go test ../explore -run ^TestConsoleLifecycleIsCurrent$ -count=1

// route is one row of the route table, the only place paths exist. Its
// versions are the definition's for the operation (versions_gen.go), never
// written by hand; legacy v1.0 routes answer application/json.
type route struct {
	method  string
	pattern string   // segments; {name} binds a path parameter
	op      sim.Op   // the simulator operation it performs
	status  int      // success status when the op's own differs (e.g. 204 for DELETE)
	list    bool     // paginated answer
	body    bodyKind // what the request body holds
	// fixed, when set, is the answer of a route outside the model that
	// official clients read around the modelled ones (a project's settings,
	// a cluster's process arguments): what Atlas answers for a project that
	// has nothing of that kind. op then only checks that the project (or
	// cluster) exists and that the key may read it.
	fixed func(c *call, res sim.Result) any
	// local, when set, answers a route outside the model from the server's
	// own state (the rate limits); op is then empty.
	local func(s *Server, c *call) (any, *sim.Error)
	// oauth, when set, answers one of the OAuth routes, which authenticate
	// the service account themselves (Basic) and are not versioned.
	oauth func(s *Server, w http.ResponseWriter, r *http.Request, body []byte)

	versions []string // from the definition, filled in at start-up
}

type bodyKind int

const (
	noBody         bodyKind = iota // none (any sent is ignored)
	encryptionBody                 // EncryptionAtRest
	endpointBody                   // {"regionName"}
	projectBody                    // {"name", "orgId"}
	clusterBody                    // the cluster subset
	snapshotBody                   // {"description", "retentionInDays"}
	settingsBody                   // a project's settings (not kept)
	anyBody                        // a JSON object, not kept (process arguments)
)

const (
	v2 = "/api/atlas/v2"
	v1 = "/api/atlas/v1.0"
)

// isVersioned reports whether a route's pattern is an operation of the
// official v2 definition (its media types are dated).
func isVersioned(pattern string) bool { return strings.HasPrefix(pattern, v2+"/") }

// routes is the route table of API.md.
var routes = []route{
	{method: "GET", pattern: v2 + "/groups/{groupId}/encryptionAtRest", op: sim.GetEncryptionConfig},
	{method: "PATCH", pattern: v2 + "/groups/{groupId}/encryptionAtRest", op: sim.UpdateEncryptionConfig, body: encryptionBody},
	{method: "GET", pattern: v2 + "/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints", op: sim.ListPrivateEndpoints, list: true},
	{method: "POST", pattern: v2 + "/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints", op: sim.CreatePrivateEndpoint, body: endpointBody},
	{method: "GET", pattern: v2 + "/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints/{endpointId}", op: sim.GetPrivateEndpoint},
	{method: "DELETE", pattern: v2 + "/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints/{endpointId}", op: sim.DeletePrivateEndpoint, status: 204},
	{method: "GET", pattern: v2 + "/orgs", op: sim.ListOrganizations, list: true},
	{method: "GET", pattern: v2 + "/groups", op: sim.ListProjects, list: true},
	{method: "POST", pattern: v2 + "/groups", op: sim.CreateProject, body: projectBody},
	// before /groups/{groupId}/...: a project may be named "clusters"
	{method: "GET", pattern: v2 + "/groups/byName/{groupName}", op: sim.GetProjectByName},
	{method: "GET", pattern: v2 + "/groups/{groupId}", op: sim.GetProject},
	{method: "DELETE", pattern: v2 + "/groups/{groupId}", op: sim.DeleteProject, status: 204},
	{method: "POST", pattern: v2 + "/groups/{groupId}/clusters", op: sim.CreateCluster, body: clusterBody},
	{method: "GET", pattern: v2 + "/groups/{groupId}/clusters", op: sim.ListClusters, list: true},
	{method: "GET", pattern: v2 + "/groups/{groupId}/clusters/{clusterName}", op: sim.GetCluster},
	{method: "PATCH", pattern: v2 + "/groups/{groupId}/clusters/{clusterName}", op: sim.UpdateCluster, body: clusterBody},
	{method: "DELETE", pattern: v2 + "/groups/{groupId}/clusters/{clusterName}", op: sim.DeleteCluster},
	{method: "POST", pattern: v2 + "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", op: sim.CreateSnapshot, body: snapshotBody},
	{method: "GET", pattern: v2 + "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", op: sim.ListSnapshots, list: true},
	{method: "GET", pattern: v2 + "/rateLimits", list: true, local: listRateLimits},
	{method: "GET", pattern: v2 + "/rateLimits/{endpointSetId}", local: getRateLimit},
	{method: "POST", pattern: tokenPath, oauth: (*Server).serveToken},
	{method: "POST", pattern: revokePath, oauth: (*Server).serveRevoke},
	{method: "GET", pattern: v1 + "/groups/{groupId}/encryptionAtRest", op: sim.GetEncryptionConfig},
	{method: "PATCH", pattern: v1 + "/groups/{groupId}/encryptionAtRest", op: sim.UpdateEncryptionConfig, body: encryptionBody},

	// Read around the model by the Terraform provider (API.md "Real
	// clients"): answered as for a project with nothing of that kind.
	{method: "GET", pattern: v2 + "/groups/{groupId}/settings", op: sim.GetProject, fixed: projectSettings},
	{method: "PATCH", pattern: v2 + "/groups/{groupId}/settings", op: sim.GetProject, body: settingsBody, fixed: projectSettings},
	{method: "GET", pattern: v2 + "/groups/{groupId}/teams", op: sim.GetProject, list: true, fixed: emptyList},
	{method: "GET", pattern: v2 + "/groups/{groupId}/limits", op: sim.GetProject, fixed: func(*call, sim.Result) any { return []any{} }},
	{method: "GET", pattern: v2 + "/groups/{groupId}/ipAddresses", op: sim.GetProject, fixed: ipAddresses},
	{method: "GET", pattern: v2 + "/groups/{groupId}/managedSlowMs", op: sim.GetProject, fixed: func(*call, sim.Result) any { return false }},
	{method: "GET", pattern: v2 + "/groups/{groupId}/containers", op: sim.ListClusters, list: true, fixed: containers},
	{method: "GET", pattern: v2 + "/groups/{groupId}/containers/all", op: sim.ListClusters, list: true, fixed: containers},
	{method: "GET", pattern: v2 + "/groups/{groupId}/clusters/{clusterName}/processArgs", op: sim.GetCluster, fixed: processArgs},
	{method: "PATCH", pattern: v2 + "/groups/{groupId}/clusters/{clusterName}/processArgs", op: sim.GetCluster, body: anyBody, fixed: processArgs},
}

func init() {
	for i := range routes {
		r := &routes[i]
		if !isVersioned(r.pattern) {
			continue // the legacy v1.0 routes (application/json) and OAuth
		}
		d, ok := definition[r.method+" "+r.pattern]
		if !ok || len(d.versions) == 0 {
			panic("atlasapi: " + r.method + " " + r.pattern + " is not an operation of the official definition")
		}
		r.versions = d.versions
	}
}

func emptyList(*call, sim.Result) any { return map[string]any{"results": []any{}} }

// containers are the network peering containers Atlas makes for a
// project's dedicated clusters, one per provider and region, filtered by
// providerName when asked (the Terraform provider 2.x resolves a cluster's
// container ids from them).
func containers(c *call, res sim.Result) any {
	list, _ := res.Body.(sim.List[sim.ClusterView])
	want := c.query.Get("providerName")
	seen := map[string]bool{}
	out := []any{}
	for _, cl := range list.Results {
		for _, rs := range cl.ReplicationSpecs {
			for _, rc := range rs.RegionConfigs {
				p := rc.ProviderName
				if p == "TENANT" || p == "FLEX" || p == "SERVERLESS" || want != "" && p != want || seen[p+"/"+rc.RegionName] {
					continue
				}
				seen[p+"/"+rc.RegionName] = true
				ct := map[string]any{"id": derivedID(c.params["groupId"], "container/"+p+"/"+rc.RegionName, 0), "providerName": p,
					"atlasCidrBlock": "192.168.248.0/21", "provisioned": true}
				switch p {
				case "AZURE":
					ct["region"] = rc.RegionName
				case "GCP":
					ct["regions"] = []string{rc.RegionName}
				default:
					ct["regionName"] = rc.RegionName
				}
				out = append(out, ct)
			}
		}
	}
	return map[string]any{"results": out}
}

// projectSettings are a new project's settings (Atlas's defaults). A PATCH
// is answered with them and not kept (docs/MODEL.md).
func projectSettings(*call, sim.Result) any {
	return map[string]any{
		"isCollectDatabaseSpecificsStatisticsEnabled": true,
		"isDataExplorerEnabled":                       true,
		"isExtendedStorageSizesEnabled":               false,
		"isPerformanceAdvisorEnabled":                 true,
		"isRealtimePerformancePanelEnabled":           true,
		"isSchemaAdvisorEnabled":                      true,
	}
}

func ipAddresses(c *call, _ sim.Result) any {
	return map[string]any{"groupId": c.params["groupId"], "services": map[string]any{"clusters": []any{}}}
}

// processArgs are a cluster's default process arguments.
func processArgs(*call, sim.Result) any {
	return map[string]any{
		"javascriptEnabled":         true,
		"minimumEnabledTlsProtocol": "TLS1_2",
		"noTableScan":               false,
	}
}

// match finds the route for a method and path. It returns the route, the
// path parameters, and whether the path exists at all (for 405 versus 404).
// A trailing slash is ignored: the seed's own examples send one.
func match(method, path string) (*route, map[string]string, bool) {
	segs := splitPath(path)
	pathFound := false
	for i := range routes {
		r := &routes[i]
		params, ok := bind(splitPath(r.pattern), segs)
		if !ok {
			continue
		}
		pathFound = true
		if r.method == method {
			return r, params, true
		}
	}
	return nil, nil, pathFound
}

// outsideModel finds the operation of the official definition that a
// request the route table does not serve would reach: its operationId and
// path template.
func outsideModel(method, path string) (string, string, bool) {
	segs := splitPath(path)
	best, bestTemplate := "", ""
	bestFixed := -1
	for key, op := range definition {
		m, template, _ := strings.Cut(key, " ")
		if m != method {
			continue
		}
		pattern := splitPath(template)
		if _, ok := bind(pattern, segs); !ok {
			continue
		}
		fixed := 0 // prefer the template with more literal segments (/clusters/tenantUpgrade over /clusters/{clusterName})
		for _, p := range pattern {
			if !strings.HasPrefix(p, "{") {
				fixed++
			}
		}
		if fixed > bestFixed || fixed == bestFixed && template < bestTemplate {
			best, bestTemplate, bestFixed = op.id, template, fixed
		}
	}
	return best, bestTemplate, bestFixed >= 0
}

// allowed lists the methods a path answers, for 405's Allow header.
func allowed(path string) []string {
	var out []string
	segs := splitPath(path)
	for _, r := range routes {
		if _, ok := bind(splitPath(r.pattern), segs); ok {
			out = append(out, r.method)
		}
	}
	return out
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

func bind(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// controlPrefix mounts the control routes: the outside world (Azure, time,
// an operator) and the simulator itself. No API key; loopback only unless a
// control token is set.
const controlPrefix = "/_sim/v1/"

// controlRoute is one row of the control route table.
type controlRoute struct {
	method  string
	pattern string
	handle  func(s *Server, c *controlCall) (int, any, *sim.Error)
	stream  func(s *Server, w http.ResponseWriter, r *http.Request) // instead of handle: a response that stays open
}

var controlRoutes = []controlRoute{
	{"POST", "/_sim/v1/reset", (*Server).ctlReset, nil},
	{"GET", "/_sim/v1/clock", (*Server).ctlClock, nil},
	{"POST", "/_sim/v1/clock/advance", (*Server).ctlAdvance, nil},
	{"GET", "/_sim/v1/state", (*Server).ctlExport, nil},
	{"PUT", "/_sim/v1/state", (*Server).ctlImport, nil},
	{"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/approve", (*Server).ctlConnection, nil},
	{"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/reject", (*Server).ctlConnection, nil},
	{"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/remove", (*Server).ctlConnection, nil},
	{"POST", "/_sim/v1/groups/{groupId}/state", (*Server).ctlProjectState, nil},
	{"POST", "/_sim/v1/azure/keys/access", (*Server).ctlKeyAccess, nil},
	{"POST", "/_sim/v1/azure/keys", (*Server).ctlCreateKey, nil},
	{"POST", "/_sim/v1/azure/keys/disable", (*Server).ctlKeyEvent, nil},
	{"POST", "/_sim/v1/azure/keys/delete", (*Server).ctlKeyEvent, nil},
	{"POST", "/_sim/v1/azure/subscriptions/{subscriptionId}/network", (*Server).ctlNetwork, nil},
	{"GET", "/_sim/v1/effects", (*Server).ctlEffects, nil},
	{"GET", "/_sim/v1/faults", (*Server).ctlFaults, nil},
	{"GET", "/_sim/v1/chaos", (*Server).ctlChaos, nil},
	{"PUT", "/_sim/v1/chaos", (*Server).ctlChaos, nil},
	// The console's (console.go): the world as it shows it, its live
	// stream, and its Delete button on an endpoint.
	{"GET", "/_sim/v1/console/world", (*Server).ctlConsoleWorld, nil},
	{"GET", "/_sim/v1/console/events", nil, (*Server).ctlEvents},
	{"POST", "/_sim/v1/console/groups/{groupId}/privateEndpoints/{endpointId}/delete", (*Server).ctlConsoleDelete, nil},
}

func matchControl(method, path string) (*controlRoute, map[string]string, bool) {
	segs := splitPath(path)
	found := false
	for i := range controlRoutes {
		r := &controlRoutes[i]
		params, ok := bind(splitPath(r.pattern), segs)
		if !ok {
			continue
		}
		found = true
		if r.method == method {
			return r, params, true
		}
	}
	return nil, nil, found
}
