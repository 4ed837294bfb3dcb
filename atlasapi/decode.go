package atlasapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/earsim/earsim/sim"
)

var hexID = regexp.MustCompile(`^[a-f0-9]{24}$`)

// Bodies as clients send them. Read-only fields that clients send back (the
// Terraform provider PATCHes the GET result; it POSTs cloudProvider) are
// accepted and ignored; any other unknown attribute is refused.

type encryptionIn struct {
	AwsKms                map[string]any `json:"awsKms"`
	AzureKeyVault         *keyVaultIn    `json:"azureKeyVault"`
	GoogleCloudKms        map[string]any `json:"googleCloudKms"`
	EnabledForSearchNodes *bool          `json:"enabledForSearchNodes"`
	GroupID               *string        `json:"groupId"` // legacy v1.0 shape; ignored
}

type keyVaultIn struct {
	AzureEnvironment         *string `json:"azureEnvironment"`
	ClientID                 *string `json:"clientID"`
	TenantID                 *string `json:"tenantID"`
	Secret                   *string `json:"secret"`
	SubscriptionID           *string `json:"subscriptionID"`
	ResourceGroupName        *string `json:"resourceGroupName"`
	KeyVaultName             *string `json:"keyVaultName"`
	KeyIdentifier            *string `json:"keyIdentifier"`
	RoleID                   *string `json:"roleId"`
	Enabled                  *bool   `json:"enabled"`
	RequirePrivateNetworking *bool   `json:"requirePrivateNetworking"`
	Valid                    *bool   `json:"valid"` // read-only
}

type endpointIn struct {
	RegionName                    *string `json:"regionName"`
	CloudProvider                 *string `json:"cloudProvider"`                 // read-only
	ID                            *string `json:"id"`                            // read-only
	Status                        *string `json:"status"`                        // read-only
	ErrorMessage                  *string `json:"errorMessage"`                  // read-only
	PrivateEndpointConnectionName *string `json:"privateEndpointConnectionName"` // read-only
}

type projectIn struct {
	Name         string  `json:"name"`
	OrgID        string  `json:"orgId"`
	ID           *string `json:"id"`           // read-only
	Created      *string `json:"created"`      // read-only
	ClusterCount *int    `json:"clusterCount"` // read-only
}

type clusterIn struct {
	Name                     string           `json:"name"`
	ClusterType              string           `json:"clusterType"`
	ReplicationSpecs         []*replicationIn `json:"replicationSpecs"`
	EncryptionAtRestProvider string           `json:"encryptionAtRestProvider"`
	BackupEnabled            *bool            `json:"backupEnabled"`
	Paused                   *bool            `json:"paused"`
	ID                       *string          `json:"id"`         // read-only
	GroupID                  *string          `json:"groupId"`    // read-only
	StateName                *string          `json:"stateName"`  // read-only
	CreateDate               *string          `json:"createDate"` // read-only
}

type replicationIn struct {
	RegionConfigs []regionIn `json:"regionConfigs"`
	ID            *string    `json:"id"` // read-only
	ZoneName      *string    `json:"zoneName"`
}

type regionIn struct {
	ProviderName        string      `json:"providerName"`
	BackingProviderName string      `json:"backingProviderName"`
	RegionName          string      `json:"regionName"`
	Priority            int         `json:"priority"`
	ElectableSpecs      *hardwareIn `json:"electableSpecs"`
}

type hardwareIn struct {
	InstanceSize string `json:"instanceSize"`
	NodeCount    int    `json:"nodeCount"`
}

type snapshotIn struct {
	Description     string `json:"description"`
	RetentionInDays int    `json:"retentionInDays"`
}

