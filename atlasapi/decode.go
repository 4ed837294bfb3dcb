package atlasapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"

	"github.com/earsim/earsim/sim"
)

var (
	hexID = regexp.MustCompile(`^[a-f0-9]{24}$`)
	// Names as the official definition's patterns allow them (Group.name,
	// ClusterDescription20240805.name; Atlas caps cluster names at 64).
	clusterName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]{0,63}$`)
	// Compiled on first use: its Unicode classes take 2.6 MB and 8 ms, which
	// every earsim command paid at start-up (issue 15).
	projectName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}\p{N}\-_.(),:&@+']{1,64}$`) })
)

// clip shortens a value quoted back in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

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
	Links        []any   `json:"links"`        // read-only
	// Accepted and not kept (docs/MODEL.md): the Terraform provider sends
	// them with every project.
	Tags                      []tagIn `json:"tags"`
	WithDefaultAlertsSettings *bool   `json:"withDefaultAlertsSettings"`
	RegionUsageRestrictions   *string `json:"regionUsageRestrictions"`
}

type tagIn struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// settingsIn is a project's settings (GroupSettings).
type settingsIn struct {
	IsCollectDatabaseSpecificsStatisticsEnabled *bool `json:"isCollectDatabaseSpecificsStatisticsEnabled"`
	IsDataExplorerEnabled                       *bool `json:"isDataExplorerEnabled"`
	IsExtendedStorageSizesEnabled               *bool `json:"isExtendedStorageSizesEnabled"`
	IsPerformanceAdvisorEnabled                 *bool `json:"isPerformanceAdvisorEnabled"`
	IsRealtimePerformancePanelEnabled           *bool `json:"isRealtimePerformancePanelEnabled"`
	IsSchemaAdvisorEnabled                      *bool `json:"isSchemaAdvisorEnabled"`
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
	DiskSizeGB               *float64         `json:"diskSizeGB"` // 2023-02-01; not modelled
	clusterSettings
}

// clusterSettings are the cluster attributes of the official definition
// that no rule reads: accepted as Atlas accepts them (so that a module that
// sets them can be applied) and not kept (docs/MODEL.md M27). Read-only
// ones that clients send back are among them.
type clusterSettings struct {
	Labels                                    []tagIn         `json:"labels"`
	Tags                                      []tagIn         `json:"tags"`
	MongoDBMajorVersion                       *string         `json:"mongoDBMajorVersion"`
	MongoDBVersion                            *string         `json:"mongoDBVersion"` // read-only
	TerminationProtectionEnabled              *bool           `json:"terminationProtectionEnabled"`
	PitEnabled                                *bool           `json:"pitEnabled"`
	BiConnector                               json.RawMessage `json:"biConnector"`
	VersionReleaseSystem                      *string         `json:"versionReleaseSystem"`
	RootCertType                              *string         `json:"rootCertType"`
	GlobalClusterSelfManagedSharding          *bool           `json:"globalClusterSelfManagedSharding"`
	RedactClientLogData                       *bool           `json:"redactClientLogData"`
	ConfigServerManagementMode                *string         `json:"configServerManagementMode"`
	ReplicaSetScalingStrategy                 *string         `json:"replicaSetScalingStrategy"`
	AcceptDataRisksAndForceReplicaSetReconfig *string         `json:"acceptDataRisksAndForceReplicaSetReconfig"`
	DiskWarmingMode                           *string         `json:"diskWarmingMode"`
	ConnectionStrings                         json.RawMessage `json:"connectionStrings"` // read-only
	Links                                     json.RawMessage `json:"links"`             // read-only
}

type replicationIn struct {
	RegionConfigs []regionIn `json:"regionConfigs"`
	ID            *string    `json:"id"`     // read-only
	ZoneID        *string    `json:"zoneId"` // read-only (2024-08-05 and later)
	ZoneName      *string    `json:"zoneName"`
	NumShards     *int       `json:"numShards"` // 2023-02-01: one spec per shard from 2024-08-05
}

type regionIn struct {
	ProviderName        string      `json:"providerName"`
	BackingProviderName string      `json:"backingProviderName"`
	RegionName          string      `json:"regionName"`
	Priority            int         `json:"priority"`
	ElectableSpecs      *hardwareIn `json:"electableSpecs"`
	// Not modelled, accepted: other nodes and auto-scaling.
	ReadOnlySpecs        *hardwareIn     `json:"readOnlySpecs"`
	AnalyticsSpecs       *hardwareIn     `json:"analyticsSpecs"`
	AutoScaling          json.RawMessage `json:"autoScaling"`
	AnalyticsAutoScaling json.RawMessage `json:"analyticsAutoScaling"`
}

