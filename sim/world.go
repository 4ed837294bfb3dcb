package sim

import (
	"encoding/binary"
	"encoding/hex"
)

// Identifiers of the default world (API.md, "A fresh world").
const (
	DefaultOrgID     = "a0000000000000000000000a"
	DefaultOrgName   = "earsim"
	DefaultProjectID = "66c9e8f1dd6c9960802420e9" // the seed's example group id
	DefaultProject   = "seed-example"
)

// Preset is an azureKeyVault configuration from the seed's examples that the
// default world's Azure side accepts as it is.
type Preset struct {
	AzureEnvironment, ClientID, TenantID, Secret, SubscriptionID, ResourceGroupName, KeyVaultName, KeyIdentifier string
}

// Presets are the seed's two examples: "test-tf-export" (the first PATCH,
// its empty secret filled as API.md says) and "example" (EXAMPLEKeyVault,
// "string" placeholders filled).
var Presets = map[string]Preset{
	"test-tf-export": {
		AzureEnvironment: "AZURE", ClientID: "b054a9ff-b60a-4cb6-8df6-20726eaefce6", TenantID: "1f6ef922-9303-402a-bae2-cc68810b023c",
		Secret: "seed-example-secret", SubscriptionID: "009774e0-124f-4a69-83e0-ca8cd8acb4e2", ResourceGroupName: "test-tf-export",
		KeyVaultName: "test-tf-export", KeyIdentifier: "https://test-tf-export.vault.azure.net/keys/test/78b9134f9bc94fda8027a32b4715bf3f",
	},
	"example": {
		AzureEnvironment: "AZURE", ClientID: "632ff709-32a8-48a3-8224-30d2386fadaf", TenantID: "ee46317d-36a3-4472-a3dd-6549e901da0b",
		Secret: "example-key-vault-secret", SubscriptionID: "a39012fb-d604-4cd1-8841-77f705f3e6d5", ResourceGroupName: "example-rg",
		KeyVaultName: "EXAMPLEKeyVault", KeyIdentifier: "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86",
	},
}

// Config returns the preset as a stored, enabled configuration of world s.
func (p Preset) Config(s *State) EncryptionConfig {
	return EncryptionConfig{
		AzureEnvironment: p.AzureEnvironment, ClientID: p.ClientID, TenantID: p.TenantID, SecretDigest: s.Digest(p.Secret),
		SubscriptionID: p.SubscriptionID, ResourceGroupName: p.ResourceGroupName, KeyVaultName: p.KeyVaultName,
		KeyIdentifier: p.KeyIdentifier, Enabled: true,
	}
}

// NewWorld returns the fresh world of API.md for a seed: the default
// organization and ACTIVE project, and an Azure side on which both Presets
// work (app registrations, subscriptions with Microsoft.Network registered,
// vaults, and enabled keys with access granted).
func NewWorld(seed uint64) *State { return NewWorldWithKey(seed, SeedSecretKey(seed)) }

// NewWorldWithKey is NewWorld with the given key for its secrets' digests.
func NewWorldWithKey(seed uint64, secretKey []byte) *State {
	s := &State{
		Seed:      seed,
		SecretKey: hex.EncodeToString(secretKey),
		Org:       Organization{ID: DefaultOrgID, Name: DefaultOrgName},
		Projects:  ListOf(NewProject(DefaultProjectID, DefaultProject, DefaultOrgID, 0)),
	}
	for _, name := range []string{"test-tf-export", "example"} {
		p := Presets[name]
		k, _ := ParseKeyIdentifier(p.KeyIdentifier)
		s.Azure.Apps = append(s.Azure.Apps, App{ClientID: p.ClientID, TenantID: p.TenantID, SecretDigest: s.Digest(p.Secret), Vaults: []string{p.KeyVaultName}})
		s.Azure.Vaults = append(s.Azure.Vaults, Vault{Name: p.KeyVaultName, SubscriptionID: p.SubscriptionID, ResourceGroupName: p.ResourceGroupName})
		s.Azure.Subscriptions = append(s.Azure.Subscriptions, Subscription{ID: p.SubscriptionID, NetworkRegistered: true})
		s.Azure.Keys = append(s.Azure.Keys, Key{Identifier: p.KeyIdentifier, Vault: k.Vault, Name: k.Name, Version: k.Version, Enabled: true, AccessGranted: true})
	}
	return s
}

// NewProject returns an ACTIVE project without configuration.
func NewProject(id, name, orgID string, created int64) *Project {
	return &Project{ID: id, Name: name, OrgID: orgID, State: "ACTIVE", Created: created,
		Endpoints: []Endpoint{}, Clusters: []Cluster{}, Snapshots: []Snapshot{}}
}

// draw returns the next value of the world's generator: splitmix64 over the
// seed and the draw counter, so a draw depends only on (seed, counter).
func (s *State) draw() uint64 {
	s.Counter++
	z := s.Seed + s.Counter*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// NewID returns a fresh 24-hex-digit id: 8 bytes drawn from the seed and the
// 4 low bytes of the counter, so ids never repeat within a world.
func (s *State) NewID() string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], s.draw())
	binary.BigEndian.PutUint32(b[8:], uint32(s.Counter))
	return hex.EncodeToString(b[:])
}

// approvalLag draws the approval lag in [0, MaxApprovalLag] seconds (EAR-PE-03).
func (s *State) approvalLag() int64 {
	return int64(s.draw() % (MaxApprovalLag + 1))
}
