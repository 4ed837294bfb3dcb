//go:build !race

// The race run (make test) builds only what TestConcurrentClients needs:
// this file links a large client or the browser driver, which -race would
// compile again for nothing. It runs in the normal go test run.

package atlasapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
	"go.mongodb.org/atlas-sdk/v20241113005/admin"
)

// The official Go SDK (go.mongodb.org/atlas-sdk/v20241113005, digest auth)
// drives the seed's procedures end to end against the mock, clusters
// included: each call goes out in the resource version the SDK was generated
// for (clusters created at 2024-10-23, deleted at 2023-02-01), so this is
// also the test that the mock answers those versions (API.md "Real clients").
func TestOfficialSDKWorkflow(t *testing.T) {
	digestWorkflow(t, newServer(t, atlasapi.Options{Seed: 1}))
}

func digestWorkflow(t *testing.T, s *testServer) {
	client, err := admin.NewClient(admin.UseDigestAuth(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey), admin.UseBaseURL(s.url("")))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ear := client.EncryptionAtRestUsingCustomerKeyManagementApi
	p := sim.Presets["example"]
	on := true

	// A project of its own, in the organization of the fresh world.
	orgs, _, err := client.OrganizationsApi.ListOrganizations(ctx).Execute()
	if err != nil || orgs.GetTotalCount() != 1 {
		t.Fatalf("list organizations: %v %v", orgs, err)
	}
	org := orgs.GetResults()[0].GetId()
	project, _, err := client.ProjectsApi.CreateProject(ctx, &admin.Group{Name: "sdk-workflow", OrgId: org}).Execute()
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	g := project.GetId()
	if got, _, err := client.ProjectsApi.GetProject(ctx, g).Execute(); err != nil || got.GetName() != "sdk-workflow" {
		t.Fatalf("get project: %v %v", got, err)
	}

	// Enable customer-managed keys with private networking (the seed's PATCH).
	cfg, _, err := ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{
		AzureEnvironment: &p.AzureEnvironment, ClientID: &p.ClientID, TenantID: &p.TenantID, Secret: &p.Secret,
		SubscriptionID: &p.SubscriptionID, ResourceGroupName: &p.ResourceGroupName, KeyVaultName: &p.KeyVaultName,
		KeyIdentifier: &p.KeyIdentifier, Enabled: &on, RequirePrivateNetworking: &on,
	}}).Execute()
	if err != nil {
		t.Fatalf("enable: %v", err)
	}
	if kv := cfg.GetAzureKeyVault(); !kv.GetEnabled() || !kv.GetRequirePrivateNetworking() || kv.Secret != nil || !kv.GetValid() {
		t.Fatalf("enable answered %+v", kv)
	}

	// Create an endpoint, watch it through its lifecycle (EAR-PE-01..03).
	region := "US_CENTRAL"
	created, resp, err := ear.CreateEncryptionAtRestPrivateEndpoint(ctx, g, "AZURE", &admin.EARPrivateEndpoint{RegionName: &region}).Execute()
	if err != nil || resp.StatusCode != http.StatusAccepted || created.GetStatus() != sim.StatusInitiating {
		t.Fatalf("create endpoint: %v %v %v", created, resp, err)
	}
	id := created.GetId()
	s.control("POST", "clock/advance", map[string]any{"seconds": 60})
	got, _, err := ear.GetEncryptionAtRestPrivateEndpoint(ctx, g, "AZURE", id).Execute()
	if err != nil || got.GetStatus() != sim.StatusPendingAcceptance || got.GetPrivateEndpointConnectionName() == "" {
		t.Fatalf("after provisioning: %+v %v", got, err)
	}
	if a := s.control("POST", "groups/"+g+"/privateEndpoints/"+id+"/approve", nil); a.Status != 200 {
		t.Fatalf("approve: %d %s", a.Status, a.Raw)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.MaxApprovalLag})
	list, _, err := ear.GetEncryptionAtRestPrivateEndpointsForCloudProvider(ctx, g, "AZURE").Execute()
	if err != nil || list.GetTotalCount() != 1 || list.GetResults()[0].GetStatus() != sim.StatusActive {
		t.Fatalf("list after approval: %+v %v", list, err)
	}

	// The vault name is frozen while the endpoint exists (EAR-IMM-01); the
	// refusal reaches the SDK as an Atlas error with its code.
	other := "OtherVault"
	_, _, err = ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{KeyVaultName: &other}}).Execute()
	if !admin.IsErrorCode(err, "ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE") {
		t.Fatalf("vault rename: %v, want ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE", err)
	}

	// A CMK cluster with Cloud Backup (EAR-TIER-03 as corrected), in the
	// endpoint's region (EAR-MR-02), created at 2024-10-23.
	name, size, nodes, priority, azure := "sdk-cluster", "M10", 3, 7, "AZURE"
	cluster, _, err := client.ClustersApi.CreateCluster(ctx, g, &admin.ClusterDescription20240805{
		Name: &name, ClusterType: admin.PtrString("REPLICASET"), BackupEnabled: &on, EncryptionAtRestProvider: &azure,
		ReplicationSpecs: &[]admin.ReplicationSpec20240805{{RegionConfigs: &[]admin.CloudRegionConfig20240805{{
			ProviderName: &azure, RegionName: &region, Priority: &priority,
			ElectableSpecs: &admin.HardwareSpec20240805{InstanceSize: &size, NodeCount: &nodes},
		}}}},
	}).Execute()
	if err != nil {
		t.Fatalf("create cluster: %v", err)
	}
	if cluster.GetStateName() != "CREATING" || cluster.GetEncryptionAtRestProvider() != "AZURE" || !cluster.GetBackupEnabled() {
		t.Fatalf("create cluster answered %+v", cluster)
	}
	specs := cluster.GetReplicationSpecs()
	if len(specs) != 1 || specs[0].GetZoneName() != "Zone 1" || specs[0].GetId() == "" || specs[0].GetZoneId() == "" {
		t.Fatalf("replication specs %+v: want one with an id, a zoneId and the default zone name", specs)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.ClusterSeconds})
	if c, _, err := client.ClustersApi.GetCluster(ctx, g, name).Execute(); err != nil || c.GetStateName() != "IDLE" {
		t.Fatalf("get cluster: %+v %v", c, err)
	}
	if cs, _, err := client.ClustersApi.ListClusters(ctx, g).Execute(); err != nil || cs.GetTotalCount() != 1 {
		t.Fatalf("list clusters: %+v %v", cs, err)
	}
	// CMK off for the project while a CMK cluster exists: EAR-DIS-01 first
	// (the endpoint), the order RULES.md gives.
	off := false
	_, _, err = ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{Enabled: &off}}).Execute()
	if !admin.IsErrorCode(err, "CANNOT_DISABLE_ENCRYPTION_AT_REST_DUE_TO_PRIVATE_ENDPOINTS") {
		t.Fatalf("disable with endpoints: %v", err)
	}

	// Tear down as the seed says: the cluster (DeleteCluster sends
	// 2023-02-01), the endpoint, then private networking and CMK.
	if resp, err := client.ClustersApi.DeleteCluster(ctx, g, name).Execute(); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("delete cluster: %v %v", resp, err)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.ClusterSeconds})
	if _, resp, err := client.ClustersApi.GetCluster(ctx, g, name).Execute(); err == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("get deleted cluster: %v, want 404", err)
	}
	if _, resp, err := ear.RequestEncryptionAtRestPrivateEndpointDeletion(ctx, g, "AZURE", id).Execute(); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete endpoint: %v %v", resp, err)
	}
	s.control("POST", "clock/advance", map[string]any{"seconds": sim.DeletionSeconds})
	if _, _, err := ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{RequirePrivateNetworking: &off}}).Execute(); err != nil {
		t.Fatalf("private networking off: %v", err)
	}
	cfg, _, err = ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{Enabled: &off}}).Execute()
	if kv := cfg.GetAzureKeyVault(); err != nil || kv.GetEnabled() {
		t.Fatalf("CMK off: %+v %v", cfg, err)
	}
	if _, _, err := client.ProjectsApi.DeleteProject(ctx, g).Execute(); err != nil {
		t.Fatalf("delete project: %v", err)
	}
}
