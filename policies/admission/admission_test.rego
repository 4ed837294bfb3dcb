package earsim.admission_test

import data.earsim.admission
import data.earsim.fixtures as f

# The entry point gathers every rule's refusals and forecasts.
test_decision_gathers_rules if {
	p := f.project({"encryption": f.pn, "endpoints": [f.endpoint("e1", "US_CENTRAL", "ACTIVE")], "clusters": [f.multi_cloud("mc")]})

	# Moving to vault2 with endpoints present and private networking off:
	# frozen vault, endpoints remain, credentials cannot reach vault2, and the
	# key belongs to vault1.
	d := admission.decision with input as f.patch({"requirePrivateNetworking": false, "keyVaultName": "vault2"}, p)
	f.rules(d.deny) == {"EAR-PN-01", "EAR-IMM-01", "EAR-CRED-02", "EAR-ROT-01"}
	count(d.warn) == 0
}

test_warnings_reach_the_decision if {
	p := f.project({"clusters": [f.multi_cloud("mc")]})
	d := admission.decision with input as f.patch({"requirePrivateNetworking": true}, p)
	f.effects(d.warn) == {"ClusterDisabled"}
	count(d.deny) == 0
}
