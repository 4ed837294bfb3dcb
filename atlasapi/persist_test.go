package atlasapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
)

// --state keeps the world across restarts: every accepted change is on disk
// before its answer, and a new server on the same file continues from it.
func TestStatePersistsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	s := newServer(t, atlasapi.Options{Seed: 1, StatePath: path})
	s.enable(true)
	id := s.endpoint("US_CENTRAL", "ACTIVE")
	before := s.state()
	again := newServer(t, atlasapi.Options{Seed: 1, StatePath: path})
	if after := again.state(); after != before {
		t.Fatalf("the restarted server holds another world")
	}
	if a := again.do("GET", endpoints+"/"+id, accept, nil); a.Status != 200 || a.Body["status"] != "ACTIVE" {
		t.Fatalf("after a restart: %d %s", a.Status, a.Raw)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left beside the state: %v", entries)
	}
}

// A corrupt state file stops the server with a clear error and stays as it was.
func TestCorruptStateIsRefusedAndKept(t *testing.T) {
	for _, content := range []string{`{"format":"earsim-state/1","state":`, `{"format":"something-else","state":{}}`, `[1,2,3]`, ``} {
		path := filepath.Join(t.TempDir(), "world.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault(), StatePath: path})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: got %v, want an error naming the file", content, err)
		}
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Errorf("%q: the file changed to %q", content, got)
		}
	}
}

// The secret sent in a PATCH appears in no answer, effect, journal or export.
func TestSecretAppearsNowhere(t *testing.T) {
	const secret = "example-key-vault-secret"
	path := filepath.Join(t.TempDir(), "world.json")
	s := newServer(t, atlasapi.Options{Seed: 1, StatePath: path})
	var seen []string
	record := func(a answer) { seen = append(seen, a.Raw) }
	s.enable(true)
	record(s.do("GET", earPath, accept, nil))
	record(s.do("PATCH", earPath, accept, map[string]any{"azureKeyVault": map[string]any{"secret": secret}}))
	record(s.do("PATCH", earPath, accept, map[string]any{"azureKeyVault": map[string]any{"secret": "wrong", "enabled": true}}))
	record(s.do("GET", "/api/atlas/v1.0/groups/"+group+"/encryptionAtRest", "application/json", nil))
	record(s.control("GET", "effects", nil))
	record(s.control("GET", "state", nil))
	file, _ := os.ReadFile(path)
	seen = append(seen, string(file))
	for i, out := range seen {
		if strings.Contains(out, secret) || strings.Contains(out, `"secret"`) {
			t.Errorf("output %d holds the secret: %s", i, out)
		}
	}
}
