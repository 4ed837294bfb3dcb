package atlasapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/sim"
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
	changes, err := os.ReadFile(path + ".changes")
	if err != nil || !strings.Contains(string(changes), "secretDigest") {
		t.Fatalf("the change log holds no change of the configuration: %v", err)
	}
	seen = append(seen, string(file), string(changes))
	for i, out := range seen {
		if strings.Contains(out, secret) || strings.Contains(out, `"secret"`) {
			t.Errorf("output %d holds the secret: %s", i, out)
		}
	}
}

// syncBuffer is a log the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// A change that cannot be saved is not made (API.md: a request that fails
// never changes state): the answer is 500, the world, the effects and the
// clock stay as they were, the log says why, and the same request succeeds
// once the state can be written again (issue 13).
func TestFailedWritesChangeNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "world.json")
	var log syncBuffer
	s := newServer(t, atlasapi.Options{Seed: 1, StatePath: path, Log: &log})
	s.enable(true)
	if err := os.RemoveAll(dir); err != nil { // the disk is gone from under the server
		t.Fatal(err)
	}
	key := map[string]any{"keyIdentifier": "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/00000000000000000000000000000009", "enabled": true}
	before := s.state()
	effects := len(s.effects())
	for _, tc := range []struct {
		name string
		send func() answer
	}{
		{"an Atlas write", func() answer { return s.do("POST", endpoints, accept, map[string]any{"regionName": "US_EAST_2"}) }},
		{"a key created on the Azure side", func() answer { return s.control("POST", "azure/keys", key) }},
		{"a clock advance", func() answer { return s.control("POST", "clock/advance", map[string]any{"seconds": 600}) }},
		{"a reset", func() answer { return s.control("POST", "reset", map[string]any{"seed": 9}) }},
	} {
		if a := tc.send(); a.Status != 500 || a.code() != "STATE_NOT_SAVED" {
			t.Errorf("%s with the state unwritable: %d %s, want 500 STATE_NOT_SAVED", tc.name, a.Status, a.Raw)
		}
		if after := s.state(); after != before {
			t.Errorf("%s: the world changed although it was not saved", tc.name)
		}
		if n := len(s.effects()); n != effects {
			t.Errorf("%s: %d effects journalled for a change not made", tc.name, n-effects)
		}
	}
	if !strings.Contains(log.String(), "could not be written") || !strings.Contains(log.String(), path) {
		t.Fatalf("the log does not say why: %q", log.String())
	}
	if !strings.Contains(log.String(), "creating a file in "+dir+": no such file or directory") || strings.Contains(log.String(), ".world.json.") {
		t.Errorf("the log should name the state file's folder and the cause, not a temporary file: %q", log.String())
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if a := s.control("POST", "azure/keys", key); a.Status != 200 {
		t.Fatalf("the same key once the state can be written: %d %s (a failed write must not have kept it)", a.Status, a.Raw)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the state file was not written: %v", err)
	}
}

// Temporary files a killed write left beside the state file are removed
// when the server starts on it (issue 13).
func TestStaleTempFilesRemovedOnStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "world.json")
	stale := filepath.Join(dir, ".world.json.123456")
	other := filepath.Join(dir, "notes.txt")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	newServer(t, atlasapi.Options{Seed: 1, StatePath: path})
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("the stale temporary file is still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("another file was removed: %v", err)
	}
}

// serve --state and PUT /_sim/v1/state take the same worlds (issue 13): a
// world with two endpoints of one id, a project of another organization or
// a null project is refused by both and changes nothing.
func TestStateImportAndLoadAgree(t *testing.T) {
	s := newServer(t, atlasapi.Options{Seed: 1})
	s.enable(true)
	s.endpoint("US_CENTRAL", "ACTIVE")
	s.endpoint("US_EAST_2", "ACTIVE")
	good := s.state()
	var doc map[string]any
	if err := json.Unmarshal([]byte(good), &doc); err != nil {
		t.Fatal(err)
	}
	project := func(d map[string]any) map[string]any {
		return d["state"].(map[string]any)["projects"].([]any)[0].(map[string]any)
	}
	clone := func() map[string]any {
		var d map[string]any
		json.Unmarshal([]byte(good), &d)
		return d
	}
	dupEndpoint := clone()
	eps := project(dupEndpoint)["endpoints"].([]any)
	eps[1].(map[string]any)["id"] = eps[0].(map[string]any)["id"]
	otherOrg := clone()
	project(otherOrg)["orgId"] = "0000000000000000000000ff"
	noOrg := clone()
	noOrg["state"].(map[string]any)["org"] = map[string]any{"id": "", "name": ""}
	nullProject := clone()
	nullProject["state"].(map[string]any)["projects"] = append(nullProject["state"].(map[string]any)["projects"].([]any), nil)
	for name, bad := range map[string]map[string]any{"two endpoints with one id": dupEndpoint, "a project of another organization": otherOrg, "no organization": noOrg,
		"a null project": nullProject} {
		body, _ := json.Marshal(bad)
		if a := s.control("PUT", "state", string(body)); a.Status != 400 || a.code() != "INVALID_STATE" {
			t.Errorf("PUT %s: %d %s", name, a.Status, a.Raw)
		}
		if s.state() != good {
			t.Errorf("PUT %s changed the world", name)
		}
		path := filepath.Join(t.TempDir(), "world.json")
		os.WriteFile(path, body, 0o600)
		if _, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault(), StatePath: path}); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("serve --state with %s: %v, want an error naming the file", name, err)
		}
	}
	if a := s.control("PUT", "state", good); a.Status != 200 {
		t.Fatalf("PUT of the exported world: %d %s", a.Status, a.Raw)
	}
}

