package sim

// Op names a command. Atlas operations are the routes of API.md; Azure
// events and clock moves stand for what happens outside Atlas.
type Op string

// Atlas operations.
const (
	GetEncryptionConfig    Op = "GetEncryptionConfig"
	UpdateEncryptionConfig Op = "UpdateEncryptionConfig"
	ListPrivateEndpoints   Op = "ListPrivateEndpoints"
	CreatePrivateEndpoint  Op = "CreatePrivateEndpoint"
	GetPrivateEndpoint     Op = "GetPrivateEndpoint"
	DeletePrivateEndpoint  Op = "DeletePrivateEndpoint"
	ListOrganizations      Op = "ListOrganizations"
	ListProjects           Op = "ListProjects"
	GetProjectByName       Op = "GetProjectByName"
	CreateProject          Op = "CreateProject"
	GetProject             Op = "GetProject"
	DeleteProject          Op = "DeleteProject"
	CreateCluster          Op = "CreateCluster"
	GetCluster             Op = "GetCluster"
	ListClusters           Op = "ListClusters"
	UpdateCluster          Op = "UpdateCluster"
	PauseCluster           Op = "PauseCluster"
	ResumeCluster          Op = "ResumeCluster"
	DeleteCluster          Op = "DeleteCluster"
	CreateSnapshot         Op = "CreateSnapshot"
	ListSnapshots          Op = "ListSnapshots"
)

// Events outside Atlas: the operator, Azure, and the clock.
const (
	SetProjectState   Op = "SetProjectState"
	ApproveConnection Op = "ApproveConnection"
	RejectConnection  Op = "RejectConnection"
	RemoveConnection  Op = "RemoveConnection"
	RevokeKeyAccess   Op = "RevokeKeyAccess"
	RestoreKeyAccess  Op = "RestoreKeyAccess"
	CreateKey         Op = "CreateKey"
	DisableKey        Op = "DisableKey"
	DeleteKey         Op = "DeleteKey"
	RegisterNetwork   Op = "RegisterNetwork"
	UnregisterNetwork Op = "UnregisterNetwork"
	Advance           Op = "Advance"
)

// provisionEndpoint is the internal event of a finished provisioning timer,
// shown to the policies so that they can fail it (EAR-NET-01).
const provisionEndpoint Op = "ProvisionEndpoint"

// OpSpec says what an op is and which Command fields it reads.
type OpSpec struct {
	Op       Op
	Kind     string   // "atlas", "azure", "operator" or "clock"
	Read     bool     // reads only: never changes state
	Project  bool     // acts on Command.GroupID
	Required []string // Command fields (JSON names) that must be set
	Optional []string // further Command fields it reads
}

// Ops lists every op in a stable order. Decoders (scenarios, HTTP, Gherkin)
// use it to validate arguments; nothing else in sim depends on it.
var Ops = []OpSpec{
	{GetEncryptionConfig, "atlas", true, true, nil, nil},
	{UpdateEncryptionConfig, "atlas", false, true, []string{"azureKeyVault"}, nil},
	{ListPrivateEndpoints, "atlas", true, true, nil, []string{"cloudProvider"}},
	{CreatePrivateEndpoint, "atlas", false, true, nil, []string{"cloudProvider", "regionName"}},
	{GetPrivateEndpoint, "atlas", true, true, []string{"endpointId"}, []string{"cloudProvider"}},
	{DeletePrivateEndpoint, "atlas", false, true, []string{"endpointId"}, []string{"cloudProvider"}},
	{ListOrganizations, "atlas", true, false, nil, nil},
	{ListProjects, "atlas", true, false, nil, nil},
	{GetProjectByName, "atlas", true, false, []string{"project"}, nil},
	{CreateProject, "atlas", false, false, []string{"project"}, nil},
	{GetProject, "atlas", true, true, nil, nil},
	{DeleteProject, "atlas", false, true, nil, nil},
	{CreateCluster, "atlas", false, true, []string{"cluster"}, nil},
	{GetCluster, "atlas", true, true, []string{"clusterName"}, nil},
	{ListClusters, "atlas", true, true, nil, nil},
	{UpdateCluster, "atlas", false, true, []string{"clusterName", "cluster"}, nil},
	{PauseCluster, "atlas", false, true, []string{"clusterName"}, nil},
	{ResumeCluster, "atlas", false, true, []string{"clusterName"}, nil},
	{DeleteCluster, "atlas", false, true, []string{"clusterName"}, nil},
	{CreateSnapshot, "atlas", false, true, []string{"clusterName"}, []string{"snapshot"}},
	{ListSnapshots, "atlas", true, true, []string{"clusterName"}, nil},
	{SetProjectState, "operator", false, true, []string{"state"}, nil},
	{ApproveConnection, "azure", false, true, []string{"endpointId"}, nil},
	{RejectConnection, "azure", false, true, []string{"endpointId"}, nil},
	{RemoveConnection, "azure", false, true, []string{"endpointId"}, nil},
	{RevokeKeyAccess, "azure", false, true, nil, nil},
	{RestoreKeyAccess, "azure", false, true, nil, nil},
	{CreateKey, "azure", false, false, []string{"keyIdentifier"}, []string{"enabled"}},
	{DisableKey, "azure", false, false, []string{"keyIdentifier"}, nil},
	{DeleteKey, "azure", false, false, []string{"keyIdentifier"}, nil},
	{RegisterNetwork, "azure", false, false, []string{"subscriptionId"}, nil},
	{UnregisterNetwork, "azure", false, false, []string{"subscriptionId"}, nil},
	{Advance, "clock", false, false, []string{"seconds"}, nil},
}

