package earsim.tests.imm_02

import data.earsim.admission
import data.earsim.fixtures as f
import data.earsim.rules

with_endpoint := f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")]})

# No rule refuses changing the rotatable fields while endpoints exist.
test_rotation_is_allowed_with_endpoints if {
	kid := "https://vault1.vault.azure.net/keys/k2/0123456789abcdef0123456789abcdef"
	azure := object.union(f.azure, {"keys": array.concat(f.azure.keys, [object.union(f.azure.keys[0], {"keyIdentifier": kid, "name": "k2"})])})
	body := {"keyIdentifier": kid, "secretDigest": "d1"}
	{k | some k, _ in body} == {"keyIdentifier", "secretDigest"}
	rules.imm_02.rotatable == {"keyIdentifier", "secret"}
	count(admission.decision.deny) == 0 with input as object.union(f.patch(body, with_endpoint), {"azure": azure})
}
