package check

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/earsim/earsim/sim"
)

// The Azure half of a plan (RULES.md section 3, "hazards in plans"): the
// approval, rejection or removal of a Key Vault's private endpoint
// connection (azapi), keys and vaults (azurerm_key_vault_key,
// azurerm_key_vault) and the Microsoft.Network registration
// (azurerm_resource_provider_registration). Each becomes the simulator's
// command for that event outside Atlas, the one the control routes send:
// approve, reject, remove; create, disable, delete a key version;
// register, unregister. Attribute names are the providers' own (azurerm
// 4.x internal/services/keyvault and internal/services/resource, azapi 2.x
// azapi_update_resource and azapi_resource).

// Azure-side resource types.
const (
	typeAzapiUpdate  = "azapi_update_resource"
	typeAzapi        = "azapi_resource"
	typeKey          = "azurerm_key_vault_key"
	typeVault        = "azurerm_key_vault"
	typeRegistration = "azurerm_resource_provider_registration"
	typeEndpoint     = "mongodbatlas_encryption_at_rest_private_endpoint"
	typeEncryption   = "mongodbatlas_encryption_at_rest"
)

// PlannedKeyVersion is the version check gives a key the plan creates: Azure
// assigns the real one at apply, and the plan shows it as unknown.
const PlannedKeyVersion = "00000000000000000000000000000000"

// connectionType is the azapi type of a vault's private endpoint
// connection, without its api-version; azapi sends it in any casing.
const connectionType = "microsoft.keyvault/vaults/privateendpointconnections"

// azureReads reports whether check reads a change of an Azure-side type:
// azapi resources of the connection type, and the registration of
// Microsoft.Network; keys and vaults always.
func azureReads(typ string, before, after map[string]any) bool {
	switch typ {
	case typeAzapiUpdate, typeAzapi:
		return isConnection(strOf(after, "type")) || isConnection(strOf(before, "type"))
	case typeRegistration:
		return strings.EqualFold(strOf(after, "name"), "Microsoft.Network") || strings.EqualFold(strOf(before, "name"), "Microsoft.Network")
	case typeKey, typeVault:
		return true
	}
	return false
}

func isAzure(typ string) bool {
	switch typ {
	case typeAzapiUpdate, typeAzapi, typeKey, typeVault, typeRegistration:
		return true
	}
	return false
}

func isConnection(t string) bool {
	base, _, _ := strings.Cut(t, "@")
	return strings.EqualFold(base, connectionType)
}

// connectionStatus reads body.properties.privateLinkServiceConnectionState.status:
// body is a JSON string in azapi 1.x (jsonencode) and an object in 2.x.
func connectionStatus(values map[string]any) string {
	body := values["body"]
	if s, ok := body.(string); ok {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return ""
		}
		body = v
	}
	state := mapOf(mapOf(mapOf(body)["properties"])["privateLinkServiceConnectionState"])
	return strOf(state, "status")
}

// armSegments splits an ARM resource id into its name/value pairs, names
// lower-cased: /subscriptions/S/resourceGroups/R/providers/Microsoft.KeyVault/vaults/V
// gives subscriptions S, resourcegroups R, providers Microsoft.KeyVault, vaults V.
func armSegments(id string) map[string]string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	out := map[string]string{}
	for i := 0; i+1 < len(parts); i += 2 {
		out[strings.ToLower(parts[i])] = parts[i+1]
	}
	return out
}

// connectionName is the name of the connection an azapi change names:
// its name, or the last segment of its resource_id.
func connectionName(values map[string]any) string {
	if n := strOf(values, "name"); n != "" {
		return n
	}
	if id := strOf(values, "resource_id"); id != "" {
		return id[strings.LastIndex(id, "/")+1:]
	}
	return ""
}

// azureSide is what the Azure half of a plan needs of the whole plan.
type azureSide struct {
	vaults  map[string]string   // configuration address of an azurerm_key_vault: its name
	keys    map[string][]string // address of an azurerm_key_vault_key: the key versions it stands for
	planned map[string]bool     // key identifiers the plan creates
}

// vaultOfKey is the vault a key resource is in: its key_vault_id, its id, or
// the azurerm_key_vault it references.
func vaultOfKey(v map[string]any, deps []string, vaults map[string]string) string {
	if seg := armSegments(strOf(v, "key_vault_id")); seg["vaults"] != "" {
		return seg["vaults"]
	}
	if k, err := sim.ParseKeyIdentifier(strOf(v, "id")); err == nil {
		return k.Vault
	}
	for _, d := range deps {
		if n, ok := vaults[d]; ok {
			return n
		}
	}
	return ""
}