// strict decodes a JSON body into v, refusing unknown attributes, wrong
// types, malformed JSON and trailing data, each with its Atlas error.
func strict(body []byte, v any) *sim.Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return sim.Errorf(400, "MALFORMED_JSON", "the request needs a JSON body")
	}
	if e := checkNames(body, v); e != nil {
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if single(dec) != nil {
			return sim.Errorf(400, "MALFORMED_JSON", "the request body holds more than one JSON value")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		e := sim.Errorf(400, "INVALID_ATTRIBUTE", "attribute %s must be of type %s", typeErr.Field, jsonType(typeErr.Type.Kind().String()))
		e.Parameters = []string{typeErr.Field}
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := sim.Errorf(400, "INVALID_ATTRIBUTE", "unknown attribute %s", name)
		e.Parameters = []string{name}
		return e
	}
	return sim.Errorf(400, "MALFORMED_JSON", "the request body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonType(kind string) string {
	switch kind {
	case "bool":
		return "boolean"
	case "string":
		return "string"
	case "int", "int64", "float64":
		return "number"
	case "slice":
		return "array"
	}
	return "object"
}

// command builds the simulator command of a request.
func (c *call) command() (sim.Command, *sim.Error) {
	cmd := sim.Command{Op: c.route.op, Actor: c.actor}
	for name, v := range c.params {
		switch name {
		case "groupId", "endpointId":
			if !hexID.MatchString(v) {
				e := sim.Errorf(400, "INVALID_PATH_PARAMETER", "path parameter %s must be 24 hexadecimal digits, got %q", name, v)
				e.Parameters = []string{name}
				return cmd, e
			}
		}
	}
	cmd.GroupID = c.params["groupId"]
	cmd.EndpointID = c.params["endpointId"]
	cmd.ClusterName = c.params["clusterName"]
	cmd.CloudProvider = c.params["cloudProvider"]
	switch c.route.body {
	case encryptionBody:
		var in encryptionIn
		if err := strict(c.body, &in); err != nil {
			return cmd, err
		}
		for name, block := range map[string]map[string]any{"awsKms": in.AwsKms, "googleCloudKms": in.GoogleCloudKms} {
			if on, _ := block["enabled"].(bool); on {
				return cmd, sim.Errorf(400, "ENCRYPTION_AT_REST_PROVIDER_NOT_SUPPORTED", "%s is not modelled by earsim; only azureKeyVault", name)
			}
		}
		cmd.AzureKeyVault = &sim.AzureKeyVaultPatch{}
		if k := in.AzureKeyVault; k != nil {
			cmd.AzureKeyVault = &sim.AzureKeyVaultPatch{
				AzureEnvironment: k.AzureEnvironment, ClientID: k.ClientID, TenantID: k.TenantID,
				SubscriptionID: k.SubscriptionID, ResourceGroupName: k.ResourceGroupName, KeyVaultName: k.KeyVaultName,
				KeyIdentifier: k.KeyIdentifier, RoleID: k.RoleID, Enabled: k.Enabled, RequirePrivateNetworking: k.RequirePrivateNetworking,
			}
			if k.Secret != nil {
				s := sim.Secret(*k.Secret)
				cmd.AzureKeyVault.Secret = &s
			}
		}
	case endpointBody:
		var in endpointIn
		if err := strict(c.body, &in); err != nil {
			return cmd, err
		}
		if in.RegionName != nil {
			cmd.RegionName = *in.RegionName
		}
	case projectBody:
		var in projectIn
		if err := strict(c.body, &in); err != nil {
			return cmd, err
		}
		cmd.Project = &sim.ProjectSpec{Name: in.Name, OrgID: in.OrgID}
	case clusterBody:
		var in clusterIn
		if err := strict(c.body, &in); err != nil {
			return cmd, err
		}
		if cmd.Op == sim.UpdateCluster && in.Name != "" && in.Name != cmd.ClusterName {
			return cmd, sim.Errorf(400, "INVALID_ATTRIBUTE", "the cluster name cannot change (path %q, body %q)", cmd.ClusterName, in.Name)
		}
		cmd.Cluster = in.spec()
	case snapshotBody:
		in := snapshotIn{}
		if len(bytes.TrimSpace(c.body)) > 0 {
			if err := strict(c.body, &in); err != nil {
				return cmd, err
			}
		}
		cmd.Snapshot = &sim.SnapshotSpec{Description: in.Description, RetentionInDays: in.RetentionInDays}
	}
	return cmd, nil
}

func (in *clusterIn) spec() *sim.ClusterSpec {
	s := &sim.ClusterSpec{Name: in.Name, ClusterType: in.ClusterType, EncryptionAtRestProvider: in.EncryptionAtRestProvider,
		BackupEnabled: in.BackupEnabled, Paused: in.Paused}
	if in.ReplicationSpecs != nil {
		s.ReplicationSpecs = []sim.ReplicationSpec{}
	}
	for _, rs := range in.ReplicationSpecs {
		if rs == nil {
			continue
		}
		var spec sim.ReplicationSpec
		for _, rc := range rs.RegionConfigs {
			out := sim.RegionConfig{ProviderName: rc.ProviderName, BackingProviderName: rc.BackingProviderName, RegionName: rc.RegionName, Priority: rc.Priority}
			if rc.ElectableSpecs != nil {
				out.ElectableSpecs = &sim.HardwareSpec{InstanceSize: rc.ElectableSpecs.InstanceSize, NodeCount: rc.ElectableSpecs.NodeCount}
			}
			spec.RegionConfigs = append(spec.RegionConfigs, out)
		}
		s.ReplicationSpecs = append(s.ReplicationSpecs, spec)
	}
	return s
}
