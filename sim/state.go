// Package sim is earsim's model: a deterministic state machine of an Atlas
// organization's projects, their encryption-at-rest configuration, private
// endpoints, clusters and snapshots, and the Azure side (app registrations,
// vaults, keys, Microsoft.Network registration, endpoint connections), with a
// logical clock.
//
// sim decides no rule of RULES.md. Before every command a Machine asks its
// Checker (the Rego policies, see package policies) whether the command is
// refused and what it will cause; it then applies the command's mechanics and
// the consequences the Checker named, fires due timers, and asks the Checker
// what the new state exhibits. sim does no I/O, reads no wall clock, draws no
// global randomness and never ranges over a map unsorted: the same seed and
// commands give the same bytes out.
package sim

import "slices"

// Epoch is the logical time 0 of every world, in Unix seconds
// (2025-01-01T00:00:00Z). Clock values in State are seconds after it.
const Epoch int64 = 1735689600

// Timer durations in logical seconds (modelling decisions of RULES.md).
const (
	ProvisioningSeconds = 60  // INITIATING to PENDING_ACCEPTANCE (EAR-PE-02)
	MaxApprovalLag      = 180 // approval shows within this many seconds (EAR-PE-03, EAR-LAG-01)
	DeletionSeconds     = 60  // DELETING to gone (EAR-PE-05)
	RotationSeconds     = 300 // key rotation deploys (EAR-ROT-02)
	ClusterSeconds      = 60  // cluster CREATING to IDLE, DELETING to gone
)

// Endpoint statuses, exactly the API enum (EAR-PE-09).
const (
	StatusInitiating        = "INITIATING"
	StatusPendingAcceptance = "PENDING_ACCEPTANCE"
	StatusActive            = "ACTIVE"
	StatusPendingRecreation = "PENDING_RECREATION"
	StatusFailed            = "FAILED"
	StatusDeleting          = "DELETING"
)

// Azure private endpoint connection states on the vault.
const (
	ConnectionPending  = "PENDING"
	ConnectionApproved = "APPROVED"
	ConnectionRejected = "REJECTED"
	ConnectionRemoved  = "REMOVED"
)

// RecreatingMessage is the errorMessage of a PENDING_RECREATION endpoint (EAR-PE-04).
const RecreatingMessage = "Connection request removed, recreating endpoint"

// State is the whole world. It is plain data: Clone gives an independent copy,
// and encoding/json round-trips it (secrets are held only as digests).
type State struct {
	Seed     uint64       `json:"seed"`
	Counter  uint64       `json:"counter"` // draws made from the seed (ids, lags, timer order)
	Now      int64        `json:"now"`     // logical seconds since Epoch
	Org      Organization `json:"org"`
	Projects ProjectList  `json:"projects"`
	Azure    Azure        `json:"azure"`
	Timers   []Timer      `json:"timers"`
	// SecretKey (hex) keys the digests of this world's secrets (Digest).
	SecretKey string `json:"secretKey,omitempty"`
}

// Organization is the one Atlas organization of a world.
type Organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Project is an Atlas project ("group").
type Project struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	OrgID string `json:"orgId"`
	State string `json:"state"` // ACTIVE or INACTIVE
	// NoDefaultAlerts: created with withDefaultAlertsSettings false (not
	// read by any rule; kept so that the project reads back as created).
	NoDefaultAlerts bool             `json:"noDefaultAlerts,omitempty"`
	Created         int64            `json:"created"`
	Encryption      EncryptionConfig `json:"encryption"`
	Endpoints       []Endpoint       `json:"endpoints"`
	Clusters        []Cluster        `json:"clusters"`
	Snapshots       []Snapshot       `json:"snapshots"`
}

// EncryptionConfig is a project's azureKeyVault configuration. The secret is
// kept only as its digest (see Digest).
type EncryptionConfig struct {
	AzureEnvironment         string    `json:"azureEnvironment,omitempty"`
	ClientID                 string    `json:"clientID,omitempty"`
	TenantID                 string    `json:"tenantID,omitempty"`
	SecretDigest             string    `json:"secretDigest,omitempty"`
	SubscriptionID           string    `json:"subscriptionID,omitempty"`
	ResourceGroupName        string    `json:"resourceGroupName,omitempty"`
	KeyVaultName             string    `json:"keyVaultName,omitempty"`
	KeyIdentifier            string    `json:"keyIdentifier,omitempty"`
	RoleID                   string    `json:"roleId,omitempty"`
	Enabled                  bool      `json:"enabled"`
	RequirePrivateNetworking bool      `json:"requirePrivateNetworking"`
	Rotation                 *Rotation `json:"rotation,omitempty"`
}

// Rotation is a key rotation that is deploying: From is the previous key,
// Until the logical time it finishes.
type Rotation struct {
	From  string `json:"from"`
	Until int64  `json:"until"`
}

