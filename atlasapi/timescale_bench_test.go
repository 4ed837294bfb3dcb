//go:build !race

// The race run (make test) builds only what TestConcurrentClients needs:
// this file links a large client or the browser driver, which -race would
// compile again for nothing. It runs in the normal go test run.

package atlasapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
	"go.mongodb.org/atlas-sdk/v20241113005/admin"
)

// startScaled runs a mock on a loopback port whose clock follows the wall
// clock at scale, with automatic Azure approval after approve.
func startScaled(b *testing.B, scale float64, approve time.Duration) *admin.APIClient {
	b.Helper()
	srv, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault(), TimeScale: scale, AutoApprove: &approve})
	if err != nil {
		b.Fatal(err)
	}
	run, err := srv.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(run.Stop)
	client, err := admin.NewClient(admin.UseDigestAuth(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey), admin.UseBaseURL("http://"+run.Addr))
	if err != nil {
		b.Fatal(err)
	}
	return client
}

// poll calls get every 100 ms until it reports done or ten minutes of wall
// time pass.
func poll(b *testing.B, what string, get func() (bool, error)) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		done, err := get()
		if err != nil {
			b.Fatalf("%s: %v", what, err)
		}
		if done {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatalf("%s: not done within 10 minutes", what)
}

// endpointActive creates an endpoint and polls it until ACTIVE, as a client
// (the Terraform provider, a user's loop) would.
func endpointActive(b *testing.B, client *admin.APIClient, g string) string {
	ctx := context.Background()
	ear := client.EncryptionAtRestUsingCustomerKeyManagementApi
	region := "US_CENTRAL"
	e, _, err := ear.CreateEncryptionAtRestPrivateEndpoint(ctx, g, "AZURE", &admin.EARPrivateEndpoint{RegionName: &region}).Execute()
	if err != nil {
		b.Fatal(err)
	}
	poll(b, "endpoint ACTIVE", func() (bool, error) {
		got, _, err := ear.GetEncryptionAtRestPrivateEndpoint(ctx, g, "AZURE", e.GetId()).Execute()
		return got.GetStatus() == sim.StatusActive, err
	})
	return e.GetId()
}

func enableSDK(b *testing.B, client *admin.APIClient, g string) {
	p := sim.Presets["example"]
	on := true
	_, _, err := client.EncryptionAtRestUsingCustomerKeyManagementApi.UpdateEncryptionAtRest(context.Background(), g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{
		AzureEnvironment: &p.AzureEnvironment, ClientID: &p.ClientID, TenantID: &p.TenantID, Secret: &p.Secret,
		SubscriptionID: &p.SubscriptionID, ResourceGroupName: &p.ResourceGroupName, KeyVaultName: &p.KeyVaultName,
		KeyIdentifier: &p.KeyIdentifier, Enabled: &on, RequirePrivateNetworking: &on,
	}}).Execute()
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSDKWorkflowTimeScale60: the seed's workflow with the official SDK
// against `serve --time-scale 60 --azure-auto-approve 30s`, nothing moving
// the clock by hand: CMK on, an endpoint to ACTIVE, a CMK cluster to IDLE,
// the cluster deleted and gone, the endpoint deleted and gone, CMK off.
// Reports the wall time of one run (make bench runs it once).
func BenchmarkSDKWorkflowTimeScale60(b *testing.B) {
	for b.Loop() {
		client := startScaled(b, 60, 30*time.Second)
		ctx := context.Background()
		g := sim.DefaultProjectID
		start := time.Now()
		enableSDK(b, client, g)
		id := endpointActive(b, client, g)
		name, size, nodes, priority, azure, region, on := "bench", "M10", 3, 7, "AZURE", "US_CENTRAL", true
		if _, _, err := client.ClustersApi.CreateCluster(ctx, g, &admin.ClusterDescription20240805{
			Name: &name, ClusterType: admin.PtrString("REPLICASET"), BackupEnabled: &on, EncryptionAtRestProvider: &azure,
			ReplicationSpecs: &[]admin.ReplicationSpec20240805{{RegionConfigs: &[]admin.CloudRegionConfig20240805{{
				ProviderName: &azure, RegionName: &region, Priority: &priority,
				ElectableSpecs: &admin.HardwareSpec20240805{InstanceSize: &size, NodeCount: &nodes},
			}}}},
		}).Execute(); err != nil {
			b.Fatal(err)
		}
		poll(b, "cluster IDLE", func() (bool, error) {
			c, _, err := client.ClustersApi.GetCluster(ctx, g, name).Execute()
			return c.GetStateName() == "IDLE", err
		})
		if _, err := client.ClustersApi.DeleteCluster(ctx, g, name).Execute(); err != nil {
			b.Fatal(err)
		}
		poll(b, "cluster gone", func() (bool, error) {
			_, resp, err := client.ClustersApi.GetCluster(ctx, g, name).Execute()
			if resp != nil && resp.StatusCode == http.StatusNotFound {
				return true, nil
			}
			return false, err
		})
		ear := client.EncryptionAtRestUsingCustomerKeyManagementApi
		if _, _, err := ear.RequestEncryptionAtRestPrivateEndpointDeletion(ctx, g, "AZURE", id).Execute(); err != nil {
			b.Fatal(err)
		}
		poll(b, "endpoint gone", func() (bool, error) {
			_, resp, err := ear.GetEncryptionAtRestPrivateEndpoint(ctx, g, "AZURE", id).Execute()
			if resp != nil && resp.StatusCode == http.StatusNotFound {
				return true, nil
			}
			return false, err
		})
		off := false
		if _, _, err := ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{RequirePrivateNetworking: &off}}).Execute(); err != nil {
			b.Fatal(err)
		}
		if _, _, err := ear.UpdateEncryptionAtRest(ctx, g, &admin.EncryptionAtRest{AzureKeyVault: &admin.AzureKeyVault{Enabled: &off}}).Execute(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "wall-s/workflow")
	}
}

// BenchmarkEndpointActiveTimeScale1: how long a client waits, in real time
// at --time-scale 1 with approval the moment the connection is pending, for
// a new endpoint to reach ACTIVE: provisioning (60 s) and the approval lag
// drawn from the seed (at most 180 s, the seed's "up to three minutes").
// Minutes per run; skipped under -short.
func BenchmarkEndpointActiveTimeScale1(b *testing.B) {
	if testing.Short() {
		b.Skip("minutes of real time")
	}
	for b.Loop() {
		client := startScaled(b, 1, 0)
		enableSDK(b, client, sim.DefaultProjectID)
		start := time.Now()
		endpointActive(b, client, sim.DefaultProjectID)
		b.ReportMetric(time.Since(start).Seconds(), "wall-s/active")
	}
}
