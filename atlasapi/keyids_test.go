package atlasapi_test

import (
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
)

// TestCreateKeyRefusesWhatAPatchRefuses: POST /_sim/v1/azure/keys judges a
// key identifier by the parser the Atlas PATCH meets (EAR-CRED-03), so a
// key the PATCH would refuse is never created: a 400 in Atlas's error shape
// that names the format, and nothing changed (issue 25).
func TestCreateKeyRefusesWhatAPatchRefuses(t *testing.T) {
	const version = "0123456789abcdef0123456789abcdef"
	bad := map[string]string{
		"NUL in the name":          "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLE\x00Key/" + version,
		"NUL in the version":       "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/0123456789abcdef\x000123456789abcde",
		"dot dot as the name":      "https://EXAMPLEKeyVault.vault.azure.net/keys/../" + version,
		"dot dot as the version":   "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/..",
		"encoded slash in name":    "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLE%2FKey/" + version,
		"encoded slash in version": "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/0123456789abcdef%2F0123456789abcd",
		"slash in the name":        "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLE/Key/" + version,
		"short version":            "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/1",
		"no version":               "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey",
		"underscore in the name":   "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLE_Key/" + version,
		"unknown vault host":       "https://EXAMPLEKeyVault.example.com/keys/EXAMPLEKey/" + version,
		"empty":                    "",
	}
	s := newServer(t, atlasapi.Options{Seed: 1})
	s.enable(false)
	for name, kid := range bad {
		t.Run(name, func(t *testing.T) {
			before := s.state()
			a := s.control("POST", "azure/keys", map[string]any{"keyIdentifier": kid, "enabled": true})
			if a.Status != 400 || a.code() != "AZURE_KEY_VAULT_KEY_IDENTIFIER_INVALID_FORMAT" {
				t.Fatalf("create %q: %d %s, want 400 AZURE_KEY_VAULT_KEY_IDENTIFIER_INVALID_FORMAT", kid, a.Status, a.Raw)
			}
			detail, _ := a.Body["detail"].(string)
			if !strings.Contains(detail, "https://{vault}.vault.azure.net/keys/{name}/{version}") || !strings.Contains(detail, "32 hexadecimal digits") {
				t.Errorf("detail does not name the format: %q", detail)
			}
			if a.Body["error"] != float64(400) || a.Body["reason"] != "Bad Request" {
				t.Errorf("not Atlas's error shape: %s", a.Raw)
			}
			if after := s.state(); after != before {
				t.Errorf("a refused key creation changed the world")
			}
			// The PATCH refuses the same identifier with the same code.
			p := s.do("PATCH", earPath, accept, map[string]any{"azureKeyVault": map[string]any{"keyIdentifier": kid}})
			if p.Status != 400 || p.code() != "AZURE_KEY_VAULT_KEY_IDENTIFIER_INVALID_FORMAT" {
				t.Errorf("PATCH %q: %d %s, want the same refusal", kid, p.Status, p.Raw)
			}
		})
	}

	// A well-formed version in the configured vault is created, and the PATCH
	// then rotates to it.
	good := "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/" + version
	if a := s.control("POST", "azure/keys", map[string]any{"keyIdentifier": good, "enabled": true}); a.Status != 200 {
		t.Fatalf("create %q: %d %s", good, a.Status, a.Raw)
	}
	if a := s.do("PATCH", earPath, accept, map[string]any{"azureKeyVault": map[string]any{"keyIdentifier": good}}); a.Status != 200 {
		t.Fatalf("rotate to %q: %d %s", good, a.Status, a.Raw)
	}
}