// keyID is the versioned identifier of a key resource: its id, or for a key
// the plan creates https://{vault}.vault.azure.net/keys/{name}/PlannedKeyVersion.
func keyID(v map[string]any, vault string) (string, bool) {
	if id := strOf(v, "id"); id != "" {
		return id, false
	}
	if vault == "" || strOf(v, "name") == "" {
		return "", false
	}
	return "https://" + vault + ".vault.azure.net/keys/" + strOf(v, "name") + "/" + PlannedKeyVersion, true
}

// readAzure collects the vault names and key identifiers of a plan, and
// fills the key identifier of an encryption config that the plan shows as
// unknown because it is a key the plan creates (key_identifier =
// azurerm_key_vault_key.k.id).
func readAzure(changes []*planChange, prior []map[string]any, cfg planConfig) *azureSide {
	az := &azureSide{vaults: map[string]string{}, keys: map[string][]string{}, planned: map[string]bool{}}
	for _, r := range prior {
		if strOf(r, "type") == typeVault {
			az.vaults[configAddress(strOf(r, "address"))] = strOf(mapOf(r["values"]), "name")
		}
	}
	for _, c := range changes {
		if c.Type == typeVault {
			for _, v := range []map[string]any{c.Before, c.After} {
				if n := strOf(v, "name"); n != "" {
					az.vaults[c.Config] = n
				}
			}
		}
	}
	for _, r := range prior {
		if strOf(r, "type") == typeKey {
			v := mapOf(r["values"])
			a := configAddress(strOf(r, "address"))
			if id, _ := keyID(v, vaultOfKey(v, cfg.deps[a], az.vaults)); id != "" {
				az.keys[strOf(r, "address")] = []string{id}
			}
		}
	}
	for _, c := range changes {
		if c.Type != typeKey || c.After == nil || !slices.Contains(c.Actions, "create") {
			continue
		}
		if id, planned := keyID(c.After, vaultOfKey(c.After, cfg.deps[c.Config], az.vaults)); id != "" {
			if planned {
				az.planned[id] = true
			}
			c.plannedKey = id
		}
	}
	for _, c := range changes {
		if c.Type != typeEncryption || c.After == nil {
			continue
		}
		k := block(c.After["azure_key_vault_config"])
		if k == nil || k["key_identifier"] != nil {
			continue
		}
		if id := az.referencedKey(c, changes, cfg); id != "" {
			k["key_identifier"] = id
		}
	}
	return az
}

// referencedKey is the identifier of the key an encryption config's
// azure_key_vault_config references by its id (azurerm_key_vault_key.k.id),
// when the plan creates that key.
func (az *azureSide) referencedKey(c *planChange, changes []*planChange, cfg planConfig) string {
	prefix := c.Config[:strings.LastIndex(c.Config, typeEncryption+".")]
	for _, ref := range references(mapOf(cfg.exprs[c.Config])["azure_key_vault_config"], nil) {
		parts := strings.Split(instanceKey.ReplaceAllString(ref, ""), ".")
		if len(parts) != 3 || parts[0] != typeKey || parts[2] != "id" {
			continue
		}
		for _, k := range changes {
			if k.Type == typeKey && k.Config == prefix+parts[0]+"."+parts[1] && k.plannedKey != "" {
				return k.plannedKey
			}
		}
	}
	return ""
}

// sameKeyName reports whether two key identifiers are versions of one key.
func sameKeyName(a, b string) bool {
	x, err1 := sim.ParseKeyIdentifier(a)
	y, err2 := sim.ParseKeyIdentifier(b)
	return err1 == nil && err2 == nil && strings.EqualFold(x.Vault, y.Vault) && x.Name == y.Name
}

