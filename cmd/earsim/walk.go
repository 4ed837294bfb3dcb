package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/earsim/earsim/conformance"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
)

// demoWalk is the demo's opening: the seed's procedure, step by step, over
// HTTP against the embedded mock: CMK and private networking on, an
// endpoint through its lifecycle, and a refusal with its rule ID, errorCode
// and the sentence of the seed it comes from. It reports whether every step
// answered as the rules say.
func demoWalk(ctx context.Context, w io.Writer, d *conformance.HTTPDriver, engine *policies.Engine) bool {
	if err := d.Reset(ctx); err != nil {
		fmt.Fprintf(w, "the walk could not start: %v\n", err)
		return false
	}
	p := sim.Presets["example"]
	on := true
	secret := sim.Secret(p.Secret)
	g := sim.DefaultProjectID
	field := func(r conformance.Response, k string) string {
		m, _ := r.Body.(map[string]any)
		s, _ := m[k].(string)
		return s
	}
	ok := true
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(what string, r conformance.Response, err error, want int, note string) {
		switch {
		case err != nil:
			note, ok = err.Error(), false
		case r.Status != want:
			note, ok = fmt.Sprintf("%s (want %d)", note, want), false
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", what, r.Status, note)
	}
	fmt.Fprintln(w, "The seed's procedure, over HTTP with digest auth against the embedded mock:")
	r, err := d.Do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, GroupID: g, AzureKeyVault: &sim.AzureKeyVaultPatch{
		AzureEnvironment: &p.AzureEnvironment, ClientID: &p.ClientID, TenantID: &p.TenantID, Secret: &secret,
		SubscriptionID: &p.SubscriptionID, ResourceGroupName: &p.ResourceGroupName, KeyVaultName: &p.KeyVaultName,
		KeyIdentifier: &p.KeyIdentifier, Enabled: &on, RequirePrivateNetworking: &on}})
	row("PATCH encryptionAtRest: CMK on, private networking", r, err, 200, "vault "+p.KeyVaultName)
	r, err = d.Do(ctx, sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: g, CloudProvider: "AZURE", RegionName: "US_CENTRAL"})
	id := field(r, "id")
	row("POST privateEndpoints, region US_CENTRAL", r, err, 202, field(r, "status"))
	d.Advance(ctx, sim.ProvisioningSeconds)
	r, err = d.Do(ctx, sim.Command{Op: sim.GetPrivateEndpoint, GroupID: g, CloudProvider: "AZURE", EndpointID: id})
	row("GET it 60 s later (EAR-PE-02)", r, err, 200, field(r, "status")+", connection "+field(r, "privateEndpointConnectionName"))
	d.Do(ctx, sim.Command{Op: sim.ApproveConnection, GroupID: g, EndpointID: id})
	d.Advance(ctx, sim.MaxApprovalLag)
	r, err = d.Do(ctx, sim.Command{Op: sim.GetPrivateEndpoint, GroupID: g, CloudProvider: "AZURE", EndpointID: id})
	row("Azure approves; GET within 180 s (EAR-PE-03)", r, err, 200, field(r, "status"))
	other := "OtherVault"
	r, err = d.Do(ctx, sim.Command{Op: sim.UpdateEncryptionConfig, GroupID: g, AzureKeyVault: &sim.AzureKeyVaultPatch{KeyVaultName: &other}})
	row("PATCH keyVaultName while the endpoint exists", r, err, 400, r.ErrorCode)
	tw.Flush()
	for _, rule := range engine.Catalog() {
		if rule.ID == "EAR-IMM-01" && r.ErrorCode == rule.ErrorCode {
			fmt.Fprintf(w, "  refused by %s, %s: %q\n", rule.ID, rule.Title, strings.TrimSpace(rule.Source))
		}
	}
	fmt.Fprintln(w)
	return ok
}
