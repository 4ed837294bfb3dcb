package atlasapi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/earsim/earsim/sim"
)

// Fault is a deliberate break of one rule, so that a conformance suite can
// prove it notices: `earsim serve --fault NAME`.
type Fault struct {
	Name string `json:"name"`
	Rule string `json:"rule"`
	What string `json:"what"`
	// drop: the rule's refusals are ignored; noApply: its consequences are
	// not carried out; wire faults change the answer instead.
	drop, noApply bool
}

// Faults lists every fault the mock can be started with.
var Faults = []Fault{
	{Name: "allow-tenant-cmk", Rule: "EAR-TIER-01", What: "accepts customer keys on M0/Flex/Serverless clusters", drop: true},
	{Name: "refuse-cloud-backup-cmk", Rule: "EAR-TIER-03", What: "refuses customer keys with API v2's backupEnabled (Cloud Backup), as if it were legacy backup"},
	{Name: "allow-inactive-project", Rule: "EAR-PROJ-01", What: "accepts private networking in an INACTIVE project", drop: true},
	{Name: "keep-multi-cloud-running", Rule: "EAR-PROJ-02", What: "does not disable multi-cloud clusters under private networking", drop: true, noApply: true},
	{Name: "skip-role-check", Rule: "EAR-CL-01", What: "never answers 403 for a missing role", drop: true},
	{Name: "allow-endpoint-without-private-networking", Rule: "EAR-ORD-03", What: "creates endpoints before CMK and private networking", drop: true},
	{Name: "allow-immutable-change", Rule: "EAR-IMM-01", What: "lets the vault, subscription and resource group change while endpoints exist", drop: true},
	{Name: "allow-duplicate-region", Rule: "EAR-PE-07", What: "creates a second live endpoint in a region", drop: true},
	{Name: "allow-delete-while-provisioning", Rule: "EAR-PE-06", What: "lets DELETE succeed on an INITIATING endpoint", drop: true},
	{Name: "allow-private-networking-off", Rule: "EAR-PN-01", What: "turns private networking off while endpoints exist", drop: true},
	{Name: "allow-disable-with-endpoints", Rule: "EAR-DIS-01", What: "disables customer keys while endpoints exist", drop: true},
	{Name: "allow-unapproved-region", Rule: "EAR-MR-02", What: "creates clusters in regions without an approved endpoint", drop: true},
	{Name: "no-pause-on-revocation", Rule: "EAR-KEY-01", What: "keeps clusters running when key access is revoked", drop: true, noApply: true},
	{Name: "create-returns-200", Rule: "EAR-PE-01", What: "answers endpoint creation with 200 instead of 202"},
	{Name: "delete-returns-200", Rule: "EAR-PE-05", What: "answers endpoint deletion with 200 instead of 204"},
	{Name: "misspell-initiating", Rule: "EAR-PE-09", What: "spells INITIATING as the seed's table does, INITATING"},
	{Name: "return-secret", Rule: "RULES.md §4", What: "returns azureKeyVault.secret, which is write-only"},
}

type faultSet map[string]Fault

func parseFaults(names []string) (faultSet, error) {
	set := faultSet{}
	for _, n := range names {
		i := slices.IndexFunc(Faults, func(f Fault) bool { return f.Name == n })
		if i < 0 {
			var known []string
			for _, f := range Faults {
				known = append(known, f.Name)
			}
			return nil, fmt.Errorf("unknown fault %q (known: %s)", n, strings.Join(known, ", "))
		}
		set[n] = Faults[i]
	}
	return set, nil
}

// checker wraps the policies so that the rules of rule faults break.
func (f faultSet) checker(next sim.Checker) sim.Checker {
	drop, noApply := map[string]bool{}, map[string]bool{}
	for _, x := range f {
		drop[x.Rule] = drop[x.Rule] || x.drop
		noApply[x.Rule] = noApply[x.Rule] || x.noApply
	}
	if len(drop) == 0 && len(noApply) == 0 {
		return next
	}
	return sim.Breaking(next, drop, noApply)
}

func (f faultSet) has(name string) bool { _, ok := f[name]; return ok }

// status applies the wire faults on success statuses.
func (f faultSet) status(op sim.Op, status int) int {
	switch {
	case op == sim.CreatePrivateEndpoint && f.has("create-returns-200"):
		return 200
	case op == sim.DeletePrivateEndpoint && f.has("delete-returns-200"):
		return 200
	}
	return status
}

// refuses applies the faults that refuse a request the rules accept.
func (f faultSet) refuses(cmd sim.Command) *sim.Error {
	c := cmd.Cluster
	if f.has("refuse-cloud-backup-cmk") && (cmd.Op == sim.CreateCluster || cmd.Op == sim.UpdateCluster) &&
		c != nil && c.BackupEnabled != nil && *c.BackupEnabled && c.EncryptionAtRestProvider == "AZURE" {
		return sim.Errorf(400, "CANNOT_USE_ENCRYPTION_AT_REST_BACKUP_TYPE", "cluster %q has backupEnabled true (fault refuse-cloud-backup-cmk)", c.Name)
	}
	return nil
}

// rewrites reports whether a fault changes answer bodies.
func (f faultSet) rewrites() bool { return f.has("misspell-initiating") || f.has("return-secret") }

// body applies the wire faults on answers.
func (f faultSet) body(op sim.Op, body any) any {
	if f.has("misspell-initiating") {
		misspell(body)
	}
	if f.has("return-secret") && (op == sim.GetEncryptionConfig || op == sim.UpdateEncryptionConfig) {
		if m, ok := body.(map[string]any); ok {
			if akv, ok := m["azureKeyVault"].(map[string]any); ok {
				akv["secret"] = "returned-by-fault"
			}
		}
	}
	return body
}

func misspell(v any) {
	switch x := v.(type) {
	case map[string]any:
		if x["status"] == sim.StatusInitiating {
			x["status"] = "INITATING"
		}
		for _, y := range x {
			misspell(y)
		}
	case []any:
		for _, y := range x {
			misspell(y)
		}
	}
}
