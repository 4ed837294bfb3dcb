# METADATA
# title: Keys only in vaults of the team's subscriptions
# description: |
#   The customer key lives in a Key Vault of a subscription listed in
#   data.acme.vault_subscriptions. The vault's subscription is the Azure side's
#   where earsim knows the vault, else the configuration's subscriptionID.
# custom:
#   id: ACME-KEY-01
#   severity: error
#   status: 403
#   errorCode: ACME_KEY_VAULT_SUBSCRIPTION_NOT_ALLOWED
#   remediation: Create the key in a vault of one of the subscriptions in data.acme.vault_subscriptions and point key_identifier, key_vault_name and subscription_id at it.
package earsim.team.key_subscription

import data.earsim.lib

# the subscription of the vault that holds the key
vault_subscription(after) := v.subscriptionID if {
	key := lib.parse_key(after.keyIdentifier)
	some v in object.get(input, ["azure", "vaults"], [])
	lower(v.name) == lower(key.vault)
} else := after.subscriptionID

deny contains {"msg": msg} if {
	input.op == "UpdateEncryptionConfig"
	after := input.request.after
	after.enabled == true
	sub := vault_subscription(after)
	not sub in data.acme.vault_subscriptions
	msg := sprintf("the key %s is in a vault of subscription %s, which is not one of the team's (%v)", [after.keyIdentifier, sub, data.acme.vault_subscriptions])
}
