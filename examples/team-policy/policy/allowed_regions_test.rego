package earsim.team.allowed_regions_test

import data.earsim.team.allowed_regions as rule

regions := ["US_EAST_2"]

test_endpoint_in_other_region_denied if {
	some d in rule.deny with input as {"op": "CreatePrivateEndpoint", "request": {"regionName": "BRAZIL_SOUTH"}}
		with data.acme.regions as regions
	contains(d.msg, "in BRAZIL_SOUTH")
}

test_endpoint_in_allowed_region_allowed if {
	count(rule.deny) == 0 with input as {"op": "CreatePrivateEndpoint", "request": {"regionName": "US_EAST_2"}}
		with data.acme.regions as regions
}

test_cluster_with_one_region_outside_denied if {
	cluster := {"name": "global", "regionConfigs": [{"regionName": "US_EAST_2"}, {"regionName": "JAPAN_EAST"}]}
	ds := rule.deny with input as {"op": "UpdateCluster", "request": {"cluster": cluster}}
		with data.acme.regions as regions
	count(ds) == 1
	some d in ds
	contains(d.msg, "cluster global in JAPAN_EAST")
}

test_cluster_in_allowed_regions_allowed if {
	cluster := {"name": "orders", "regionConfigs": [{"regionName": "US_EAST_2"}]}
	count(rule.deny) == 0 with input as {"op": "CreateCluster", "request": {"cluster": cluster}}
		with data.acme.regions as regions
}

test_the_shipped_list_is_read if {
	count(rule.deny) == 0 with input as {"op": "CreatePrivateEndpoint", "request": {"regionName": "US_CENTRAL"}}
}
