package atlasapi_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

// readmeSection returns the README's "### title" section, up to the next
// heading of its level or above.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n### "+title+"\n")
	if i < 0 {
		t.Fatalf("README.md has no section %q", title)
	}
	s = s[i+1:]
	if j := regexp.MustCompile(`\n#{2,3} `).FindStringIndex(s[4:]); j != nil {
		s = s[:j[0]+4]
	}
	return s
}

// TestReadmeReplaysTheSeed runs the curl lines of the README's "Replaying
// the seed" as written, with real curl and bash, against a fresh mock with
// the development keys (only the address is changed), and holds each to
// the answer its comment names ("→ 200", and the words in capitals after
// it, such as INITIATING): issue 25's "runs as written".
func TestReadmeReplaysTheSeed(t *testing.T) {
	for _, tool := range []string{"curl", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	section := readmeSection(t, "Replaying the seed")
	m := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal(`"Replaying the seed" has no sh block`)
	}
	block := m[1]
	if !strings.Contains(block, "--digest --user earsimdv:"+atlasapi.DevKey.PrivateKey) {
		t.Fatal("the curl lines do not use the development key as API.md gives it")
	}

	// Each comment line starts a step; curl reports each answer's status
	// through a config file, so the lines run exactly as written.
	var script strings.Builder
	var comments []string
	for _, line := range strings.SplitAfter(block, "\n") {
		if c, ok := strings.CutPrefix(line, "# "); ok {
			comments = append(comments, strings.TrimSpace(c))
			script.WriteString("printf '\\n@@step " + strconv.Itoa(len(comments)-1) + "\\n'\n")
			continue
		}
		script.WriteString(line)
	}
	s := newServer(t, atlasapi.Options{Seed: 1})
	text := strings.ReplaceAll(script.String(), "http://127.0.0.1:8080", s.http.URL)
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".curlrc"), []byte("write-out = \"\\n@@status %{http_code}\\n\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", text)
	cmd.Env = append(os.Environ(), "CURL_HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the block failed: %v\n%s", err, out)
	}

	steps := regexp.MustCompile(`(?m)^@@step (\d+)$`).Split(string(out), -1)[1:]
	if len(steps) != len(comments) {
		t.Fatalf("%d steps ran, the block has %d:\n%s", len(steps), len(comments), out)
	}
	want := regexp.MustCompile(`→ (\d{3})(.*)`)
	capitals := regexp.MustCompile(`\b[A-Z][A-Z_]{5,}\b`)
	status := regexp.MustCompile(`(?m)^@@status (\d{3})$`)
	checked := 0
	for i, c := range comments {
		w := want.FindStringSubmatch(c)
		if w == nil {
			continue
		}
		checked++
		got := status.FindAllStringSubmatch(steps[i], -1)
		if len(got) == 0 || got[len(got)-1][1] != w[1] {
			t.Errorf("%q: want %s, got:\n%s", c, w[1], steps[i])
			continue
		}
		for _, word := range capitals.FindAllString(w[2], -1) {
			if !strings.Contains(steps[i], word) {
				t.Errorf("%q: the answer does not say %s:\n%s", c, word, steps[i])
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d steps name their answer", checked)
	}
	// The seed's empty secret is refused with the development world's
	// hint: the app registrations and where their secrets are, no secret.
	first := steps[0]
	for _, p := range sim.Presets {
		if !strings.Contains(first, p.ClientID) {
			t.Errorf("the INVALID_AZURE_CREDENTIALS detail does not name app registration %s:\n%s", p.ClientID, first)
		}
		if strings.Contains(first, p.Secret) {
			t.Errorf("the answer holds a secret:\n%s", first)
		}
	}
	if !strings.Contains(first, `Replaying the seed`) {
		t.Errorf("the detail does not say where the development secrets are:\n%s", first)
	}
}

// TestDevHintOnlyOnTheDevelopmentWorld: a serve with a keys file answers
// INVALID_AZURE_CREDENTIALS as Atlas does, naming no app registration.
func TestDevHintOnlyOnTheDevelopmentWorld(t *testing.T) {
	owner := atlasapi.Key{PublicKey: "ownerkey", PrivateKey: "3f1c0f6e-8d2a-4b7e-9c41-2a5d8e7f6b10", Roles: []string{"ORG_OWNER"}}
	p := sim.Presets["example"]
	body := map[string]any{"azureKeyVault": map[string]any{
		"azureEnvironment": p.AzureEnvironment, "clientID": p.ClientID, "tenantID": p.TenantID, "secret": "wrong",
		"subscriptionID": p.SubscriptionID, "resourceGroupName": p.ResourceGroupName, "keyVaultName": p.KeyVaultName,
		"keyIdentifier": p.KeyIdentifier, "enabled": true,
	}}
	for _, tc := range []struct {
		name string
		opt  atlasapi.Options
		hint bool
	}{
		{"development keys", atlasapi.Options{Seed: 1}, true},
		{"a keys file", atlasapi.Options{Seed: 1, Keys: []atlasapi.Key{owner}}, false},
	} {
		s := newServer(t, tc.opt)
		a := s.do("PATCH", earPath, accept, body)
		if a.Status != 400 || a.code() != "INVALID_AZURE_CREDENTIALS" {
			t.Fatalf("%s: %d %s", tc.name, a.Status, a.Raw)
		}
		detail, _ := a.Body["detail"].(string)
		if got := strings.Contains(detail, "This development world holds the app registrations clientID "+sim.Presets["test-tf-export"].ClientID); got != tc.hint {
			t.Errorf("%s: hint %v, want %v: %q", tc.name, got, tc.hint, detail)
		}
		if strings.Contains(a.Raw, "wrong") || strings.Contains(a.Raw, p.Secret) || strings.Contains(a.Raw, sim.Presets["test-tf-export"].Secret) {
			t.Errorf("%s: the answer holds a secret: %s", tc.name, a.Raw)
		}
	}
}
