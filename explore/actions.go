package explore

import (
	"fmt"
	"sync"

	"github.com/earsim/earsim/sim"
)

// Action is one transition the search tries: the command, and the same as a
// scenario step (a YAML flow mapping) for counterexamples.
type Action struct {
	Cmd  sim.Command
	Step string
}

// Actions lists what can happen next in a world: every Atlas operation and
// Azure event of the model with bounded parameters (two regions, the
// endpoints and clusters that exist, the seed's two configurations, two key
// versions), and the clock moving by the timers' quantum (60 s) or to the
// next timer. all adds the
// cluster, project, key and network operations: pause, CMK on and off per
// cluster, a snapshot of a CMK cluster (two per project at most), creating
// one further cluster (a multi-region CMK cluster) and deleting any, a
// second project (created empty; it may take the same vault and key) and
// deleting any project, a project going INACTIVE and back, creating a third key version (and
// re-creating a deleted one), rotating to any live version of the vault,
// disabling or deleting the key in use, Microsoft.Network unregistered and
// registered again on each subscription, and removing an approved
// connection: a larger space, opt-in (--all-ops) so that the default
// depth-8 search stays minutes, not hours.
func Actions(s *sim.State, all bool) []Action {
	out := make([]Action, 0, 16) // most of the built-in world's states have 5 to 16
	add := func(cmd sim.Command, step string) { out = append(out, Action{Cmd: cmd, Step: step}) }
	for _, p := range s.Projects.All() {
		g := p.ID
		gy := ""
		if g != sim.DefaultProjectID {
			gy = ", groupId: " + g
		}
		enc := p.Encryption
		patch := func(y string, pt *sim.AzureKeyVaultPatch) {
			add(sim.Command{Op: sim.UpdateEncryptionConfig, GroupID: g, AzureKeyVault: pt}, "{do: UpdateEncryptionConfig"+gy+", azureKeyVault: "+y+"}")
		}
		t, f := true, false
		if !enc.Enabled {
			patch("{preset: example, enabled: true}", preset("example", &t))
		} else {
			pn := !enc.RequirePrivateNetworking
			patch(fmt.Sprintf("{requirePrivateNetworking: %v}", pn), &sim.AzureKeyVaultPatch{RequirePrivateNetworking: &pn})
			patch("{enabled: false}", &sim.AzureKeyVaultPatch{Enabled: &f})
			other := "test-tf-export"
			if enc.KeyVaultName == "test-tf-export" {
				other = "example"
			}
			patch("{preset: "+other+"}", preset(other, nil))
			if enc.KeyVaultName == "EXAMPLEKeyVault" {
				for _, to := range rotations(s, enc.KeyIdentifier, all) {
					patch(fmt.Sprintf("{keyIdentifier: %q}", to), &sim.AzureKeyVaultPatch{KeyIdentifier: &to})
				}
			}
			if k := s.Azure.Key(enc.KeyIdentifier); k != nil {
				if all && k.Enabled {
					add(sim.Command{Op: sim.DisableKey, KeyIdentifier: enc.KeyIdentifier}, fmt.Sprintf("{do: DisableKey, keyIdentifier: %q}", enc.KeyIdentifier))
				}
				if all && !k.Deleted {
					add(sim.Command{Op: sim.DeleteKey, KeyIdentifier: enc.KeyIdentifier}, fmt.Sprintf("{do: DeleteKey, keyIdentifier: %q}", enc.KeyIdentifier))
				}
				if k.AccessGranted {
					add(sim.Command{Op: sim.RevokeKeyAccess, GroupID: g}, "{do: RevokeKeyAccess"+gy+"}")
				} else {
					add(sim.Command{Op: sim.RestoreKeyAccess, GroupID: g}, "{do: RestoreKeyAccess"+gy+"}")
				}
			}
		}
		for _, r := range []string{"US_CENTRAL", "US_EAST_2"} {
			add(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, RegionName: r}, "{do: CreatePrivateEndpoint"+gy+", regionName: "+r+"}")
		}
		for _, e := range p.Endpoints {
			ey := gy + ", endpointId: " + e.ID
			add(sim.Command{Op: sim.DeletePrivateEndpoint, GroupID: g, EndpointID: e.ID}, "{do: DeletePrivateEndpoint"+ey+"}")
			if e.Connection == sim.ConnectionPending {
				add(sim.Command{Op: sim.ApproveConnection, GroupID: g, EndpointID: e.ID}, "{do: ApproveConnection"+ey+"}")
			}
			if e.Connection == sim.ConnectionPending || e.Connection == sim.ConnectionApproved {
				add(sim.Command{Op: sim.RejectConnection, GroupID: g, EndpointID: e.ID}, "{do: RejectConnection"+ey+"}")
			}
			if all && e.Connection == sim.ConnectionApproved {
				add(sim.Command{Op: sim.RemoveConnection, GroupID: g, EndpointID: e.ID}, "{do: RemoveConnection"+ey+"}")
			}
		}
		if all {
			to := "INACTIVE"
			if p.State == "INACTIVE" {
				to = "ACTIVE"
			}
			add(sim.Command{Op: sim.SetProjectState, GroupID: g, State: to}, "{do: SetProjectState"+gy+", state: "+to+"}")
			add(sim.Command{Op: sim.DeleteProject, GroupID: g}, "{do: DeleteProject"+gy+"}")
			if cmd := extraCluster(); p.Cluster(cmd.Cluster.Name) == nil {
				cmd.GroupID = g
				add(cmd, "{do: CreateCluster"+gy+", cluster: "+extraClusterYAML+"}")
			}
		}
		for _, c := range p.Clusters {
			cy := gy + ", clusterName: " + c.Name
			if all && c.StateName != "DELETING" {
				add(sim.Command{Op: sim.DeleteCluster, GroupID: g, ClusterName: c.Name}, "{do: DeleteCluster"+cy+"}")
			}
			if c.Paused {
				add(sim.Command{Op: sim.ResumeCluster, GroupID: g, ClusterName: c.Name}, "{do: ResumeCluster"+cy+"}")
				continue
			}
			if !all {
				continue
			}
			add(sim.Command{Op: sim.PauseCluster, GroupID: g, ClusterName: c.Name}, "{do: PauseCluster"+cy+"}")
			if c.EncryptionAtRestProvider == "AZURE" && len(p.Snapshots) < 2 {
				add(sim.Command{Op: sim.CreateSnapshot, GroupID: g, ClusterName: c.Name, Snapshot: &sim.SnapshotSpec{Description: "explore"}},
					"{do: CreateSnapshot"+cy+", snapshot: {description: explore}}")
			}
			to := "AZURE"
			if c.EncryptionAtRestProvider == "AZURE" {
				to = "NONE"
			}
			add(sim.Command{Op: sim.UpdateCluster, GroupID: g, ClusterName: c.Name, Cluster: &sim.ClusterSpec{EncryptionAtRestProvider: to}},
				"{do: UpdateCluster"+cy+", cluster: {encryptionAtRestProvider: "+to+"}}")
		}
	}
	if all {
		if s.Projects.Len() < 2 {
			add(sim.Command{Op: sim.CreateProject, Project: &sim.ProjectSpec{Name: "explore-2", OrgID: sim.DefaultOrgID}}, "{do: CreateProject, project: {name: explore-2}}")
		}
		for _, sub := range s.Azure.Subscriptions {
			op := sim.UnregisterNetwork
			if !sub.NetworkRegistered {
				op = sim.RegisterNetwork
			}
			add(sim.Command{Op: op, SubscriptionID: sub.ID}, fmt.Sprintf("{do: %s, subscriptionId: %s}", op, sub.ID))
		}
		for _, kid := range []string{exampleKey, rotatedKey, thirdKey} {
			if k := s.Azure.Key(kid); k == nil || k.Deleted {
				add(sim.Command{Op: sim.CreateKey, KeyIdentifier: kid}, fmt.Sprintf("{do: CreateKey, keyIdentifier: %q}", kid))
			}
		}
	}
	add(sim.Command{Op: sim.Advance, Seconds: sim.ProvisioningSeconds}, fmt.Sprintf("{advance: %d}", sim.ProvisioningSeconds))
	// And to the next timer, when it is due at another time (an approval's
	// drawn lag, a rotation's end): every timer's moment is a point at which
	// the next request can come.
	if len(s.Timers) > 0 {
		if d := s.Timers[0].At - s.Now; d > 0 && d != sim.ProvisioningSeconds {
			add(sim.Command{Op: sim.Advance, Seconds: d}, fmt.Sprintf("{advance: %d}", d))
		}
	}
	return out
}

