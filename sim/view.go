package sim

import "time"

// Views are the Atlas wire shapes of the model's entities: what a successful
// Result carries as Body and what the mock endpoint serves. Field names
// follow the Atlas Administration API v2.

// EncryptionAtRestView is the EncryptionAtRest document.
type EncryptionAtRestView struct {
	AwsKms                ProviderOff       `json:"awsKms"`
	AzureKeyVault         AzureKeyVaultView `json:"azureKeyVault"`
	EnabledForSearchNodes bool              `json:"enabledForSearchNodes"`
	GoogleCloudKms        ProviderOff       `json:"googleCloudKms"`
}

// ProviderOff is an unconfigured key provider block.
type ProviderOff struct {
	Enabled bool `json:"enabled"`
}

// AzureKeyVaultView is azureKeyVault as GET returns it: never the secret.
type AzureKeyVaultView struct {
	AzureEnvironment         string `json:"azureEnvironment,omitempty"`
	ClientID                 string `json:"clientID,omitempty"`
	Enabled                  bool   `json:"enabled"`
	KeyIdentifier            string `json:"keyIdentifier,omitempty"`
	KeyVaultName             string `json:"keyVaultName,omitempty"`
	RequirePrivateNetworking bool   `json:"requirePrivateNetworking"`
	ResourceGroupName        string `json:"resourceGroupName,omitempty"`
	RoleID                   string `json:"roleId,omitempty"`
	SubscriptionID           string `json:"subscriptionID,omitempty"`
	TenantID                 string `json:"tenantID,omitempty"`
	Valid                    bool   `json:"valid"`
}

// EndpointView is an EARPrivateEndpoint.
type EndpointView struct {
	CloudProvider                 string `json:"cloudProvider"`
	ErrorMessage                  string `json:"errorMessage,omitempty"`
	ID                            string `json:"id"`
	PrivateEndpointConnectionName string `json:"privateEndpointConnectionName,omitempty"`
	RegionName                    string `json:"regionName"`
	Status                        string `json:"status"`
}

// ProjectView is a project (group).
type ProjectView struct {
	ClusterCount              int    `json:"clusterCount"`
	Created                   string `json:"created"`
	ID                        string `json:"id"`
	Name                      string `json:"name"`
	OrgID                     string `json:"orgId"`
	Tags                      []any  `json:"tags"` // none: tags are not modelled
	WithDefaultAlertsSettings bool   `json:"withDefaultAlertsSettings"`
}

// OrganizationView is an organization.
type OrganizationView struct {
	ID        string `json:"id"`
	IsDeleted bool   `json:"isDeleted"`
	Name      string `json:"name"`
}

// ClusterView is the cluster subset of API.md.
type ClusterView struct {
	BackupEnabled            bool              `json:"backupEnabled"`
	ClusterType              string            `json:"clusterType"`
	CreateDate               string            `json:"createDate"`
	EncryptionAtRestProvider string            `json:"encryptionAtRestProvider"`
	GroupID                  string            `json:"groupId"`
	ID                       string            `json:"id"`
	Name                     string            `json:"name"`
	Paused                   bool              `json:"paused"`
	ReplicationSpecs         []ReplicationSpec `json:"replicationSpecs"`
	StateName                string            `json:"stateName"`
}

// SnapshotView is a cloud backup snapshot.
type SnapshotView struct {
	CreatedAt       string `json:"createdAt"`
	Description     string `json:"description,omitempty"`
	ID              string `json:"id"`
	RetentionInDays int    `json:"retentionInDays,omitempty"`
	Status          string `json:"status"`
}

// Clock is the answer of a clock query or move.
type Clock struct {
	Now string `json:"now"`
}

// Timestamp renders a logical time as RFC 3339 UTC.
func Timestamp(t int64) string {
	return time.Unix(Epoch+t, 0).UTC().Format(time.RFC3339)
}

// View is the configuration as Atlas answers it (no secret); valid is the
// policies' word on it (the state report).
func (c *EncryptionConfig) View(valid bool) EncryptionAtRestView {
	return EncryptionAtRestView{AzureKeyVault: AzureKeyVaultView{
		AzureEnvironment:         c.AzureEnvironment,
		ClientID:                 c.ClientID,
		Enabled:                  c.Enabled,
		KeyIdentifier:            c.KeyIdentifier,
		KeyVaultName:             c.KeyVaultName,
		RequirePrivateNetworking: c.RequirePrivateNetworking,
		ResourceGroupName:        c.ResourceGroupName,
		RoleID:                   c.RoleID,
		SubscriptionID:           c.SubscriptionID,
		TenantID:                 c.TenantID,
		Valid:                    valid,
	}}
}

// View is the endpoint record as Atlas answers it.
func (e *Endpoint) View() EndpointView {
	return EndpointView{
		CloudProvider:                 "AZURE",
		ErrorMessage:                  e.ErrorMessage,
		ID:                            e.ID,
		PrivateEndpointConnectionName: e.ConnectionName,
		RegionName:                    e.RegionName,
		Status:                        e.Status,
	}
}

func projectView(p *Project) ProjectView {
	return ProjectView{ClusterCount: len(p.Clusters), Created: Timestamp(p.Created), ID: p.ID, Name: p.Name, OrgID: p.OrgID,
		Tags: []any{}, WithDefaultAlertsSettings: !p.NoDefaultAlerts}
}

func clusterView(groupID string, c *Cluster) ClusterView {
	specs := c.clone().ReplicationSpecs
	return ClusterView{
		BackupEnabled:            c.BackupEnabled,
		ClusterType:              c.ClusterType,
		CreateDate:               Timestamp(c.Created),
		EncryptionAtRestProvider: c.EncryptionAtRestProvider,
		GroupID:                  groupID,
		ID:                       c.ID,
		Name:                     c.Name,
		Paused:                   c.Paused,
		ReplicationSpecs:         specs,
		StateName:                c.StateName,
	}
}

func snapshotView(s *Snapshot) SnapshotView {
	return SnapshotView{CreatedAt: Timestamp(s.Created), Description: s.Description, ID: s.ID, RetentionInDays: s.RetentionInDays, Status: "completed"}
}
