package earsim.team.key_subscription_test

import data.earsim.team.key_subscription as rule

ours := "3a1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

theirs := "0d0d0d0d-0000-4000-8000-000000000000"

kid := "https://ear-vault.vault.azure.net/keys/ear-key/0a1b2c3d4e5f60718293a4b5c6d7e8f9"

request(sub) := {"op": "UpdateEncryptionConfig", "request": {"after": {"enabled": true, "keyIdentifier": kid, "subscriptionID": sub}}}

test_key_in_other_subscription_denied if {
	some d in rule.deny with input as request(theirs) with data.acme.vault_subscriptions as [ours]
	contains(d.msg, theirs)
}

test_key_in_our_subscription_allowed if {
	count(rule.deny) == 0 with input as request(ours) with data.acme.vault_subscriptions as [ours]
}

test_the_azure_side_decides_where_it_knows_the_vault if {
	azure := {"vaults": [{"name": "EAR-VAULT", "subscriptionID": theirs}]}
	some d in rule.deny with input as object.union(request(ours), {"azure": azure})
		with data.acme.vault_subscriptions as [ours]
	contains(d.msg, theirs)
}

test_disabled_config_not_judged if {
	count(rule.deny) == 0 with input as {"op": "UpdateEncryptionConfig", "request": {"after": {"enabled": false, "subscriptionID": theirs}}}
		with data.acme.vault_subscriptions as [ours]
}
