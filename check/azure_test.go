package check_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/sim"
)

// providerExample is a real plan (scripts/azapi-plans.sh): the provider's
// own example against earsim serve --tls, azapi 2.12.0, and a CMK cluster
// that depends_on its approval. newKeyAndApproval is hand-written (no
// azurerm provider here): the same with the vault and key azurerm makes.
const (
	providerExample   = "../examples/clean/azure-provider-example-approval.json"
	newKeyAndApproval = "../examples/clean/azure-new-key-and-approval.json"
)

// applySteps loads a plan's apply order: the Apply, and each step as "Op address".
func applySteps(t *testing.T, file string) (*check.Apply, []string) {
	t.Helper()
	ap, err := checker(t).LoadApply(file)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, s := range ap.Steps {
		steps = append(steps, string(s.Command.Op)+" "+s.Address)
	}
	return ap, steps
}

// The provider's example as tofu planned it: the config, the endpoint
// (provisioned), azapi's approval of the connection the endpoint names, a
// wait for the lag (EAR-LAG-01), then the cluster that depends on the
// approval; the data sources send nothing.
func TestApplyOrderOfTheProviderExample(t *testing.T) {
	ap, got := applySteps(t, providerExample)
	want := []string{
		"UpdateEncryptionConfig mongodbatlas_encryption_at_rest.ear",
		"CreatePrivateEndpoint mongodbatlas_encryption_at_rest_private_endpoint.endpoint",
		"ApproveConnection azapi_update_resource.approval",
		"CreateCluster mongodbatlas_advanced_cluster.orders",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	if a := ap.Steps[2]; a.Command.EndpointID != "endpoint:mongodbatlas_encryption_at_rest_private_endpoint.endpoint" || a.Wait != sim.MaxApprovalLag {
		t.Errorf("the approval is %+v (wait %d), want the created endpoint and a wait of %d s", a.Command, a.Wait, sim.MaxApprovalLag)
	}
}

// The provider's example with its vault and key: the key is created (its
// version known only at apply), the config enables CMK with it, the
// endpoint is created and provisioned, azapi approves it and the world
// waits out the lag (EAR-LAG-01), then the cluster that depends on the
// approval is created. The vault's creation sends nothing.
func TestApplyOrderOfANewKeyAndApproval(t *testing.T) {
	ap, got := applySteps(t, newKeyAndApproval)
	want := []string{
		"CreateKey azurerm_key_vault_key.key",
		"UpdateEncryptionConfig mongodbatlas_encryption_at_rest.ear",
		"CreatePrivateEndpoint mongodbatlas_encryption_at_rest_private_endpoint.endpoint",
		"ApproveConnection azapi_update_resource.approval",
		"CreateCluster mongodbatlas_advanced_cluster.orders",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	kid := "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/" + check.PlannedKeyVersion
	if ap.Steps[0].Command.KeyIdentifier != kid {
		t.Errorf("the key is %q, want %q", ap.Steps[0].Command.KeyIdentifier, kid)
	}
	if kv := ap.Steps[1].Command.AzureKeyVault; kv == nil || kv.KeyIdentifier == nil || *kv.KeyIdentifier != kid {
		t.Errorf("the config's key identifier (unknown in the plan) is not the key the plan creates: %+v", kv)
	}
	if a := ap.Steps[3]; a.Command.EndpointID != "endpoint:mongodbatlas_encryption_at_rest_private_endpoint.endpoint" || a.Wait != sim.MaxApprovalLag {
		t.Errorf("the approval is %+v (wait %d), want the created endpoint and a wait of %d s", a.Command, a.Wait, sim.MaxApprovalLag)
	}
	if ap.World.Azure.Vault("EXAMPLEKeyVault") == nil || ap.World.Azure.Key(kid) != nil {
		t.Errorf("the world before the plan: the vault must be there and the key not yet: %+v", ap.World.Azure)
	}
}

// withApproval rewrites the provider example's approval values.
func withApproval(t *testing.T, edit func(values map[string]any)) fstest.MapFS {
	t.Helper()
	data, err := os.ReadFile(providerExample)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, x := range doc["resource_changes"].([]any) {
		rc := x.(map[string]any)
		if rc["type"] == "azapi_update_resource" {
			edit(rc["change"].(map[string]any)["after"].(map[string]any))
		}
	}
	out, _ := json.Marshal(doc)
	return fstest.MapFS{"plan.json": {Data: out}}
}

// azapi 1.x writes the body as a JSON string (jsonencode), 2.x as an object;
// the type comes in any casing. A rejection is the reject step, and an azapi
// resource of another type is counted among the ignored.
func TestAzapiBodyShapesAndTypes(t *testing.T) {
	c := checker(t)
	for name, tc := range map[string]struct {
		edit    func(map[string]any)
		op      sim.Op
		ignored int
	}{
		"azapi 1.x string body, lower-case type": {func(v map[string]any) {
			v["type"] = strings.ToLower(v["type"].(string))
			v["body"] = `{"properties":{"privateLinkServiceConnectionState":{"status":"Approved"}}}`
		}, sim.ApproveConnection, 0},
		"rejected": {func(v map[string]any) {
			v["body"] = map[string]any{"properties": map[string]any{"privateLinkServiceConnectionState": map[string]any{"status": "Rejected"}}}
		}, sim.RejectConnection, 0},
		"another type": {func(v map[string]any) { v["type"] = "Microsoft.Storage/storageAccounts@2023-01-01" }, "", 1},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := withApproval(t, tc.edit)
			rep, err := c.Files(context.Background(), []string{"plan.json"}, check.Options{FS: fsys})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Files[0].Ignored != tc.ignored {
				t.Errorf("ignored %d, want %d", rep.Files[0].Ignored, tc.ignored)
			}
			var ops []sim.Op
			for _, f := range rep.Files[0].Findings {
				if f.Resource == "azapi_update_resource.approval" {
					ops = append(ops, sim.Op(f.Target["request"]))
				}
			}
			if tc.op == "" && len(ops) != 0 || tc.op != "" && !slices.Contains(ops, tc.op) {
				t.Errorf("the approval's findings are for %v, want %q", ops, tc.op)
			}
		})
	}
}

