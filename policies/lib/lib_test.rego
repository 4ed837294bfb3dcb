package earsim.lib_test

import data.earsim.fixtures as f
import data.earsim.lib

test_parse_key if {
	lib.parse_key(f.key) == {"vault": "vault1", "host": "vault.azure.net", "name": "k", "version": "0123456789abcdef0123456789abcdef"}
	not lib.parse_key("https://v.vault.azure.net/keys/k/1")
}

test_same_key_ignores_vault_case if {
	lib.same_key(f.key, "https://VAULT1.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef")
	not lib.same_key(f.key, f.key2)
}

test_sorted_regions if {
	lib.sorted_regions([f.endpoint("a", "UK_SOUTH", "ACTIVE"), f.endpoint("b", "US_CENTRAL", "FAILED"), f.endpoint("c", "UK_SOUTH", "FAILED")]) == ["UK_SOUTH", "US_CENTRAL"]
}

# Every rule file's METADATA carries what findings and the catalog need, and
# no two files claim the same rule ID.
test_every_rule_carries_its_metadata if {
	metas := [r.meta | some _, r in data.earsim.rules; r.meta]
	count(metas) >= 40
	count({m.id | some m in metas}) == count(metas)
	every m in metas {
		regex.match(`^EAR-[A-Z]+-\d\d$`, m.id)
		m.severity in {"error", "effect", "hazard"}
		is_number(m.status)
		is_number(m.order)
		m.remediation != ""
		m.source != ""
	}
}

# A key is found the same through the index the input carries
# (azure.keysByNorm, as earsim gives it) and through the one built from the
# keys (an input without it): the vault in any case, a deleted version never.
test_find_key_by_the_index_or_the_keys if {
	indexed := object.union(f.azure, {"keysByNorm": {concat("/", [lower(k.vault), k.name, k.version]): k |
		some k in f.azure.keys
		not k.deleted
	}})
	upper := "https://VAULT1.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef"
	with_index := lib.find_key(upper) with input.azure as indexed
	without := lib.find_key(upper) with input.azure as f.azure
	with_index == without
	with_index.version == "0123456789abcdef0123456789abcdef"
	not lib.find_key(f.other_vault_key) with input.azure as indexed
	not lib.find_key(f.other_vault_key) with input.azure as f.azure
}
