package earsim.team.production_private_networking_test

import data.earsim.team.production_private_networking as rule

prod := {"name": "orders-prod", "encryption": {"enabled": true, "requirePrivateNetworking": false}, "endpoints": [], "clusters": []}

test_public_key_vault_in_production_denied if {
	some d in rule.deny with input as {
		"op": "UpdateEncryptionConfig", "project": prod,
		"request": {"after": {"enabled": true, "requirePrivateNetworking": false}},
	}
	contains(d.msg, "orders-prod is production")
}

test_private_key_vault_in_production_allowed if {
	count(rule.deny) == 0 with input as {
		"op": "UpdateEncryptionConfig", "project": prod,
		"request": {"after": {"enabled": true, "requirePrivateNetworking": true}},
	}
}

test_other_projects_allowed if {
	count(rule.deny) == 0 with input as {
		"op": "UpdateEncryptionConfig", "project": object.union(prod, {"name": "orders-staging"}),
		"request": {"after": {"enabled": true, "requirePrivateNetworking": false}},
	}
}

test_disabling_encryption_not_this_rule if {
	count(rule.deny) == 0 with input as {
		"op": "UpdateEncryptionConfig", "project": prod,
		"request": {"after": {"enabled": false, "requirePrivateNetworking": false}},
	}
}

test_cmk_cluster_in_public_production_denied if {
	some d in rule.deny with input as {
		"op": "CreateCluster", "project": prod,
		"request": {"cluster": {"name": "orders", "encryptionAtRestProvider": "AZURE"}},
	}
	contains(d.msg, "cluster orders uses the customer key")
}

test_cmk_cluster_in_private_production_allowed if {
	count(rule.deny) == 0 with input as {
		"op": "CreateCluster",
		"project": object.union(prod, {"encryption": {"enabled": true, "requirePrivateNetworking": true}}),
		"request": {"cluster": {"name": "orders", "encryptionAtRestProvider": "AZURE"}},
	}
}