// A key destroy that nothing orders after the config that uses it is judged
// first: the EAR-KEY-02 error says which depends_on orders it.
func TestKeyDestroyNamesTheDependsOn(t *testing.T) {
	rep, err := checker(t).Files(context.Background(), []string{"../examples/key-02-teardown-deletes-key-before-cmk-off.json"}, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files[0].Findings {
		if f.Rule == "EAR-KEY-02" {
			if f.Level != check.LevelError || f.Resource != "azurerm_key_vault_key.key" || f.Target["step"] != "1 of 4" {
				t.Errorf("finding %+v: want an error at the key's destroy, judged first", f)
			}
			if !strings.Contains(f.Remediation, "add depends_on = [azurerm_key_vault_key.key] to mongodbatlas_encryption_at_rest.ear") {
				t.Errorf("remediation %q does not name the depends_on to add", f.Remediation)
			}
			return
		}
	}
	t.Fatal("no EAR-KEY-02 finding")
}

// A key version disabled by the plan (enabled = false, which azurerm 4.x's
// schema lacks but a plan may carry) while the config uses it: EAR-KEY-02
// at that step; the same update without it sends nothing.
func TestKeyDisabledByThePlan(t *testing.T) {
	kid := "https://examplekeyvault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86"
	key := func(enabled any) map[string]any {
		v := map[string]any{"name": "EXAMPLEKey", "id": kid, "key_vault_id": "/subscriptions/a39012fb-d604-4cd1-8841-77f705f3e6d5/resourceGroups/example-rg/providers/Microsoft.KeyVault/vaults/EXAMPLEKeyVault"}
		if enabled != nil {
			v["enabled"] = enabled
		}
		return v
	}
	ear := map[string]any{"project_id": "66c9e8f1dd6c9960802420e9", "azure_key_vault_config": []any{map[string]any{
		"enabled": true, "azure_environment": "AZURE", "client_id": "c", "tenant_id": "t", "secret": secret,
		"subscription_id": "a39012fb-d604-4cd1-8841-77f705f3e6d5", "resource_group_name": "example-rg",
		"key_vault_name": "EXAMPLEKeyVault", "key_identifier": kid,
	}}}
	cluster := map[string]any{"project_id": "66c9e8f1dd6c9960802420e9", "name": "orders", "encryption_at_rest_provider": "AZURE",
		"replication_specs": []any{map[string]any{"region_configs": []any{map[string]any{"provider_name": "AZURE", "region_name": "US_EAST_2", "electable_specs": map[string]any{"instance_size": "M10"}}}}}}
	plan := func(after map[string]any) []byte {
		doc := map[string]any{
			"format_version": "1.2",
			"prior_state": map[string]any{"values": map[string]any{"root_module": map[string]any{"resources": []any{
				map[string]any{"address": "azurerm_key_vault_key.key", "mode": "managed", "type": "azurerm_key_vault_key", "values": key(nil)},
				map[string]any{"address": "mongodbatlas_encryption_at_rest.ear", "mode": "managed", "type": "mongodbatlas_encryption_at_rest", "values": ear},
				map[string]any{"address": "mongodbatlas_advanced_cluster.orders", "mode": "managed", "type": "mongodbatlas_advanced_cluster", "values": cluster},
			}}}},
			"resource_changes": []any{map[string]any{"address": "azurerm_key_vault_key.key", "mode": "managed", "type": "azurerm_key_vault_key",
				"change": map[string]any{"actions": []any{"update"}, "before": key(nil), "after": after}}},
		}
		b, _ := json.Marshal(doc)
		return b
	}
	c := checker(t)
	for name, tc := range map[string]struct {
		after map[string]any
		want  bool
	}{"disabled": {key(false), true}, "tags only": {key(nil), false}} {
		rep, err := c.Files(context.Background(), []string{"plan.json"}, check.Options{FS: fstest.MapFS{"plan.json": {Data: plan(tc.after)}}})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range rep.Files[0].Findings {
			if f.Rule == "EAR-KEY-02" && f.Level == check.LevelError && f.Target["request"] == string(sim.DisableKey) {
				got = true
			}
		}
		if got != tc.want {
			t.Errorf("%s: EAR-KEY-02 error at the key's DisableKey = %v, want %v (%+v)", name, got, tc.want, rep.Files[0].Findings)
		}
	}
}
