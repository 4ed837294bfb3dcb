package sim

import (
	"reflect"
	"slices"
	"strings"
)

// The policy input is built by hand from plain maps so that the policy engine
// converts it without reflection or a JSON round trip: decisions sit on the
// hot path of every step.

func (s *State) input(op Op, request map[string]any, project map[string]any, actor *Actor, groupID string, azure map[string]any) Input {
	in := Input{"op": string(op), "request": request, "now": s.Now, "azure": azure, "project": nil}
	if project != nil {
		in["project"] = project
	}
	if actor != nil {
		in["actor"] = map[string]any{"roles": actor.rolesFor(groupID)}
	}
	return in
}

// rolesFor returns the actor's organization roles and its roles on groupID.
func (a *Actor) rolesFor(groupID string) []any {
	roles := slices.Clone(a.Roles)
	roles = append(roles, a.GroupRoles[groupID]...)
	slices.Sort(roles)
	roles = slices.Compact(roles)
	out := make([]any, len(roles))
	for i, r := range roles {
		out[i] = r
	}
	return out
}

func projectInput(p *Project) map[string]any { return projectInputSince(p, nil, nil) }

// projectInputSince builds p's policy document, handing over again the parts
// of prevDoc, the document of prev (the same project before a change), that
// the change left as they were: an endpoint's status changed, and the
// clusters, the encryption config and the other endpoint records are the
// same maps and lists as before, and prevDoc itself when nothing it shows
// changed. Checkers remember documents by identity (see Input). A part is
// kept only when its struct equals the one it was built from, so a change
// to any field, shown or not, builds it again.
func projectInputSince(p, prev *Project, prevDoc map[string]any) map[string]any {
	if prev == nil || prevDoc == nil || prev.ID != p.ID {
		prev, prevDoc = &Project{}, nil
	}
	same := prevDoc != nil && p.Name == prev.Name && p.State == prev.State
	enc, ok := prevDoc["encryption"].(map[string]any)
	if !ok || !reflect.DeepEqual(p.Encryption, prev.Encryption) {
		enc, same = encryptionInput(&p.Encryption), false
	}
	eps, kept := keptList(prevDoc["endpoints"], len(p.Endpoints), func(i int) bool {
		return i < len(prev.Endpoints) && p.Endpoints[i] == prev.Endpoints[i]
	}, func(i int) any { return endpointInput(&p.Endpoints[i]) })
	same = same && kept
	cls, kept := keptList(prevDoc["clusters"], len(p.Clusters), func(i int) bool {
		return i < len(prev.Clusters) && reflect.DeepEqual(p.Clusters[i], prev.Clusters[i])
	}, func(i int) any { return clusterInput(&p.Clusters[i]) })
	same = same && kept
	snaps, kept := keptList(prevDoc["snapshots"], len(p.Snapshots), func(i int) bool {
		return i < len(prev.Snapshots) && p.Snapshots[i] == prev.Snapshots[i]
	}, func(i int) any {
		s := &p.Snapshots[i]
		return map[string]any{"id": s.ID, "clusterName": s.ClusterName, "keyIdentifier": s.KeyIdentifier}
	})
	if same && kept {
		return prevDoc
	}
	return map[string]any{
		"id":         p.ID,
		"name":       p.Name,
		"state":      p.State,
		"encryption": enc,
		"endpoints":  eps,
		"clusters":   cls,
		"snapshots":  snaps,
	}
}

// keptList is a list of n documents: prev's i-th where unchanged(i) (prev built
// from the same structs), else build(i); prev itself when every one is kept
// and the length is the same. kept reports that.
func keptList(prev any, n int, unchanged func(int) bool, build func(int) any) (list []any, kept bool) {
	old, _ := prev.([]any)
	kept = old != nil && len(old) == n
	list = make([]any, n)
	for i := range n {
		if i < len(old) && unchanged(i) {
			list[i] = old[i]
			continue
		}
		list[i], kept = build(i), false
	}
	if kept {
		return old, true
	}
	return list, false
}

func endpointInput(e *Endpoint) map[string]any {
	approved := int64(0) // when the current connection was approved: 0 unless it is
	if e.Connection == ConnectionApproved {
		approved = e.ApprovedAt
	}
	return map[string]any{
		"id":                            e.ID,
		"regionName":                    e.RegionName,
		"status":                        e.Status,
		"privateEndpointConnectionName": e.ConnectionName,
		"errorMessage":                  e.ErrorMessage,
		"connection":                    e.Connection,
		"since":                         e.Since,
		"approvedAt":                    approved,
	}
}

