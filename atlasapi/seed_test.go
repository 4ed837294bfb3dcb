package atlasapi_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/earsim/earsim/atlasapi"
	"github.com/earsim/earsim/sim"
)

// seedExample is one curl example of the seed document.
type seedExample struct {
	method, url string
	headers     []string
	data        string
	hasData     bool
}

var (
	curlLine   = regexp.MustCompile(`curl --user "\{PUBLIC-KEY\}:\{PRIVATE-KEY\}" --digest.*`)
	headerArg  = regexp.MustCompile(`--header "([^"]*)"`)
	requestArg = regexp.MustCompile(`--request (\w+) "([^"]*)"`)
	dataArg    = regexp.MustCompile(`--data '([^']*)'`)
)

// seedExamples extracts the curl examples from the seed document, in order.
func seedExamples(t *testing.T) []seedExample {
	t.Helper()
	text, err := os.ReadFile("../../shared/seed/000_aad14fa06138606c.txt")
	if err != nil {
		t.Fatalf("the seed document is read from ../shared beside the checkout: %v", err)
	}
	var out []seedExample
	for _, line := range curlLine.FindAllString(string(text), -1) {
		ex := seedExample{}
		req := requestArg.FindStringSubmatch(line)
		if req == nil {
			t.Fatalf("a curl example without --request: %q", line)
		}
		ex.method, ex.url = req[1], req[2]
		for _, h := range headerArg.FindAllStringSubmatch(line, -1) {
			ex.headers = append(ex.headers, h[1])
		}
		if d := dataArg.FindStringSubmatch(line); d != nil {
			ex.data, ex.hasData = d[1], true
		}
		out = append(out, ex)
	}
	return out
}

// The seed's curl examples, run in the seed's order with the system curl
// against the mock: host and keys swapped, placeholders filled as API.md
// says, approval and time driven through the control routes.
func TestSeedCurlExamples(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("curl is needed (.ci/run installs it): ", err)
	}
	examples := seedExamples(t)
	var methods []string
	for _, ex := range examples {
		methods = append(methods, ex.method)
	}
	want := "PATCH GET PATCH POST GET POST GET DELETE GET"
	if got := strings.Join(methods, " "); got != want {
		t.Fatalf("the seed's examples are %s, want %s", got, want)
	}
	s := newServer(t, atlasapi.Options{Seed: 1})
	dir := t.TempDir()
	first := ""
	posts := 0
	for i, ex := range examples {
		url := strings.Replace(ex.url, "https://cloud.mongodb.com", s.http.URL, 1)
		url = strings.ReplaceAll(url, "{groupId}", group)
		url = strings.ReplaceAll(url, "{endpointId}", first)
		data := ex.data
		data = strings.Replace(data, `"secret": ""`, `"secret": "seed-example-secret"`, 1)
		if strings.Contains(data, "EXAMPLEKeyVault") {
			data = strings.Replace(data, `"keyVaultName": "string"`, `"keyVaultName": "EXAMPLEKeyVault"`, 1)
			data = strings.Replace(data, `"resourceGroupName": "string"`, `"resourceGroupName": "example-rg"`, 1)
			data = strings.Replace(data, `"secret": "string"`, `"secret": "example-key-vault-secret"`, 1)
		}
		if ex.method == "POST" {
			posts++
			if posts == 2 { // the seed repeats US_CENTRAL; a region holds one live endpoint (EAR-PE-07)
				data = strings.Replace(data, "US_CENTRAL", "US_EAST_2", 1)
			}
		}
		out := filepath.Join(dir, "body.json")
		args := []string{"-sS", "--digest", "--user", atlasapi.DevKey.PublicKey + ":" + atlasapi.DevKey.PrivateKey, "-o", out, "-w", "%{http_code}"}
		for _, h := range ex.headers {
			args = append(args, "--header", h)
		}
		args = append(args, "--request", ex.method, url)
		if ex.hasData {
			args = append(args, "--data", data)
		}
		code, err := exec.Command(curl, args...).Output()
		if err != nil {
			t.Fatalf("example %d (%s %s): curl: %v", i+1, ex.method, ex.url, err)
		}
		body, _ := os.ReadFile(out)
		wantStatus := map[string]string{"GET": "200", "PATCH": "200", "POST": "202", "DELETE": "204"}[ex.method]
		if string(code) != wantStatus {
			t.Fatalf("example %d (%s %s): status %s, want %s: %s", i+1, ex.method, ex.url, code, wantStatus, body)
		}
		if ex.method == "POST" {
			id := between(string(body), `"id":"`, `"`)
			switch posts {
			case 1: // provision, approve in Azure, and wait out the lag
				first = id
				s.control("POST", "clock/advance", map[string]any{"seconds": sim.ProvisioningSeconds})
				if a := s.control("POST", "groups/"+group+"/privateEndpoints/"+id+"/approve", nil); a.Status != 200 {
					t.Fatalf("approve: %d %s", a.Status, a.Raw)
				}
				s.control("POST", "clock/advance", map[string]any{"seconds": sim.MaxApprovalLag})
			case 2:
				s.control("POST", "clock/advance", map[string]any{"seconds": sim.ProvisioningSeconds})
			}
		}
	}
	list := s.do("GET", endpoints, accept, nil)
	statuses := map[string]string{}
	for _, r := range list.Body["results"].([]any) {
		e := r.(map[string]any)
		statuses[e["regionName"].(string)] = e["status"].(string)
	}
	if statuses["US_CENTRAL"] != sim.StatusDeleting || statuses["US_EAST_2"] != sim.StatusPendingAcceptance {
		t.Fatalf("after the seed's examples: %v", statuses)
	}
}
