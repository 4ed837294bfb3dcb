# Shared fixtures for the rule tests: a small world in the simulator's input
# shape (see ../README.md). Only _test.rego files use this package.
package earsim.fixtures

key := "https://vault1.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef"

key2 := "https://vault1.vault.azure.net/keys/k/ffffffffffffffffffffffffffffffff"

other_vault_key := "https://vault2.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef"

azure := {
	"apps": [{"clientID": "c1", "tenantID": "t1", "secretDigest": "d1", "vaults": ["vault1"]}],
	"vaults": [
		{"name": "vault1", "subscriptionID": "s1", "resourceGroupName": "rg1"},
		{"name": "vault2", "subscriptionID": "s1", "resourceGroupName": "rg1"},
	],
	"keys": [
		{"keyIdentifier": key, "vault": "vault1", "name": "k", "version": "0123456789abcdef0123456789abcdef", "enabled": true, "deleted": false, "accessGranted": true},
		{"keyIdentifier": key2, "vault": "vault1", "name": "k", "version": "ffffffffffffffffffffffffffffffff", "enabled": false, "deleted": false, "accessGranted": true},
	],
	"subscriptions": [{"id": "s1", "networkRegistered": true}],
}

enc := {
	"enabled": true, "requirePrivateNetworking": false, "azureEnvironment": "AZURE",
	"clientID": "c1", "tenantID": "t1", "secretDigest": "d1", "subscriptionID": "s1",
	"resourceGroupName": "rg1", "keyVaultName": "vault1", "keyIdentifier": key,
}

pn := object.union(enc, {"requirePrivateNetworking": true})

off := {"enabled": false, "requirePrivateNetworking": false}

project(over) := object.union(
	{"id": "p1", "name": "p", "state": "ACTIVE", "encryption": enc, "endpoints": [], "clusters": [], "snapshots": []},
	over,
)

rc(provider, region, size) := {"providerName": provider, "backingProviderName": "", "regionName": region, "instanceSize": size}

cluster(name, over) := object.union(
	{
		"name": name, "encryptionAtRestProvider": "NONE", "backupEnabled": false, "legacyBackup": false, "paused": false,
		"pauseReason": "", "stateName": "IDLE", "regionConfigs": [rc("AZURE", "US_CENTRAL", "M10")],
	},
	over,
)

cmk(name, regions) := cluster(name, {
	"encryptionAtRestProvider": "AZURE",
	"regionConfigs": [rc("AZURE", r, "M10") | some r in regions],
})

multi_cloud(name) := cluster(name, {"regionConfigs": [rc("AZURE", "US_CENTRAL", "M10"), rc("AWS", "US_EAST_1", "M10")]})

connection := {
	"INITIATING": "", "PENDING_ACCEPTANCE": "PENDING", "ACTIVE": "APPROVED",
	"PENDING_RECREATION": "REJECTED", "FAILED": "", "DELETING": "",
}

endpoint(id, region, status) := {
	"id": id, "regionName": region, "status": status, "privateEndpointConnectionName": concat("-", ["conn", id]),
	"errorMessage": "", "connection": connection[status], "since": 0, "approvedAt": 0,
}

input_for(op, request, p) := {"op": op, "request": request, "project": p, "azure": azure, "now": 0}

# patch is an UpdateEncryptionConfig of body over the project's configuration.
patch(body, p) := input_for("UpdateEncryptionConfig", {"azureKeyVault": body, "after": object.union(p.encryption, body)}, p)

# state is a state-entry-point input at a logical time.
state(p, now) := {"op": "", "request": null, "project": p, "azure": azure, "now": now}

codes(vs) := {v.code | some v in vs}

rules(vs) := {v.rule | some v in vs}

effects(ws) := {w.effect | some w in ws}