// Secrets are kept as HMAC digests keyed per world (issue 13): two mocks of
// one seed keep the same secret under different digests, none of them the
// secret's plain SHA-256; a world exported and imported keeps its key, so
// the secret it holds still matches; a state saved before worlds had a key
// keeps working with its plain digests.
func TestSecretDigestsAreKeyedPerWorld(t *testing.T) {
	secret := sim.Presets["example"].Secret
	plain := sha256.Sum256([]byte(secret))
	digestOf := func(s *testServer) (string, string) {
		var file struct {
			State struct {
				SecretKey string `json:"secretKey"`
				Projects  []struct {
					Encryption struct {
						SecretDigest string `json:"secretDigest"`
					} `json:"encryption"`
				} `json:"projects"`
			} `json:"state"`
		}
		if err := json.Unmarshal([]byte(s.state()), &file); err != nil || len(file.State.Projects) == 0 {
			t.Fatalf("the export: %v %s", err, s.state())
		}
		return file.State.SecretKey, file.State.Projects[0].Encryption.SecretDigest
	}
	a, b := newServer(t, atlasapi.Options{Seed: 1}), newServer(t, atlasapi.Options{Seed: 1})
	a.enable(false)
	b.enable(false)
	keyA, dA := digestOf(a)
	keyB, dB := digestOf(b)
	if len(keyA) != 64 || keyA == keyB || dA == dB || !strings.HasPrefix(dA, "hmac-sha256:") {
		t.Fatalf("keys %q %q, digests %q %q: want a random 32-byte key per world and digests that differ", keyA, keyB, dA, dB)
	}
	for _, out := range []string{a.state(), b.state()} {
		if strings.Contains(out, hex.EncodeToString(plain[:])) || strings.Contains(out, secret) {
			t.Fatalf("the state holds the secret or its plain SHA-256: %s", out)
		}
	}
	wrong := map[string]any{"azureKeyVault": map[string]any{"secret": "not-the-secret"}}
	right := map[string]any{"azureKeyVault": map[string]any{"secret": secret}}
	// Imported into another server, the world keeps its key: the right
	// secret is still the right one (EAR-CRED-02 refuses only a wrong one).
	if r := b.control("PUT", "state", a.state()); r.Status != 200 {
		t.Fatalf("import: %d %s", r.Status, r.Raw)
	}
	if k, d := digestOf(b); k != keyA || d != dA {
		t.Fatalf("after import: key %q digest %q, want %q %q", k, d, keyA, dA)
	}
	if r := b.do("PATCH", earPath, accept, right); r.Status != 200 {
		t.Fatalf("the right secret after import: %d %s", r.Status, r.Raw)
	}
	if r := b.do("PATCH", earPath, accept, wrong); r.Status != 400 {
		t.Fatalf("a wrong secret after import: %d %s", r.Status, r.Raw)
	}
	// A state from before worlds had keys: plain digests, still matched.
	var file map[string]any
	json.Unmarshal([]byte(a.state()), &file)
	old := file["state"].(map[string]any)
	delete(old, "secretKey")
	old["projects"].([]any)[0].(map[string]any)["encryption"].(map[string]any)["secretDigest"] = "sha256:" + hex.EncodeToString(plain[:])
	for _, app := range old["azure"].(map[string]any)["apps"].([]any) {
		app := app.(map[string]any)
		if app["clientID"] == sim.Presets["example"].ClientID {
			app["secretDigest"] = "sha256:" + hex.EncodeToString(plain[:])
		}
	}
	if r := b.control("PUT", "state", file); r.Status != 200 {
		t.Fatalf("import of a keyless state: %d %s", r.Status, r.Raw)
	}
	if r := b.do("PATCH", earPath, accept, right); r.Status != 200 {
		t.Fatalf("the right secret in a keyless state: %d %s", r.Status, r.Raw)
	}
	if r := b.do("PATCH", earPath, accept, wrong); r.Status != 400 {
		t.Fatalf("a wrong secret in a keyless state: %d %s", r.Status, r.Raw)
	}
}