// Endpoint is an encryption-at-rest private endpoint record.
type Endpoint struct {
	ID             string `json:"id"`
	RegionName     string `json:"regionName"`
	Status         string `json:"status"`
	ConnectionName string `json:"privateEndpointConnectionName,omitempty"`
	ErrorMessage   string `json:"errorMessage,omitempty"`
	Connection     string `json:"connection,omitempty"` // the Azure side's view, see Connection*
	Since          int64  `json:"since"`                // when Status last changed
	ApprovedAt     int64  `json:"approvedAt,omitempty"`
}

// Cluster is the subset of an Atlas cluster that the rules read.
type Cluster struct {
	ID                       string            `json:"id"`
	Name                     string            `json:"name"`
	ClusterType              string            `json:"clusterType"`
	ReplicationSpecs         []ReplicationSpec `json:"replicationSpecs"`
	EncryptionAtRestProvider string            `json:"encryptionAtRestProvider"`
	BackupEnabled            bool              `json:"backupEnabled"`          // API v2: Cloud Backup
	LegacyBackup             bool              `json:"legacyBackup,omitempty"` // the v1.0 shape's legacy backup (EAR-TIER-03)
	Paused                   bool              `json:"paused"`
	PauseReason              string            `json:"pauseReason,omitempty"` // USER, MULTI_CLOUD_UNSUPPORTED, KEY_ACCESS_REVOKED
	StateName                string            `json:"stateName"`
	Created                  int64             `json:"created"`
}

// ReplicationSpec is one replication spec of a cluster.
type ReplicationSpec struct {
	ZoneName      string         `json:"zoneName,omitempty"` // as the client named it (Atlas: "Zone 1" when not)
	RegionConfigs []RegionConfig `json:"regionConfigs"`
}

// RegionConfig places a cluster's nodes in one region of one provider.
type RegionConfig struct {
	ProviderName        string        `json:"providerName"`
	BackingProviderName string        `json:"backingProviderName,omitempty"`
	RegionName          string        `json:"regionName"`
	Priority            int           `json:"priority,omitempty"`
	ElectableSpecs      *HardwareSpec `json:"electableSpecs,omitempty"`
}

// HardwareSpec is a region config's instance size and node count.
type HardwareSpec struct {
	InstanceSize string `json:"instanceSize"`
	NodeCount    int    `json:"nodeCount,omitempty"`
}

// Snapshot is a cloud backup snapshot and the key that encrypted it.
type Snapshot struct {
	ID              string `json:"id"`
	ClusterName     string `json:"clusterName"`
	Created         int64  `json:"created"`
	KeyIdentifier   string `json:"keyIdentifier,omitempty"`
	Description     string `json:"description,omitempty"`
	RetentionInDays int    `json:"retentionInDays,omitempty"`
}

