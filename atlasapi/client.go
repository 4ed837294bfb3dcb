package atlasapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/earsim/earsim/sim"
)

// controlOps maps the events outside Atlas to their control routes.
var controlOps = map[sim.Op]struct{ method, pattern string }{
	sim.Advance:           {"POST", "/_sim/v1/clock/advance"},
	sim.ApproveConnection: {"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/approve"},
	sim.RejectConnection:  {"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/reject"},
	sim.RemoveConnection:  {"POST", "/_sim/v1/groups/{groupId}/privateEndpoints/{endpointId}/remove"},
	sim.SetProjectState:   {"POST", "/_sim/v1/groups/{groupId}/state"},
	sim.RevokeKeyAccess:   {"POST", "/_sim/v1/azure/keys/access"},
	sim.RestoreKeyAccess:  {"POST", "/_sim/v1/azure/keys/access"},
	sim.CreateKey:         {"POST", "/_sim/v1/azure/keys"},
	sim.DisableKey:        {"POST", "/_sim/v1/azure/keys/disable"},
	sim.DeleteKey:         {"POST", "/_sim/v1/azure/keys/delete"},
	sim.RegisterNetwork:   {"POST", "/_sim/v1/azure/subscriptions/{subscriptionId}/network"},
	sim.UnregisterNetwork: {"POST", "/_sim/v1/azure/subscriptions/{subscriptionId}/network"},
}

// NewRequest builds the HTTP request that performs cmd against an endpoint
// at base ("http://127.0.0.1:8080"): an Atlas operation through its v2 route
// (pause and resume are a cluster PATCH), an event outside Atlas through its
// control route. It is the route table read backwards, so clients such as
// the conformance suite's HTTP driver never spell a path themselves.
func NewRequest(base string, cmd sim.Command) (*http.Request, error) {
	op := cmd.Op
	if op == sim.PauseCluster || op == sim.ResumeCluster {
		paused := op == sim.PauseCluster
		cmd.Op, cmd.Cluster = sim.UpdateCluster, &sim.ClusterSpec{Paused: &paused}
	}
	if c, ok := controlOps[cmd.Op]; ok {
		return build(base, c.method, c.pattern, cmd, controlBody(cmd), "")
	}
	for i := range routes {
		r := &routes[i]
		if r.op != cmd.Op || r.versions == nil || r.fixed != nil {
			continue
		}
		body, err := atlasBody(r.body, cmd)
		if err != nil {
			return nil, err
		}
		return build(base, r.method, r.pattern, cmd, body, "application/vnd.atlas."+r.versions[len(r.versions)-1]+"+json")
	}
	return nil, fmt.Errorf("no route performs %s", op)
}

func build(base, method, pattern string, cmd sim.Command, body any, accept string) (*http.Request, error) {
	provider := cmd.CloudProvider
	if provider == "" {
		provider = "AZURE"
	}
	values := map[string]string{"groupId": cmd.GroupID, "endpointId": cmd.EndpointID, "clusterName": cmd.ClusterName,
		"cloudProvider": provider, "subscriptionId": cmd.SubscriptionID}
	var path strings.Builder
	for _, seg := range splitPath(pattern) {
		path.WriteString("/")
		if strings.HasPrefix(seg, "{") {
			path.WriteString(values[strings.Trim(seg, "{}")])
			continue
		}
		path.WriteString(seg)
	}
	var rd *bytes.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(method, strings.TrimSuffix(base, "/")+path.String(), rd)
	} else {
		req, err = http.NewRequest(method, strings.TrimSuffix(base, "/")+path.String(), nil)
	}
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// atlasBody is the JSON body of an Atlas route for cmd. The secret goes out
// as sent: it is the one place a secret leaves earsim, to the endpoint.
func atlasBody(kind bodyKind, cmd sim.Command) (any, error) {
	switch kind {
	case encryptionBody:
		akv := map[string]any{}
		if p := cmd.AzureKeyVault; p != nil {
			// The patch's own JSON names are the wire's; its Secret marshals
			// redacted, so the secret is added as sent.
			wire := *p
			wire.Secret = nil
			b, err := json.Marshal(wire)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(b, &akv); err != nil {
				return nil, err
			}
			if p.Secret != nil {
				akv["secret"] = string(*p.Secret)
			}
		}
		return map[string]any{"azureKeyVault": akv}, nil
	case endpointBody:
		if cmd.RegionName == "" {
			return map[string]any{}, nil
		}
		return map[string]any{"regionName": cmd.RegionName}, nil
	case projectBody:
		if cmd.Project == nil {
			return map[string]any{}, nil
		}
		return map[string]any{"name": cmd.Project.Name, "orgId": cmd.Project.OrgID}, nil
	case clusterBody:
		if cmd.Cluster == nil {
			return map[string]any{}, nil
		}
		return cmd.Cluster, nil
	case snapshotBody:
		if cmd.Snapshot == nil {
			return map[string]any{}, nil
		}
		return cmd.Snapshot, nil
	}
	return nil, nil
}

func controlBody(cmd sim.Command) any {
	switch cmd.Op {
	case sim.Advance:
		return map[string]any{"seconds": cmd.Seconds}
	case sim.SetProjectState:
		return map[string]any{"state": cmd.State}
	case sim.RevokeKeyAccess, sim.RestoreKeyAccess:
		return map[string]any{"groupId": cmd.GroupID, "granted": cmd.Op == sim.RestoreKeyAccess}
	case sim.CreateKey:
		b := map[string]any{"keyIdentifier": cmd.KeyIdentifier}
		if cmd.Enabled != nil {
			b["enabled"] = *cmd.Enabled
		}
		return b
	case sim.DisableKey, sim.DeleteKey:
		return map[string]any{"keyIdentifier": cmd.KeyIdentifier}
	case sim.RegisterNetwork, sim.UnregisterNetwork:
		return map[string]any{"registered": cmd.Op == sim.RegisterNetwork}
	}
	return nil
}