// azureNodes are the steps one Azure-side change sends, in the world before
// the plan: a key destroy deletes every version of the key the world holds,
// a vault destroy every key version in it that no key destroy of the plan
// deletes; an approval names its endpoint (endpoint, created by the plan or
// not). Changes that send nothing (a vault created, azapi_update_resource
// destroyed: it only leaves the state) have no node.
func (ap *Apply) azureNodes(c *planChange, action string, changes []*planChange, world *sim.State, cfg planConfig) []node {
	values := c.After
	if action == "delete" {
		values = c.Before
	}
	one := func(cmd sim.Command, wait int64) []node {
		return []node{{ch: c, action: action, cmd: &cmd, wait: wait}}
	}
	switch c.Type {
	case typeAzapiUpdate, typeAzapi:
		if action == "delete" {
			if c.Type == typeAzapiUpdate {
				return nil
			}
			g, id, ok := ap.connectionEndpoint(c, values, changes, world, cfg)
			if !ok {
				return nil
			}
			return one(sim.Command{Op: sim.RemoveConnection, GroupID: g, EndpointID: id}, 0)
		}
		op, wait := sim.Op(""), int64(0)
		switch strings.ToLower(connectionStatus(values)) {
		case "approved":
			op, wait = sim.ApproveConnection, sim.MaxApprovalLag // judged after the lag (EAR-LAG-01)
		case "rejected":
			op = sim.RejectConnection
		default:
			return nil
		}
		if action == "update" && strings.EqualFold(connectionStatus(c.Before), connectionStatus(c.After)) {
			return nil
		}
		g, id, ok := ap.connectionEndpoint(c, values, changes, world, cfg)
		if !ok {
			return nil
		}
		return one(sim.Command{Op: op, GroupID: g, EndpointID: id}, wait)
	case typeKey:
		switch action {
		case "create":
			id := c.plannedKey
			if id == "" {
				id = strOf(values, "id")
			}
			if id == "" {
				return nil
			}
			cmd := sim.Command{Op: sim.CreateKey, KeyIdentifier: id}
			if b, ok := boolOf(values, "enabled"); ok {
				cmd.Enabled = &b
			}
			return one(cmd, 0)
		case "update":
			// azurerm 4.x has no enabled argument (it enables on every write);
			// a plan that carries enabled = false disables the version.
			if b, ok := boolOf(c.After, "enabled"); ok && !b {
				if was, ok := boolOf(c.Before, "enabled"); !ok || was {
					if id := strOf(c.Before, "id"); id != "" {
						return one(sim.Command{Op: sim.DisableKey, KeyIdentifier: id}, 0)
					}
				}
			}
			return nil
		default:
			var out []node
			for _, k := range world.Azure.Keys {
				if id := strOf(values, "id"); id != "" && sameKeyName(k.Identifier, id) {
					cmd := sim.Command{Op: sim.DeleteKey, KeyIdentifier: k.Identifier}
					out = append(out, node{ch: c, action: action, cmd: &cmd})
				}
			}
			return out
		}
	case typeVault:
		if action != "delete" {
			return nil
		}
		name := strOf(values, "name")
		var out []node
		for _, k := range world.Azure.Keys {
			if !strings.EqualFold(k.Vault, name) || deletedByPlan(changes, k.Identifier) {
				continue
			}
			cmd := sim.Command{Op: sim.DeleteKey, KeyIdentifier: k.Identifier}
			out = append(out, node{ch: c, action: action, cmd: &cmd})
		}
		return out
	case typeRegistration:
		sub := armSegments(strOf(values, "id"))["subscriptions"]
		if sub == "" || world.Azure.Subscription(sub) == nil {
			return nil
		}
		if action == "delete" {
			return one(sim.Command{Op: sim.UnregisterNetwork, SubscriptionID: sub}, 0)
		}
		if action == "create" {
			return one(sim.Command{Op: sim.RegisterNetwork, SubscriptionID: sub}, 0)
		}
	}
	return nil
}

// deletedByPlan reports whether a key destroy of the plan deletes the key
// version (a vault destroy then leaves it to that step).
func deletedByPlan(changes []*planChange, id string) bool {
	for _, c := range changes {
		if c.Type == typeKey && slices.Contains(c.Actions, "delete") && sameKeyName(strOf(c.Before, "id"), id) {
			return true
		}
	}
	return false
}

// connectionEndpoint finds the endpoint an azapi change approves, rejects or
// removes: the mongodbatlas_encryption_at_rest_private_endpoint it
// references (depends on), or the one whose private_endpoint_connection_name
// is its name. An endpoint the plan creates is named "endpoint:ADDRESS"
// until its creation answers with its id (Apply.Run).
func (ap *Apply) connectionEndpoint(c *planChange, values map[string]any, changes []*planChange, world *sim.State, cfg planConfig) (group, id string, ok bool) {
	var cands []*planChange
	for _, e := range changes {
		if e.Type == typeEndpoint && slices.Contains(cfg.deps[c.Config], e.Config) {
			cands = append(cands, e)
		}
	}
	name := connectionName(values)
	if len(cands) == 0 && name != "" {
		for _, e := range changes {
			if e.Type == typeEndpoint && strings.EqualFold(strOf(e.Before, "private_endpoint_connection_name"), name) {
				cands = append(cands, e)
			}
		}
	}
	if len(cands) == 0 && name != "" {
		for _, r := range ap.priorEndpoints {
			if strings.EqualFold(strOf(r, "private_endpoint_connection_name"), name) {
				return strOf(r, "project_id"), strOf(r, "id"), true
			}
		}
	}
	if len(cands) == 0 {
		return "", "", false
	}
	e := cands[0]
	key := strings.TrimPrefix(c.Address, c.Config)
	for _, x := range cands {
		if strings.TrimPrefix(x.Address, x.Config) == key {
			e = x
		}
	}
	c.endpoint = e
	if slices.Contains(e.Actions, "create") {
		return projectOf(e), "endpoint:" + e.Address, true
	}
	return projectOf(e), strOf(e.Before, "id"), true
}
