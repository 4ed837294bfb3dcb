package policies_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/policies"
	"github.com/google/go-cmp/cmp"
)

// TestOPAServerAgrees builds the bundle as `make bundle` does, serves it with
// the pinned OPA CLI (EARSIM_OPA: its binary; `make ecosystem` builds it with
// `go tool -n opa` and sets it), and asks the server's REST API about every
// example plan: its findings must equal those `earsim check` reports (which
// decodes plans leanly, so this also shows nothing the rules read is
// dropped). Not in `make test`: the OPA CLI is a third of a fresh machine's
// build; CI runs `make ecosystem` after `make test`.
func TestOPAServerAgrees(t *testing.T) {
	opa := os.Getenv("EARSIM_OPA")
	if opa == "" {
		t.Skip("EARSIM_OPA is not set (make ecosystem sets it to the pinned OPA CLI)")
	}
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.tar.gz")
	build := exec.Command(opa, "build", "--bundle", ".", "--ignore", "*_test.rego", "--output", bundle)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("opa build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, opa, "run", "--server", "--addr", addr, "--log-level", "error", "--bundle", bundle)
	var logs bytes.Buffer
	srv.Stdout, srv.Stderr = &logs, &logs
	srv.WaitDelay = 5 * time.Second
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Wait() })
	base := "http://" + addr
	waitHealthy(t, base, &logs)

	engine, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	checker := check.New(engine)
	plans, _ := filepath.Glob("../examples/*.json")
	clean, _ := filepath.Glob("../examples/clean/*.json")
	reference, _ := filepath.Glob("../../shared/reference/terraform-plans/*.json") // real plans, the teardown among them
	if len(reference) == 0 {
		t.Fatal("no plans in ../shared/reference/terraform-plans")
	}
	clean = append(clean, reference...)
	plans = append(plans, clean...)
	if len(plans) < 15 {
		t.Fatalf("found %d example plans", len(plans))
	}
	seen := 0
	for _, p := range plans {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := checker.Files(context.Background(), []string{p}, check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range rep.Files[0].Findings {
			if f.Kind == "apply order" {
				// The second place a static reading differs: warnings about
				// steps the configuration leaves unordered need the graph,
				// which only earsim check builds (the Rego assumes
				// dependents are destroyed first).
				continue
			}
			want = append(want, fmt.Sprintf("%s %s %s %s %s", f.Rule, f.Severity, f.Kind, f.Resource, f.Message))
		}
		got := ask(t, base+"/v1/data/earsim/terraform/findings", data)
		// Where a static reading must differ: Atlas (the simulator, and so
		// earsim check) answers a request with its first refusal in
		// RULES.md's order; the Rego entry point lists every rule the
		// request breaks. Compare the first refusal per resource.
		got = firstRefusals(got, refusalOrder(t, engine))
		slices.Sort(want)
		slices.Sort(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: OPA server and earsim disagree (-earsim +server):\n%s", p, d)
		}
		seen += len(got)
	}
	if seen < 15 {
		t.Errorf("the server reported %d findings over all examples; the examples have more", seen)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitHealthy(t *testing.T, base string, logs *bytes.Buffer) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/health?bundles")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("OPA server did not become healthy:\n%s", logs.String())
}

// ask POSTs a plan as the input and returns the findings as comparable lines.
func ask(t *testing.T, url string, plan []byte) []string {
	body := append(append([]byte(`{"input":`), plan...), '}')
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("OPA server: %s\n%s", resp.Status, raw)
	}
	var out struct {
		Result struct {
			Deny, Warn []map[string]any
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range append(out.Result.Deny, out.Result.Warn...) {
		lines = append(lines, fmt.Sprintf("%v %v %v %v %v", f["rule"], f["severity"], f["kind"], f["address"], f["msg"]))
	}
	return lines
}

// refusalOrder is each rule's place in RULES.md's order (METADATA order).
func refusalOrder(t *testing.T, e *policies.Engine) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range e.Catalog() {
		out[r.ID] = r.Order
	}
	return out
}

// firstRefusals keeps, of the refusal lines ("rule severity refusal address
// msg"), the first in rule order for each address; other lines stay.
func firstRefusals(lines []string, order map[string]int) []string {
	best := map[string]string{}
	var out []string
	for _, l := range lines {
		f := strings.SplitN(l, " ", 5)
		if len(f) < 5 || f[2] != "refusal" {
			out = append(out, l)
			continue
		}
		if b, ok := best[f[3]]; !ok || order[f[0]] < order[strings.SplitN(b, " ", 2)[0]] {
			best[f[3]] = l
		}
	}
	for _, l := range best {
		out = append(out, l)
	}
	return out
}
