package explore

import (
	"fmt"

	"github.com/earsim/earsim/sim"
)

// visible returns what an accepted request should have left in the next
// state and did not ("" when its effect is there), read from the request
// itself (API.md, RULES.md), not from the simulator's code: a field the
// PATCH sent is stored, a created thing exists, a deleted one is going or
// gone, an Azure event shows on the Azure side, the clock moved. A
// consequence the policies forecast on the request (pausing a cluster)
// may override the request's own effect.
func visible(before, after *sim.State, cmd sim.Command, r sim.Result) string {
	p := after.Project(cmd.GroupID)
	var c *sim.Cluster
	var e *sim.Endpoint
	if p != nil {
		c, e = p.Cluster(cmd.ClusterName), p.Endpoint(cmd.EndpointID)
	}
	key := after.Azure.Key(cmd.KeyIdentifier)
	switch cmd.Op {
	case sim.CreatePrivateEndpoint:
		if v, ok := r.Body.(sim.EndpointView); !ok || p == nil || p.Endpoint(v.ID) == nil {
			return "an accepted endpoint creation left no endpoint"
		}
	case sim.DeletePrivateEndpoint:
		if e != nil && e.Status != sim.StatusDeleting {
			return fmt.Sprintf("endpoint %s was accepted for deletion and is %s", cmd.EndpointID, e.Status)
		}
	case sim.ApproveConnection:
		if e != nil && e.Connection != sim.ConnectionApproved {
			return fmt.Sprintf("endpoint %s was approved and its connection is %q", cmd.EndpointID, e.Connection)
		}
	case sim.UpdateEncryptionConfig:
		if p == nil {
			return "an accepted PATCH left no project"
		}
		return patchVisible(p.Encryption, cmd.AzureKeyVault, after.Digest)
	case sim.SetProjectState:
		if p == nil || p.State != cmd.State {
			return fmt.Sprintf("the project was set %s and is not", cmd.State)
		}
	case sim.CreateProject:
		for _, x := range after.Projects.All() {
			if x.Name == cmd.Project.Name {
				return ""
			}
		}
		return fmt.Sprintf("project %q was created and does not exist", cmd.Project.Name)
	case sim.DeleteProject:
		if p != nil {
			return "the project was deleted and still exists"
		}
	case sim.CreateCluster:
		if p == nil || p.Cluster(cmd.Cluster.Name) == nil {
			return fmt.Sprintf("cluster %q was created and does not exist", cmd.Cluster.Name)
		}
	case sim.DeleteCluster:
		if c != nil && c.StateName != "DELETING" {
			return fmt.Sprintf("cluster %q was accepted for deletion and is %s", cmd.ClusterName, c.StateName)
		}
	case sim.PauseCluster, sim.ResumeCluster:
		if want := cmd.Op == sim.PauseCluster; c != nil && c.Paused != want && !forecastPause(r, cmd.ClusterName) {
			return fmt.Sprintf("cluster %q: %s was accepted and paused is %v", cmd.ClusterName, cmd.Op, c.Paused)
		}
	case sim.UpdateCluster:
		if to := cmd.Cluster.EncryptionAtRestProvider; c != nil && to != "" && c.EncryptionAtRestProvider != to {
			return fmt.Sprintf("cluster %q was updated to %s and is %s", cmd.ClusterName, to, c.EncryptionAtRestProvider)
		}
	case sim.CreateSnapshot:
		if b := before.Project(cmd.GroupID); p == nil || b == nil || len(p.Snapshots) != len(b.Snapshots)+1 {
			return "an accepted snapshot left no snapshot"
		}
	case sim.CreateKey:
		if key == nil || key.Deleted {
			return fmt.Sprintf("key %s was created and does not exist", cmd.KeyIdentifier)
		}
	case sim.DisableKey:
		if key != nil && key.Enabled {
			return fmt.Sprintf("key %s was disabled and is enabled", cmd.KeyIdentifier)
		}
	case sim.DeleteKey:
		if key != nil && !key.Deleted {
			return fmt.Sprintf("key %s was deleted and is not", cmd.KeyIdentifier)
		}
	case sim.RevokeKeyAccess, sim.RestoreKeyAccess:
		if b := before.Project(cmd.GroupID); b != nil {
			want := cmd.Op == sim.RestoreKeyAccess
			if k := after.Azure.Key(b.Encryption.KeyIdentifier); k != nil && k.AccessGranted != want {
				return fmt.Sprintf("%s was accepted and access to %s is %v", cmd.Op, b.Encryption.KeyIdentifier, k.AccessGranted)
			}
		}
	case sim.RegisterNetwork, sim.UnregisterNetwork:
		if sub := after.Azure.Subscription(cmd.SubscriptionID); sub == nil || sub.NetworkRegistered != (cmd.Op == sim.RegisterNetwork) {
			return fmt.Sprintf("%s %s was accepted and does not show", cmd.Op, cmd.SubscriptionID)
		}
	case sim.Advance:
		if after.Now != before.Now+cmd.Seconds {
			return fmt.Sprintf("the clock moved %d s, not %d", after.Now-before.Now, cmd.Seconds)
		}
	}
	return ""
}

// patchVisible compares a stored configuration with the PATCH that made it:
// disabling clears it (docs/MODEL.md M7), every other field sent is stored.
func patchVisible(got sim.EncryptionConfig, p *sim.AzureKeyVaultPatch, digest func(string) string) string {
	if p == nil {
		return ""
	}
	if p.Enabled != nil && !*p.Enabled {
		if got.Enabled || got.KeyVaultName != "" || got.KeyIdentifier != "" || got.RequirePrivateNetworking {
			return "a PATCH disabling the configuration left it in place"
		}
		return ""
	}
	for _, f := range []struct {
		name   string
		sent   *string
		stored string
	}{
		{"azureEnvironment", p.AzureEnvironment, got.AzureEnvironment}, {"clientID", p.ClientID, got.ClientID},
		{"tenantID", p.TenantID, got.TenantID}, {"subscriptionID", p.SubscriptionID, got.SubscriptionID},
		{"resourceGroupName", p.ResourceGroupName, got.ResourceGroupName}, {"keyVaultName", p.KeyVaultName, got.KeyVaultName},
		{"keyIdentifier", p.KeyIdentifier, got.KeyIdentifier}, {"roleId", p.RoleID, got.RoleID},
	} {
		if f.sent != nil && *f.sent != f.stored {
			return fmt.Sprintf("the PATCH sent %s %q and %q is stored", f.name, *f.sent, f.stored)
		}
	}
	if p.Secret != nil && digest(string(*p.Secret)) != got.SecretDigest {
		return "the PATCH sent a secret and another one is stored"
	}
	if p.Enabled != nil && got.Enabled != *p.Enabled {
		return fmt.Sprintf("the PATCH sent enabled %v and %v is stored", *p.Enabled, got.Enabled)
	}
	if p.RequirePrivateNetworking != nil && got.RequirePrivateNetworking != *p.RequirePrivateNetworking {
		return fmt.Sprintf("the PATCH sent requirePrivateNetworking %v and %v is stored", *p.RequirePrivateNetworking, got.RequirePrivateNetworking)
	}
	return ""
}

// forecastPause reports whether the policies forecast pausing the cluster
// as a consequence of the request.
func forecastPause(r sim.Result, cluster string) bool {
	for _, w := range r.Warnings {
		if w.Apply != nil && w.Apply.Do == "pauseCluster" && w.Apply.Cluster == cluster {
			return true
		}
	}
	return false
}
