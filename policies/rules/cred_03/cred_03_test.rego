package earsim.tests.cred_03

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-CRED-03"}

bad(kid) if count(deny) == 1 with input as f.patch({"keyIdentifier": kid}, f.project({}))

test_full_format_is_fine if count(deny) == 0 with input as f.patch({"keyIdentifier": f.key}, f.project({}))

test_no_version if bad("https://vault1.vault.azure.net/keys/k")

test_short_version if bad("https://vault1.vault.azure.net/keys/k/0123")

test_http if bad("http://vault1.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef")

test_wrong_cloud if bad("https://vault1.vault.azure.cn/keys/k/0123456789abcdef0123456789abcdef")

test_not_a_string if bad(42)

test_china_environment_takes_the_china_host if {
	body := {"azureEnvironment": "AZURE_CHINA", "keyIdentifier": "https://vault1.vault.azure.cn/keys/k/0123456789abcdef0123456789abcdef"}
	count(deny) == 0 with input as f.patch(body, f.project({}))
}

test_disabled_config_is_not_judged if count(deny) == 0 with input as f.patch({"enabled": false, "keyIdentifier": "x"}, f.project({}))

created(kid) := found if {
	found := deny with input as {"op": "CreateKey", "request": {"keyIdentifier": kid}}
}

test_a_created_key_in_the_full_format_is_fine if count(created(f.key)) == 0

test_a_created_key_in_another_cloud_is_fine if count(created("https://vault1.vault.azure.cn/keys/k/0123456789abcdef0123456789abcdef")) == 0

test_a_created_key_with_a_nul_is_refused if count(created("https://vault1.vault.azure.net/keys/k\u0000/0123456789abcdef0123456789abcdef")) == 1

test_a_created_key_with_dot_dot_is_refused if count(created("https://vault1.vault.azure.net/keys/../0123456789abcdef0123456789abcdef")) == 1

test_a_created_key_with_an_encoded_slash_is_refused if count(created("https://vault1.vault.azure.net/keys/a%2Fb/0123456789abcdef0123456789abcdef")) == 1

test_a_created_key_with_a_short_version_is_refused if count(created("https://vault1.vault.azure.net/keys/k/1")) == 1

test_a_created_key_without_an_identifier_is_refused if count(created(null)) == 1
