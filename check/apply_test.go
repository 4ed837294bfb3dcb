package check_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/earsim/earsim/check"
	"github.com/earsim/earsim/sim"
)

func steps(ap *check.Apply) []string {
	var out []string
	for _, s := range ap.Steps {
		out = append(out, s.Action+" "+s.Address)
	}
	return out
}

// Terraform's order on the real teardown plan: the cluster (which depends on
// the endpoints) first, then the endpoints, then the config they depend on;
// each waited on until gone.
func TestApplyOrderOfATeardown(t *testing.T) {
	ap, err := checker(t).LoadApply("../../shared/reference/terraform-plans/10-destroy-all.json")
	if err != nil {
		t.Fatal(err)
	}
	got := steps(ap)
	want := []string{
		"delete mongodbatlas_advanced_cluster.cluster[0]",
		`delete mongodbatlas_encryption_at_rest_private_endpoint.endpoint["US_CENTRAL"]`,
		`delete mongodbatlas_encryption_at_rest_private_endpoint.endpoint["US_EAST_2"]`,
		"delete mongodbatlas_encryption_at_rest.ear",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
	for _, s := range ap.Steps[:3] {
		if s.Wait == 0 {
			t.Errorf("%s: the provider waits until it is gone, the step has no wait", s.Address)
		}
	}
	if c := ap.Steps[3].Command; c.Op != sim.UpdateEncryptionConfig || c.AzureKeyVault == nil || c.AzureKeyVault.Enabled == nil || *c.AzureKeyVault.Enabled {
		t.Errorf("the config's destroy is %+v, want the provider's PATCH enabled false", c)
	}
	if len(ap.Warnings) != 0 {
		t.Errorf("warnings %v: the configuration orders every step", ap.Warnings)
	}
}

// The order does not depend on how the plan lists its changes, and a
// create_before_destroy replacement creates first.
func TestApplyOrderIsTheGraphs(t *testing.T) {
	data, err := os.ReadFile("../../shared/reference/terraform-plans/01-create.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(data, &doc)
	write := func(name string) string {
		b, _ := json.Marshal(doc)
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	ap, err := checker(t).LoadApply(write("plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s := steps(ap); !strings.HasPrefix(s[0], "create mongodbatlas_encryption_at_rest.ear") || len(s) != 3 {
		t.Fatalf("create order %q: the config before the endpoints that reference it", s)
	}
	rcs := doc["resource_changes"].([]any)
	slices.Reverse(rcs)
	ap2, err := checker(t).LoadApply(write("reversed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s := steps(ap2); s[0] != steps(ap)[0] {
		t.Fatalf("reversed plan starts with %q, want %q", s[0], steps(ap)[0])
	}
	// An endpoint replaced create-before-destroy: the new one first.
	for _, x := range rcs {
		rc := x.(map[string]any)
		if strings.HasSuffix(rc["address"].(string), `["US_EAST_2"]`) {
			ch := rc["change"].(map[string]any)
			ch["actions"] = []any{"create", "delete"}
			ch["before"] = map[string]any{"project_id": "66c9e8f1dd6c9960802420e9", "region_name": "US_EAST_2", "id": "0123456789abcdef01234567", "cloud_provider": "AZURE"}
		}
	}
	ap3, err := checker(t).LoadApply(write("cbd.json"))
	if err != nil {
		t.Fatal(err)
	}
	var halves []string
	for _, s := range steps(ap3) {
		if strings.HasSuffix(s, `["US_EAST_2"]`) {
			halves = append(halves, strings.Fields(s)[0])
		}
	}
	if !slices.Equal(halves, []string{"create", "delete"}) {
		t.Fatalf("create_before_destroy replacement in order %v, want create then delete", halves)
	}
}

// Findings name their step: its place in the order and the request.
func TestFindingsNameTheirStep(t *testing.T) {
	rep, err := checker(t).Files(t.Context(), []string{"../../shared/reference/terraform-plans/04-vault-rename.json"}, check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0].Findings
	if len(f) != 1 || f[0].Rule != "EAR-IMM-01" || f[0].Target["step"] != "1 of 1" || f[0].Target["request"] != string(sim.UpdateEncryptionConfig) {
		t.Fatalf("findings %+v, want EAR-IMM-01 at step 1 of 1 (UpdateEncryptionConfig)", f)
	}
}

// An unordered pair is a hazard only when the simulator refuses the other
// order, and the warning names the rule that refuses it. The teardown without
// depends_on: disabling CMK before an endpoint is gone is EAR-DIS-01. The
// same plan with the config changed instead of destroyed (a new key version
// in the same vault, which endpoints do not freeze): either order works, so
// no warning (the order's own guess said EAR-IMM-01 here before).
func TestOrderWarningsAreTheSimulatorsAnswer(t *testing.T) {
	const example = "../examples/dis-01-teardown-without-depends-on.json"
	orders := func(path string) []check.Finding {
		t.Helper()
		rep, err := checker(t).Files(t.Context(), []string{path}, check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out []check.Finding
		for _, f := range rep.Files[0].Findings {
			if f.Kind == "apply order" {
				out = append(out, f)
			}
		}
		return out
	}
	got := orders(example)
	if len(got) != 2 {
		t.Fatalf("%d apply-order warnings on the teardown, want one per endpoint: %+v", len(got), got)
	}
	for _, f := range got {
		if f.Rule != "EAR-DIS-01" || !strings.Contains(f.Message, "the other order is refused at mongodbatlas_encryption_at_rest.ear: ") {
			t.Errorf("warning %s: %q, want EAR-DIS-01 and the refusal of the config's step", f.Rule, f.Message)
		}
	}

	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	changed := false
	for _, rc := range doc["resource_changes"].([]any) {
		rc := rc.(map[string]any)
		if rc["type"] != "mongodbatlas_encryption_at_rest" {
			continue
		}
		ch := rc["change"].(map[string]any)
		before, _ := json.Marshal(ch["before"])
		var after map[string]any
		json.Unmarshal(before, &after)
		kv := after["azure_key_vault_config"].([]any)[0].(map[string]any)
		kv["key_identifier"] = "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/" + strings.Repeat("ab", 16)
		ch["actions"], ch["after"] = []any{"update"}, after
		changed = true
	}
	if !changed {
		t.Fatal("the example has no encryption config change")
	}
	b, _ := json.Marshal(doc)
	p := filepath.Join(t.TempDir(), "rotate-during-teardown.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := orders(p); len(got) != 0 {
		t.Errorf("a key rotation beside the endpoints' destroy: %+v, want no warning (either order is accepted)", got)
	}
}