// Spec returns the OpSpec of op and whether op exists.
func Spec(op Op) (OpSpec, bool) {
	for _, s := range Ops {
		if s.Op == op {
			return s, true
		}
	}
	return OpSpec{}, false
}

// Command is one request to the model: an Atlas operation, an event outside
// Atlas, or a move of the clock. Op says which fields it reads (see Ops).
type Command struct {
	Op             Op                  `json:"op"`
	GroupID        string              `json:"groupId,omitempty"`
	CloudProvider  string              `json:"cloudProvider,omitempty"` // default AZURE
	EndpointID     string              `json:"endpointId,omitempty"`
	RegionName     string              `json:"regionName,omitempty"`
	ClusterName    string              `json:"clusterName,omitempty"`
	AzureKeyVault  *AzureKeyVaultPatch `json:"azureKeyVault,omitempty"`
	Cluster        *ClusterSpec        `json:"cluster,omitempty"`
	Project        *ProjectSpec        `json:"project,omitempty"`
	Snapshot       *SnapshotSpec       `json:"snapshot,omitempty"`
	State          string              `json:"state,omitempty"`
	KeyIdentifier  string              `json:"keyIdentifier,omitempty"`
	Enabled        *bool               `json:"enabled,omitempty"`
	SubscriptionID string              `json:"subscriptionId,omitempty"`
	Seconds        int64               `json:"seconds,omitempty"`
	Actor          *Actor              `json:"actor,omitempty"`
}

// Actor is who sends an Atlas request. A nil Actor means no role check (the
// simulator's own driver); otherwise the policies check roles (EAR-CL-01).
type Actor struct {
	Roles      []string            `json:"roles,omitempty"`      // organization-wide roles
	GroupRoles map[string][]string `json:"groupRoles,omitempty"` // per-project roles
}

// AzureKeyVaultPatch is the azureKeyVault object of a PATCH encryptionAtRest:
// nil fields are not sent. Read-only fields (valid) are not part of it.
type AzureKeyVaultPatch struct {
	AzureEnvironment         *string `json:"azureEnvironment,omitempty"`
	ClientID                 *string `json:"clientID,omitempty"`
	TenantID                 *string `json:"tenantID,omitempty"`
	Secret                   *Secret `json:"secret,omitempty"`
	SubscriptionID           *string `json:"subscriptionID,omitempty"`
	ResourceGroupName        *string `json:"resourceGroupName,omitempty"`
	KeyVaultName             *string `json:"keyVaultName,omitempty"`
	KeyIdentifier            *string `json:"keyIdentifier,omitempty"`
	RoleID                   *string `json:"roleId,omitempty"`
	Enabled                  *bool   `json:"enabled,omitempty"`
	RequirePrivateNetworking *bool   `json:"requirePrivateNetworking,omitempty"`
}

// Secret is a write-only credential. It never prints: String and MarshalJSON
// redact it, so a Command can be logged or traced safely.
type Secret string

// Redacted is what a Secret prints as.
const Redacted = "[redacted]"

// String returns Redacted.
func (Secret) String() string { return Redacted }

// GoString returns Redacted.
func (Secret) GoString() string { return Redacted }

// MarshalJSON encodes Redacted.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// ClusterSpec is the cluster subset of API.md (ClusterDescription20240805
// field names). In an UpdateCluster, zero fields are left unchanged.
type ClusterSpec struct {
	Name                     string            `json:"name,omitempty"`
	ClusterType              string            `json:"clusterType,omitempty"`
	ReplicationSpecs         []ReplicationSpec `json:"replicationSpecs,omitempty"`
	EncryptionAtRestProvider string            `json:"encryptionAtRestProvider,omitempty"`
	BackupEnabled            *bool             `json:"backupEnabled,omitempty"`
	// LegacyBackup is the v1.0 cluster shape's legacy backup (backupEnabled
	// without cloud backup there); API v2 cannot express it (EAR-TIER-03).
	LegacyBackup *bool `json:"legacyBackup,omitempty"`
	Paused       *bool `json:"paused,omitempty"`
}

// ProjectSpec is the body of a project creation.
type ProjectSpec struct {
	Name                      string `json:"name"`
	OrgID                     string `json:"orgId"`
	WithDefaultAlertsSettings *bool  `json:"withDefaultAlertsSettings,omitempty"`
}

// SnapshotSpec is the body of a snapshot creation.
type SnapshotSpec struct {
	Description     string `json:"description,omitempty"`
	RetentionInDays int    `json:"retentionInDays,omitempty"`
}
