package atlasapi

import (
	"strings"

	"github.com/earsim/earsim/sim"
)

// Resource versions (RULES.md section 4): a request's dated media type
// resolves to the newest of these on or before its date.
var (
	v20230101 = []string{"2023-01-01"}
	v20240805 = []string{"2024-08-05"}
)

// route is one row of the route table, the only place paths exist.
type route struct {
	method   string
	pattern  string   // segments; {name} binds a path parameter
	op       sim.Op   // the simulator operation it performs
	versions []string // dated media types it answers; nil: the legacy v1.0 route (application/json)
	status   int      // success status when the op's own differs (e.g. 204 for DELETE)
	list     bool     // paginated answer
	body     bodyKind // what the request body holds
}

type bodyKind int

const (
	noBody         bodyKind = iota // none (any sent is ignored)
	encryptionBody                 // EncryptionAtRest
	endpointBody                   // {"regionName"}
	projectBody                    // {"name", "orgId"}
	clusterBody                    // the cluster subset
	snapshotBody                   // {"description", "retentionInDays"}
)

const (
	v2 = "/api/atlas/v2"
	v1 = "/api/atlas/v1.0"
)

// routes is the route table of API.md.
var routes = []route{
	{"GET", v2 + "/groups/{groupId}/encryptionAtRest", sim.GetEncryptionConfig, v20230101, 0, false, noBody},
	{"PATCH", v2 + "/groups/{groupId}/encryptionAtRest", sim.UpdateEncryptionConfig, v20230101, 0, false, encryptionBody},
	{"GET", v2 + "/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints", sim.ListPrivateEndpoints, v20230101, 0, true, noBody},
	{"POST", v2 + "/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints", sim.CreatePrivateEndpoint, v20230101, 0, false, endpointBody},
	{"GET", v2 + "/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints/{endpointId}", sim.GetPrivateEndpoint, v20230101, 0, false, noBody},
	{"DELETE", v2 + "/groups/{groupId}/encryptionAtRest/{cloudProvider}/privateEndpoints/{endpointId}", sim.DeletePrivateEndpoint, v20230101, 204, false, noBody},
	{"GET", v2 + "/orgs", sim.ListOrganizations, v20230101, 0, true, noBody},
	{"POST", v2 + "/groups", sim.CreateProject, v20230101, 0, false, projectBody},
	{"GET", v2 + "/groups/{groupId}", sim.GetProject, v20230101, 0, false, noBody},
	{"DELETE", v2 + "/groups/{groupId}", sim.DeleteProject, v20230101, 204, false, noBody},
	{"POST", v2 + "/groups/{groupId}/clusters", sim.CreateCluster, v20240805, 0, false, clusterBody},
	{"GET", v2 + "/groups/{groupId}/clusters", sim.ListClusters, v20240805, 0, true, noBody},
	{"GET", v2 + "/groups/{groupId}/clusters/{clusterName}", sim.GetCluster, v20240805, 0, false, noBody},
	{"PATCH", v2 + "/groups/{groupId}/clusters/{clusterName}", sim.UpdateCluster, v20240805, 0, false, clusterBody},
	{"DELETE", v2 + "/groups/{groupId}/clusters/{clusterName}", sim.DeleteCluster, v20240805, 0, false, noBody},
	{"POST", v2 + "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", sim.CreateSnapshot, v20230101, 0, false, snapshotBody},
	{"GET", v2 + "/groups/{groupId}/clusters/{clusterName}/backup/snapshots", sim.ListSnapshots, v20230101, 0, true, noBody},
	{"GET", v1 + "/groups/{groupId}/encryptionAtRest", sim.GetEncryptionConfig, nil, 0, false, noBody},
	{"PATCH", v1 + "/groups/{groupId}/encryptionAtRest", sim.UpdateEncryptionConfig, nil, 0, false, encryptionBody},
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
}

var controlRoutes = []controlRoute{
	{"POST", "/_sim/v1/reset", (*Server).ctlReset},
	{"GET", "/_sim/v1/clock", (*Server).ctlClock},
	{"POST", "/_sim/v1/clock/advance", (*Server).ctlAdvance},
	{"GET", "/_sim/v1/state", (*Server).ctlExport},
	{"PUT", "/_sim/v1/state", (*Server).ctlImport},
	{"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/approve", (*Server).ctlConnection},
	{"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/reject", (*Server).ctlConnection},
	{"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/remove", (*Server).ctlConnection},
	{"POST", "/_sim/v1/groups/{groupId}/state", (*Server).ctlProjectState},
	{"POST", "/_sim/v1/azure/keys/access", (*Server).ctlKeyAccess},
	{"POST", "/_sim/v1/azure/keys", (*Server).ctlCreateKey},
	{"POST", "/_sim/v1/azure/keys/disable", (*Server).ctlKeyEvent},
	{"POST", "/_sim/v1/azure/keys/delete", (*Server).ctlKeyEvent},
	{"POST", "/_sim/v1/azure/subscriptions/{subscriptionId}/network", (*Server).ctlNetwork},
	{"GET", "/_sim/v1/effects", (*Server).ctlEffects},
	{"GET", "/_sim/v1/faults", (*Server).ctlFaults},
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