type hardwareIn struct {
	InstanceSize string   `json:"instanceSize"`
	NodeCount    int      `json:"nodeCount"`
	DiskSizeGB   *float64 `json:"diskSizeGB"` // 2024-08-05 and later; not modelled
	DiskIOPS     *int     `json:"diskIOPS"`   // not modelled
	EbsVolume    *string  `json:"ebsVolumeType"`
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
		case "clusterName":
			if !clusterName.MatchString(v) {
				e := sim.Errorf(400, "INVALID_PATH_PARAMETER", "path parameter clusterName must be 1 to 64 letters, digits and hyphens, starting with a letter or digit, got %q", clip(v))
				e.Parameters = []string{name}
				return cmd, e
			}
		}
	}
	cmd.GroupID = c.params["groupId"]
	cmd.EndpointID = c.params["endpointId"]
	cmd.ClusterName = c.params["clusterName"]
	cmd.CloudProvider = c.params["cloudProvider"]
	if name, ok := c.params["groupName"]; ok {
		cmd.Project = &sim.ProjectSpec{Name: name}
	}
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
		if !projectName().MatchString(in.Name) {
			e := sim.Errorf(400, "INVALID_ATTRIBUTE", "name must be 1 to 64 letters, digits and - _ . ( ) , : & @ + ' (Atlas's project names), got %q", clip(in.Name))
			e.Parameters = []string{"name"}
			return cmd, e
		}
		cmd.Project = &sim.ProjectSpec{Name: in.Name, OrgID: in.OrgID, WithDefaultAlertsSettings: in.WithDefaultAlertsSettings}
	case clusterBody:
		var in clusterIn
		if err := strict(c.body, &in); err != nil {
			return cmd, err
		}
		if cmd.Op == sim.UpdateCluster && in.Name != "" && in.Name != cmd.ClusterName {
			return cmd, sim.Errorf(400, "INVALID_ATTRIBUTE", "the cluster name cannot change (path %q, body %q)", cmd.ClusterName, in.Name)
		}
		if in.Name != "" && !clusterName.MatchString(in.Name) {
			e := sim.Errorf(400, "INVALID_ATTRIBUTE", "name must be 1 to 64 letters, digits and hyphens, starting with a letter or digit (Atlas's cluster names), got %q", clip(in.Name))
			e.Parameters = []string{"name"}
			return cmd, e
		}
		if err := in.versioned(c.version); err != nil {
			return cmd, err
		}
		cmd.Cluster = in.spec()
	case settingsBody:
		var in settingsIn
		if err := strict(c.body, &in); err != nil {
			return cmd, err
		}
	case anyBody:
		var in map[string]any
		if err := strict(c.body, &in); err != nil {
			return cmd, err
		}
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

// versioned refuses the attributes that the version answered does not have:
// numShards and the cluster's diskSizeGB only in 2023-02-01, a zoneId and a
// per-region diskSizeGB only from 2024-08-05.
func (in *clusterIn) versioned(version string) *sim.Error {
	legacy := version < "2024-08-05"
	unknown := func(name string) *sim.Error {
		e := sim.Errorf(400, "INVALID_ATTRIBUTE", "unknown attribute %s in resource version %s", name, version)
		e.Parameters = []string{name}
		return e
	}
	if !legacy && in.DiskSizeGB != nil {
		return unknown("diskSizeGB")
	}
	for _, rs := range in.ReplicationSpecs {
		if rs == nil {
			continue
		}
		switch {
		case legacy && rs.ZoneID != nil:
			return unknown("replicationSpecs.zoneId")
		case !legacy && rs.NumShards != nil:
			return unknown("replicationSpecs.numShards")
		case rs.NumShards != nil && *rs.NumShards != 1:
			e := sim.Errorf(400, "INVALID_ATTRIBUTE", "earsim models replica sets and one-shard clusters: numShards must be 1, got %d", *rs.NumShards)
			e.Parameters = []string{"replicationSpecs.numShards"}
			return e
		}
		for _, rc := range rs.RegionConfigs {
			if legacy && rc.ElectableSpecs != nil && rc.ElectableSpecs.DiskSizeGB != nil {
				return unknown("replicationSpecs.regionConfigs.electableSpecs.diskSizeGB")
			}
		}
	}
	return nil
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
		spec := sim.ReplicationSpec{ZoneName: defaultZone}
		if rs.ZoneName != nil && *rs.ZoneName != "" {
			spec.ZoneName = *rs.ZoneName
		}
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