// Azure is the simulated Azure side.
type Azure struct {
	Apps          []App          `json:"apps"`
	Vaults        []Vault        `json:"vaults"`
	Keys          []Key          `json:"keys"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// App is an app registration; Vaults names the vaults it can reach.
type App struct {
	ClientID     string   `json:"clientID"`
	TenantID     string   `json:"tenantID"`
	SecretDigest string   `json:"secretDigest"`
	Vaults       []string `json:"vaults"`
}

// Vault is a Key Vault in a subscription and resource group.
type Vault struct {
	Name              string `json:"name"`
	SubscriptionID    string `json:"subscriptionID"`
	ResourceGroupName string `json:"resourceGroupName"`
}

// Key is one version of a key in a vault, and Atlas's access to it.
type Key struct {
	Identifier    string `json:"keyIdentifier"`
	Vault         string `json:"vault"`
	Name          string `json:"name"`
	Version       string `json:"version"`
	Enabled       bool   `json:"enabled"`
	Deleted       bool   `json:"deleted"`
	AccessGranted bool   `json:"accessGranted"`
}

// Subscription is an Azure subscription and its Microsoft.Network registration.
type Subscription struct {
	ID                string `json:"id"`
	NetworkRegistered bool   `json:"networkRegistered"`
}

// Timer is a consequence scheduled at a logical time. Timers fire in (At, Seq)
// order; a timer whose subject has moved on does nothing.
type Timer struct {
	At          int64  `json:"at"`
	Seq         uint64 `json:"seq"`
	Kind        string `json:"kind"`
	GroupID     string `json:"groupId"`
	EndpointID  string `json:"endpointId,omitempty"`
	ClusterName string `json:"clusterName,omitempty"`
}

// Timer kinds.
const (
	TimerEndpointProvisioned = "EndpointProvisioned"
	TimerEndpointActivated   = "EndpointActivated"
	TimerEndpointDeleted     = "EndpointDeleted"
	TimerRotationFinished    = "RotationFinished"
	TimerClusterReady        = "ClusterReady"
	TimerClusterDeleted      = "ClusterDeleted"
)

// Clone returns a deep copy of s.
func (s *State) Clone() *State {
	c := *s
	ps := make([]*Project, s.Projects.Len())
	for i, p := range s.Projects.All() {
		cp := p.clone()
		ps[i] = &cp
	}
	c.Projects = ListOf(ps...)
	c.Azure = Azure{
		Apps:          slices.Clone(s.Azure.Apps),
		Vaults:        slices.Clone(s.Azure.Vaults),
		Keys:          slices.Clone(s.Azure.Keys),
		Subscriptions: slices.Clone(s.Azure.Subscriptions),
	}
	for i := range c.Azure.Apps {
		c.Azure.Apps[i].Vaults = slices.Clone(c.Azure.Apps[i].Vaults)
	}
	c.Timers = slices.Clone(s.Timers)
	return &c
}

func (p Project) clone() Project {
	p.Endpoints = slices.Clone(p.Endpoints)
	p.Snapshots = slices.Clone(p.Snapshots)
	if p.Encryption.Rotation != nil {
		r := *p.Encryption.Rotation
		p.Encryption.Rotation = &r
	}
	p.Clusters = cloneClusters(p.Clusters)
	return p
}

// cloneClusters deep-copies clusters with four allocations in all, not
// some per cluster: their replication specs, region configs and hardware
// specs are each cut from one block, every cut with its own capacity (an
// append to one reallocates it rather than overwriting its neighbour).
func cloneClusters(cs []Cluster) []Cluster {
	var nSpecs, nConfigs, nHardware int
	for i := range cs {
		nSpecs += len(cs[i].ReplicationSpecs)
		for _, rs := range cs[i].ReplicationSpecs {
			nConfigs += len(rs.RegionConfigs)
			for _, rc := range rs.RegionConfigs {
				if rc.ElectableSpecs != nil {
					nHardware++
				}
			}
		}
	}
	out := make([]Cluster, len(cs)) // never nil, as a copy has always been
	copy(out, cs)
	specs := make([]ReplicationSpec, 0, nSpecs)
	configs := make([]RegionConfig, 0, nConfigs)
	hardware := make([]HardwareSpec, 0, nHardware)
	for i := range out {
		c := &out[i]
		from := len(specs)
		for _, rs := range c.ReplicationSpecs {
			var rcs []RegionConfig
			if rs.RegionConfigs != nil {
				at := len(configs)
				configs = append(configs, rs.RegionConfigs...)
				rcs = configs[at:len(configs):len(configs)]
				for j := range rcs {
					if h := rcs[j].ElectableSpecs; h != nil {
						hardware = append(hardware, *h)
						rcs[j].ElectableSpecs = &hardware[len(hardware)-1]
					}
				}
			}
			specs = append(specs, ReplicationSpec{ZoneName: rs.ZoneName, RegionConfigs: rcs})
		}
		c.ReplicationSpecs = specs[from:len(specs):len(specs)]
	}
	return out
}

func (c Cluster) clone() Cluster {
	return cloneClusters([]Cluster{c})[0]
}

// Project returns the project with the given id, or nil.
func (s *State) Project(id string) *Project {
	for _, p := range s.Projects.All() {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Endpoint returns the endpoint with the given id, or nil.
func (p *Project) Endpoint(id string) *Endpoint {
	for i := range p.Endpoints {
		if p.Endpoints[i].ID == id {
			return &p.Endpoints[i]
		}
	}
	return nil
}

// Cluster returns the cluster with the given name, or nil.
func (p *Project) Cluster(name string) *Cluster {
	for i := range p.Clusters {
		if p.Clusters[i].Name == name {
			return &p.Clusters[i]
		}
	}
	return nil
}

// Key returns the key version that identifier names, or nil. Vault names
// compare case-insensitively, as Azure does.
func (a *Azure) Key(identifier string) *Key {
	k, err := ParseKeyIdentifier(identifier)
	if err != nil {
		return nil
	}
	for i := range a.Keys {
		x := &a.Keys[i]
		if equalFold(x.Vault, k.Vault) && x.Name == k.Name && x.Version == k.Version {
			return x
		}
	}
	return nil
}

// Vault returns the vault with the given name, or nil.
func (a *Azure) Vault(name string) *Vault {
	for i := range a.Vaults {
		if equalFold(a.Vaults[i].Name, name) {
			return &a.Vaults[i]
		}
	}
	return nil
}

// Subscription returns the subscription with the given id, or nil.
func (a *Azure) Subscription(id string) *Subscription {
	for i := range a.Subscriptions {
		if a.Subscriptions[i].ID == id {
			return &a.Subscriptions[i]
		}
	}
	return nil
}
