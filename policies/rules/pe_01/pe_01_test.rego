package earsim.tests.pe_01

import data.earsim.fixtures as f
import data.earsim.rules

deny := {x | some x in rules.deny; x.rule == "EAR-PE-01"}

create(req) := f.input_for("CreatePrivateEndpoint", req, f.project({"encryption": f.pn}))

test_azure_region_is_fine if count(deny) == 0 with input as create({"regionName": "US_CENTRAL"})

test_aws_region_is_refused if {
	some v in deny with input as create({"regionName": "US_EAST_1"})
	v.code == "INVALID_REGION"
}

test_missing_region_is_refused if count(deny) == 1 with input as create({})

test_aws_provider_is_not_supported if {
	some v in deny with input as create({"cloudProvider": "AWS", "regionName": "US_EAST_1"})
	v.code == "ENCRYPTION_AT_REST_PROVIDER_NOT_SUPPORTED"
}

test_unknown_provider if {
	some v in deny with input as f.input_for("ListPrivateEndpoints", {"cloudProvider": "GCP"}, f.project({}))
	v.code == "INVALID_ENUM_VALUE"
}
