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

// NewWorld returns the fresh world of API.md for a seed: the default
// organization and ACTIVE project, and an Azure side matching the seed's two
// PATCH examples (app registrations, subscriptions with Microsoft.Network
// registered, vaults and enabled keys with access granted).
func NewWorld(seed uint64) *State {
	s := &State{
		Seed:     seed,
		Org:      Organization{ID: DefaultOrgID, Name: DefaultOrgName},
		Projects: []Project{NewProject(DefaultProjectID, DefaultProject, DefaultOrgID, 0)},
	}
	s.Azure = Azure{
		Apps: []App{
			{ClientID: "b054a9ff-b60a-4cb6-8df6-20726eaefce6", TenantID: "1f6ef922-9303-402a-bae2-cc68810b023c", SecretDigest: Digest("seed-example-secret"), Vaults: []string{"test-tf-export"}},
			{ClientID: "632ff709-32a8-48a3-8224-30d2386fadaf", TenantID: "ee46317d-36a3-4472-a3dd-6549e901da0b", SecretDigest: Digest("example-key-vault-secret"), Vaults: []string{"EXAMPLEKeyVault"}},
		},
		Vaults: []Vault{
			{Name: "test-tf-export", SubscriptionID: "009774e0-124f-4a69-83e0-ca8cd8acb4e2", ResourceGroupName: "test-tf-export"},
			{Name: "EXAMPLEKeyVault", SubscriptionID: "a39012fb-d604-4cd1-8841-77f705f3e6d5", ResourceGroupName: "example-rg"},
		},
		Subscriptions: []Subscription{
			{ID: "009774e0-124f-4a69-83e0-ca8cd8acb4e2", NetworkRegistered: true},
			{ID: "a39012fb-d604-4cd1-8841-77f705f3e6d5", NetworkRegistered: true},
		},
	}
	for _, id := range []string{
		"https://test-tf-export.vault.azure.net/keys/test/78b9134f9bc94fda8027a32b4715bf3f",
		"https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86",
	} {
		k, _ := ParseKeyIdentifier(id)
		s.Azure.Keys = append(s.Azure.Keys, Key{Identifier: id, Vault: k.Vault, Name: k.Name, Version: k.Version, Enabled: true, AccessGranted: true})
	}
	return s
}

// NewProject returns an ACTIVE project without configuration.
func NewProject(id, name, orgID string, created int64) Project {
	return Project{ID: id, Name: name, OrgID: orgID, State: "ACTIVE", Created: created,
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