// preset is a PATCH with every field of one of the seed's configurations.
func preset(name string, enabled *bool) *sim.AzureKeyVaultPatch {
	p := sim.Presets[name]
	secret := sim.Secret(p.Secret)
	return &sim.AzureKeyVaultPatch{
		AzureEnvironment: &p.AzureEnvironment, ClientID: &p.ClientID, TenantID: &p.TenantID, Secret: &secret,
		SubscriptionID: &p.SubscriptionID, ResourceGroupName: &p.ResourceGroupName, KeyVaultName: &p.KeyVaultName,
		KeyIdentifier: &p.KeyIdentifier, Enabled: enabled,
	}
}

// rotations are the key versions a configuration on EXAMPLEKeyVault can
// rotate to: the seed's other version, and with all every other version of
// the vault that exists and is not deleted.
func rotations(s *sim.State, from string, all bool) []string {
	var out []string
	for _, kid := range []string{exampleKey, rotatedKey, thirdKey} {
		if kid == from {
			continue
		}
		if !all {
			if kid != thirdKey {
				out = append(out, kid)
			}
			continue
		}
		if k := s.Azure.Key(kid); k != nil && !k.Deleted {
			out = append(out, kid)
		}
	}
	return out
}

// extraCluster is the one cluster the search may create: multi-region, with
// customer keys, so that the regions' endpoints matter (EAR-MR-02). The
// command is decoded from its scenario step, so a counterexample replays
// exactly what the search did.
const extraClusterYAML = "{name: extra, encryptionAtRestProvider: AZURE, regions: [US_CENTRAL, US_EAST_2]}"

// (Decoded on first use, not when a program that imports explore starts.)
var extraCluster = sync.OnceValue(func() sim.Command {
	return stepCommand("{do: CreateCluster, cluster: " + extraClusterYAML + "}")
})
