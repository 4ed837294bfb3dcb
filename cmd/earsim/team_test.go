package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/mongodb-forks/digest"
)

const teamPolicy = "../../examples/team-policy/policy"

// earsim serve --policy: the local Atlas refuses what the team's deny rules
// deny, with the rule's errorCode and status from its METADATA and its id in
// the detail and parameters; what the team allows is answered as before.
func TestServeRefusesWhatTheTeamDenies(t *testing.T) {
	url, stop := serveInTest(t, "--policy", teamPolicy)
	c, _ := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey).Client()
	send := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, url+"/api/atlas/v2/groups/66c9e8f1dd6c9960802420e9/encryptionAtRest"+path, strings.NewReader(body))
		req.Header.Set("Accept", "application/vnd.atlas.2024-05-30+json")
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, doc
	}
	refused := func(status int, doc map[string]any, wantStatus int, code, id string) {
		t.Helper()
		if status != wantStatus || doc["errorCode"] != code {
			t.Fatalf("%d %v, want %d %s", status, doc, wantStatus, code)
		}
		if d, _ := doc["detail"].(string); !strings.HasPrefix(d, id+": ") {
			t.Errorf("detail %q does not name the team's rule %s", d, id)
		}
		if p, _ := doc["parameters"].([]any); len(p) != 1 || p[0] != id {
			t.Errorf("parameters %v, want [%s]", doc["parameters"], id)
		}
	}
	// The fresh world's first vault is in subscription 009774e0-..., not the team's (API.md).
	status, doc := send("PATCH", "", `{"azureKeyVault": {"enabled": true, "azureEnvironment": "AZURE",
		"clientID": "b054a9ff-b60a-4cb6-8df6-20726eaefce6", "tenantID": "1f6ef922-9303-402a-bae2-cc68810b023c",
		"secret": "seed-example-secret", "subscriptionID": "009774e0-124f-4a69-83e0-ca8cd8acb4e2",
		"resourceGroupName": "test-tf-export", "keyVaultName": "test-tf-export",
		"keyIdentifier": "https://test-tf-export.vault.azure.net/keys/test/78b9134f9bc94fda8027a32b4715bf3f",
		"requirePrivateNetworking": true}}`)
	refused(status, doc, 403, "ACME_KEY_VAULT_SUBSCRIPTION_NOT_ALLOWED", "ACME-KEY-01")
	// The second is in a39012fb-..., one of the team's.
	status, doc = send("PATCH", "", `{"azureKeyVault": {"enabled": true, "azureEnvironment": "AZURE",
		"clientID": "632ff709-32a8-48a3-8224-30d2386fadaf", "tenantID": "ee46317d-36a3-4472-a3dd-6549e901da0b",
		"secret": "example-key-vault-secret", "subscriptionID": "a39012fb-d604-4cd1-8841-77f705f3e6d5",
		"resourceGroupName": "example-rg", "keyVaultName": "EXAMPLEKeyVault",
		"keyIdentifier": "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86",
		"requirePrivateNetworking": true}}`)
	if status != 200 {
		t.Fatalf("PATCH with the team's subscription: %d %v", status, doc)
	}
	status, doc = send("POST", "/AZURE/privateEndpoints", `{"regionName": "BRAZIL_SOUTH"}`)
	refused(status, doc, 400, "ACME_REGION_NOT_ALLOWED", "ACME-REGION-01")
	if d, _ := doc["detail"].(string); !strings.Contains(d, "BRAZIL_SOUTH") {
		t.Errorf("detail %q does not name the region", d)
	}
	if status, doc := send("POST", "/AZURE/privateEndpoints", `{"regionName": "US_EAST_2"}`); status != 202 {
		t.Errorf("endpoint in an allowed region: %d %v", status, doc)
	}
	if code, out := stop(); code != exitInterrupted || strings.Contains(out, "example-key-vault-secret") {
		t.Fatalf("serve exited %d: %s", code, out)
	}
}

// Without --policy the same request is not the team's business.
func TestServeWithoutPolicyKnowsNoTeamRules(t *testing.T) {
	url, stop := serveInTest(t)
	c, _ := digest.NewTransport(atlasapi.DevKey.PublicKey, atlasapi.DevKey.PrivateKey).Client()
	req, _ := http.NewRequest("POST", url+"/api/atlas/v2/groups/66c9e8f1dd6c9960802420e9/encryptionAtRest/AZURE/privateEndpoints",
		strings.NewReader(`{"regionName": "BRAZIL_SOUTH"}`))
	req.Header.Set("Accept", "application/vnd.atlas.2024-05-30+json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if strings.Contains(body.String(), "ACME") {
		t.Fatalf("%d %s", resp.StatusCode, body.String())
	}
	stop()
}

// A team directory that does not compile stops serve before it listens,
// naming file and line.
func TestServeBadPolicy(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/bad.rego", "package earsim.team.bad\n\ndeny contains msg if {\n\tmsg := input.nope +\n}\n")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--policy", dir}, nil, &out, &errb)
	if code != exitCannot || !strings.Contains(errb.String(), dir+"/bad.rego:") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
