//go:build !race

// The race run (make test) builds only what TestConcurrentClients needs:
// this file links a large client or the browser driver, which -race would
// compile again for nothing. It runs in the normal go test run.

package atlasapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
	"github.com/mongodb-forks/digest"
	"go.mongodb.org/atlas/mongodbatlas"
)

// The official, deprecated Atlas Go client with the digest transport that the
// official clients use, against the legacy v1.0 route: create, get (no
// secret), disable.
func TestOfficialGoClient(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	hc, err := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey).Client()
	if err != nil {
		t.Fatal(err)
	}
	client, err := mongodbatlas.New(hc, mongodbatlas.SetBaseURL(s.http.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := sim.Presets["example"]
	on := true
	created, _, err := client.EncryptionsAtRest.Create(ctx, &mongodbatlas.EncryptionAtRest{
		GroupID: group,
		AzureKeyVault: mongodbatlas.AzureKeyVault{
			Enabled: &on, ClientID: p.ClientID, AzureEnvironment: p.AzureEnvironment, SubscriptionID: p.SubscriptionID,
			ResourceGroupName: p.ResourceGroupName, KeyVaultName: p.KeyVaultName, KeyIdentifier: p.KeyIdentifier,
			Secret: p.Secret, TenantID: p.TenantID,
		},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.AzureKeyVault.Enabled == nil || !*created.AzureKeyVault.Enabled || created.AzureKeyVault.Secret != "" {
		t.Fatalf("create answered %+v", created.AzureKeyVault)
	}
	got, _, err := client.EncryptionsAtRest.Get(ctx, group)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.GroupID != group || got.AzureKeyVault.KeyVaultName != p.KeyVaultName || got.AzureKeyVault.Secret != "" {
		t.Fatalf("get answered %+v", got)
	}
	if _, err := client.EncryptionsAtRest.Delete(ctx, group); err != nil {
		t.Fatalf("disable: %v", err)
	}
	after, _, err := client.EncryptionsAtRest.Get(ctx, group)
	if err != nil || after.AzureKeyVault.Enabled == nil || *after.AzureKeyVault.Enabled {
		t.Fatalf("after disabling: %+v, %v", after, err)
	}
	// A refusal reaches the client as an Atlas error with its code.
	_, _, err = client.EncryptionsAtRest.Create(ctx, &mongodbatlas.EncryptionAtRest{GroupID: group, AzureKeyVault: mongodbatlas.AzureKeyVault{Enabled: &on, KeyIdentifier: p.KeyIdentifier}})
	if err == nil || !strings.Contains(err.Error(), "MISSING_ATTRIBUTE") {
		t.Fatalf("a partial first enablement: %v", err)
	}
}