// --state keeps a change as a line of the log beside the state file
// (FILE.changes), not the world whole: the file stays as written until the
// log grows past its size and is folded into it; a restart reads both and
// folds them. Every world in between reads back as it was.
func TestChangeLogKeepsEveryChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	s := newServer(t, atlasapi.Options{Seed: 1, StatePath: path})
	first, _ := os.ReadFile(path)
	s.enable(true)
	id := s.endpoint("US_CENTRAL", "ACTIVE")
	s.control("POST", "clock/advance", map[string]any{"seconds": 30})
	if file, _ := os.ReadFile(path); string(file) != string(first) {
		t.Fatal("the state file was rewritten for a change the log could hold")
	}
	lines := strings.Count(readOr(path+".changes"), "\n")
	if lines < 4 {
		t.Fatalf("%d lines in the change log", lines)
	}
	before := s.state()
	again := newServer(t, atlasapi.Options{Seed: 1, StatePath: path})
	if again.state() != before {
		t.Fatal("the restarted server holds another world")
	}
	if _, err := os.Stat(path + ".changes"); !os.IsNotExist(err) {
		t.Fatalf("the restart did not fold the log into the file: %v", err)
	}
	if a := again.do("GET", endpoints+"/"+id, accept, nil); a.Body["status"] != "ACTIVE" {
		t.Fatalf("after a restart: %d %s", a.Status, a.Raw)
	}

	// Folded when it outgrows the file: the file then holds the world.
	defer atlasapi.FoldAfter(0)()
	restarted, folded := readOr(path), false
	for i := 0; i < 1000 && !folded; i++ {
		if a := again.control("POST", "clock/advance", map[string]any{"seconds": 1}); a.Status != 200 {
			t.Fatalf("advance %d: %d %s", i, a.Status, a.Raw)
		}
		if log := readOr(path + ".changes"); len(log) > len(readOr(path)) {
			t.Fatalf("advance %d: the log (%d bytes) outgrew the file (%d) and was not folded", i, len(log), len(readOr(path)))
		}
		folded = readOr(path) != restarted
	}
	if !folded {
		t.Fatal("1,000 changes and the log was never folded into the file")
	}
	want := again.state()
	third := newServer(t, atlasapi.Options{Seed: 1, StatePath: path})
	if third.state() != want {
		t.Fatal("the world after the folds reads back as another")
	}
}

func readOr(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// The change log as a crash or a hand may leave it: a last line cut short
// is a write never answered and is left out; a line older than the state
// file is skipped; a line that is not a change, or a missing change, stops
// the server with the file and the line named, and nothing is changed.
func TestChangeLogAsACrashLeavesIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "world.json")
	s := newServer(t, atlasapi.Options{Seed: 1, StatePath: path})
	s.enable(true)
	s.control("POST", "clock/advance", map[string]any{"seconds": 5})
	want := s.state()
	state, log := readOr(path), readOr(path+".changes")
	reset := func(stateFile, changes string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(stateFile), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".changes", []byte(changes), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	reset(state, log+`{"seq":99,"change":{"now":`) // cut short
	if got := newServer(t, atlasapi.Options{Seed: 1, StatePath: path}); got.state() != want {
		t.Error("a line cut short changed the world")
	}
	reset(state, log) // the log already folded into a newer file: every line skipped
	atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault(), StatePath: path})
	if err := os.WriteFile(path+".changes", []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := newServer(t, atlasapi.Options{Seed: 1, StatePath: path}); got.state() != want {
		t.Error("lines the state file holds were applied again")
	}
	lines := strings.SplitAfter(log, "\n") // each with its newline, then ""
	for _, tc := range []struct{ name, changes, says string }{
		{"not a change", log + "{\"seq\": \"x\"}\n", "line " + itoa(len(lines)) + ": not an earsim change"},
		{"a change missing", strings.Join(lines[1:], ""), "line 1: change 3 follows change 1"},
	} {
		reset(state, tc.changes)
		_, err := atlasapi.New(atlasapi.Options{Seed: 1, Checker: policies.MustDefault(), StatePath: path})
		if err == nil || !strings.Contains(err.Error(), path+".changes "+tc.says) {
			t.Errorf("%s: %v, want an error naming %s.changes %s", tc.name, err, path, tc.says)
		}
		if readOr(path) != state || readOr(path+".changes") != tc.changes {
			t.Errorf("%s: the files were changed", tc.name)
		}
	}
}
