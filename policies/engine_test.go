package policies_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/earsim/earsim/policies"
	"github.com/earsim/earsim/scenarios"
	"github.com/earsim/earsim/sim"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Go does not repeat the rules: every request that a bundled scenario shows
// refused by a rule is accepted by the same machine state with an allow-all
// hook in place of the policies.
func TestAllowAllAcceptsWhatTheRulesRefuse(t *testing.T) {
	all, err := scenarios.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	engine := policies.MustDefault()
	refused := map[string]int{}
	for _, s := range all {
		r, err := scenarios.Start(s, engine, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; !r.Done(); i++ {
			before := r.Machine.State().Clone()
			cmd := r.Command()
			res, _ := r.Step()
			if res.Err == nil || res.Err.Rule == "" {
				continue
			}
			refused[res.Err.Rule]++
			free, err := sim.NewMachine(before, sim.AllowAll{})
			if err != nil {
				t.Fatal(err)
			}
			if got := free.Step(cmd); got.Err != nil {
				t.Errorf("%s step %d: the policies refuse it by %s; with allow-all it fails too: %v", s.File, i+1, res.Err.Rule, got.Err)
			}
		}
	}
	total := 0
	for _, n := range refused {
		total += n
	}
	t.Logf("%d refusals by %d rules replayed with allow-all", total, len(refused))
	// The refusals above cover every rule that refuses requests.
	for _, r := range engine.Catalog() {
		if r.Severity == "error" && refused[r.ID] == 0 {
			t.Errorf("no bundled scenario shows %s refusing a request", r.ID)
		}
	}
}

// Nondeterministic builtins fail at compile time under the allow-list.
func TestCapabilitiesRejectNondeterminism(t *testing.T) {
	for _, call := range []string{"time.now_ns()", "rand.intn(\"x\", 10)", "uuid.rfc4122(\"x\")", `http.send({"method": "get", "url": "http://localhost"})`, "opa.runtime()"} {
		t.Run(call, func(t *testing.T) {
			src := "package probe\n\nx := " + call + "\n"
			m, err := ast.ParseModuleWithOpts("probe.rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := policies.Compile(map[string]*ast.Module{"probe.rego": m}); err == nil {
				t.Fatalf("%s compiled under the capabilities allow-list", call)
			}
		})
	}
	m, _ := ast.ParseModuleWithOpts("ok.rego", "package probe\n\nx := sort([2, 1])\n", ast.ParserOptions{RegoVersion: ast.RegoV1})
	if _, err := policies.Compile(map[string]*ast.Module{"ok.rego": m}); err != nil {
		t.Fatalf("a deterministic builtin was refused: %v", err)
	}
}

// rulesRows reads RULES.md's rule table rows: ID to the error codes in its
// HTTP column, and every ID the page names.
func rulesRows(t *testing.T) (map[string][]string, []string) {
	t.Helper()
	data, err := os.ReadFile("../../shared/spec/RULES.md")
	if err != nil {
		t.Fatalf("RULES.md is read from ../shared beside the checkout: %v", err)
	}
	idRe := regexp.MustCompile(`EAR-[A-Z]+-\d\d`)
	codeRe := regexp.MustCompile("`([A-Z_]+)`")
	rows := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "EAR-") {
			continue
		}
		id := strings.TrimSpace(cells[1])
		for _, m := range codeRe.FindAllStringSubmatch(cells[len(cells)-2], -1) {
			rows[id] = append(rows[id], m[1])
		}
	}
	ids := idRe.FindAllString(string(data), -1)
	slices.Sort(ids)
	return rows, slices.Compact(ids)
}

func TestCatalogMatchesRULES(t *testing.T) {
	rows, ids := rulesRows(t)
	catalog := policies.MustDefault().Catalog()
	var got []string
	for _, r := range catalog {
		got = append(got, r.ID)
		if r.Title == "" || r.Source == "" || r.Remediation == "" || !strings.HasPrefix(r.File, "rules/") {
			t.Errorf("%s: METADATA needs title, source and remediation (file %q)", r.ID, r.File)
		}
		if !slices.Contains([]string{"error", "effect", "hazard"}, r.Severity) {
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		if codes := rows[r.ID]; len(codes) > 0 && !slices.Contains(codes, r.ErrorCode) {
			t.Errorf("%s: errorCode %q, RULES.md says %v", r.ID, r.ErrorCode, codes)
		}
		if r.Severity == "error" && (r.ErrorCode == "" || r.Status < 400) {
			t.Errorf("%s: a refusing rule needs an errorCode and a 4xx status", r.ID)
		}
	}
	if !slices.Equal(got, ids) {
		t.Errorf("catalog IDs differ from RULES.md:\n got %v\nwant %v", got, ids)
	}
}

// A refusal carries the rule's METADATA: status, errorCode and the rule ID.
func TestAdmitReturnsViolationsWithMetadata(t *testing.T) {
	m, err := sim.NewMachine(sim.NewWorld(1), policies.MustDefault())
	if err != nil {
		t.Fatal(err)
	}
	res := m.Step(sim.Command{Op: sim.CreatePrivateEndpoint, GroupID: sim.DefaultProjectID, RegionName: "US_CENTRAL"})
	want := sim.Error{Status: 400, Code: "ENCRYPTION_AT_REST_NOT_ENABLED", Rule: "EAR-ORD-03"}
	if res.Err == nil || res.Err.Status != want.Status || res.Err.Code != want.Code || res.Err.Rule != want.Rule {
		t.Fatalf("got %+v, want %+v", res.Err, want)
	}
}

// TestPlanTypes: the resource types the Terraform entry point reads, which
// earsim check keeps when it decodes a plan.
func TestPlanTypes(t *testing.T) {
	got := policies.MustDefault().PlanTypes()
	want := []string{"azapi_resource", "azapi_update_resource", "azurerm_key_vault", "azurerm_key_vault_key", "azurerm_resource_provider_registration", "mongodbatlas_advanced_cluster", "mongodbatlas_cluster", "mongodbatlas_encryption_at_rest", "mongodbatlas_encryption_at_rest_private_endpoint", "mongodbatlas_project"}
	if !slices.Equal(got, want) {
		t.Fatalf("PlanTypes() = %v, want %v", got, want)
	}
}