func encryptionInput(c *EncryptionConfig) map[string]any {
	m := map[string]any{
		"enabled":                  c.Enabled,
		"requirePrivateNetworking": c.RequirePrivateNetworking,
		"azureEnvironment":         c.AzureEnvironment,
		"clientID":                 c.ClientID,
		"tenantID":                 c.TenantID,
		"secretDigest":             c.SecretDigest,
		"subscriptionID":           c.SubscriptionID,
		"resourceGroupName":        c.ResourceGroupName,
		"keyVaultName":             c.KeyVaultName,
		"keyIdentifier":            c.KeyIdentifier,
	}
	if c.Rotation != nil {
		m["rotation"] = map[string]any{"from": c.Rotation.From, "until": c.Rotation.Until}
	}
	return m
}

// patchInput is the azureKeyVault body as sent: only the fields present, the
// secret as its digest.
func patchInput(p *AzureKeyVaultPatch, digest func(string) string) map[string]any {
	m := map[string]any{}
	str := func(k string, v *string) {
		if v != nil {
			m[k] = *v
		}
	}
	str("azureEnvironment", p.AzureEnvironment)
	str("clientID", p.ClientID)
	str("tenantID", p.TenantID)
	str("subscriptionID", p.SubscriptionID)
	str("resourceGroupName", p.ResourceGroupName)
	str("keyVaultName", p.KeyVaultName)
	str("keyIdentifier", p.KeyIdentifier)
	str("roleId", p.RoleID)
	if p.Secret != nil {
		m["secretDigest"] = digest(string(*p.Secret))
	}
	if p.Enabled != nil {
		m["enabled"] = *p.Enabled
	}
	if p.RequirePrivateNetworking != nil {
		m["requirePrivateNetworking"] = *p.RequirePrivateNetworking
	}
	return m
}

func clusterInput(c *Cluster) map[string]any {
	return map[string]any{
		"name":                     c.Name,
		"encryptionAtRestProvider": c.EncryptionAtRestProvider,
		"backupEnabled":            c.BackupEnabled,
		"legacyBackup":             c.LegacyBackup,
		"paused":                   c.Paused,
		"pauseReason":              c.PauseReason,
		"stateName":                c.StateName,
		"regionConfigs":            regionConfigsInput(c.ReplicationSpecs),
	}
}

// regionConfigsInput flattens the replication specs into one list of region
// configs with their instance size.
func regionConfigsInput(specs []ReplicationSpec) []any {
	var out []any
	for _, rs := range specs {
		for _, rc := range rs.RegionConfigs {
			size := ""
			if rc.ElectableSpecs != nil {
				size = rc.ElectableSpecs.InstanceSize
			}
			out = append(out, map[string]any{
				"providerName":        rc.ProviderName,
				"backingProviderName": rc.BackingProviderName,
				"regionName":          rc.RegionName,
				"instanceSize":        size,
			})
		}
	}
	if out == nil {
		out = []any{}
	}
	return out
}

func (a *Azure) input() map[string]any {
	apps := make([]any, len(a.Apps))
	for i, app := range a.Apps {
		vaults := make([]any, len(app.Vaults))
		for j, v := range app.Vaults {
			vaults[j] = v
		}
		apps[i] = map[string]any{"clientID": app.ClientID, "tenantID": app.TenantID, "secretDigest": app.SecretDigest, "vaults": vaults}
	}
	vaults := make([]any, len(a.Vaults))
	for i, v := range a.Vaults {
		vaults[i] = map[string]any{"name": v.Name, "subscriptionID": v.SubscriptionID, "resourceGroupName": v.ResourceGroupName}
	}
	keys := make([]any, len(a.Keys))
	// keysByNorm indexes the keys not deleted as the policies look them up
	// (lib.key_norm: the vault in lower case, the name, the version), so
	// that a question finds its key without going through every key: with
	// a key per project, every project's question did (issue 24).
	byNorm := make(map[string]any, len(a.Keys))
	for i, k := range a.Keys {
		doc := map[string]any{
			"keyIdentifier": k.Identifier, "vault": k.Vault, "name": k.Name, "version": k.Version,
			"enabled": k.Enabled, "deleted": k.Deleted, "accessGranted": k.AccessGranted,
		}
		keys[i] = doc
		if !k.Deleted {
			byNorm[strings.ToLower(k.Vault)+"/"+k.Name+"/"+k.Version] = doc
		}
	}
	subs := make([]any, len(a.Subscriptions))
	for i, s := range a.Subscriptions {
		subs[i] = map[string]any{"id": s.ID, "networkRegistered": s.NetworkRegistered}
	}
	return map[string]any{"apps": apps, "vaults": vaults, "keys": keys, "keysByNorm": byNorm, "subscriptions": subs}
}
