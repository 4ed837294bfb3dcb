package earsim.rules

import data.earsim.lib

# METADATA
# title: One Azure region per endpoint request
# description: Each POST names one region, which must be an Atlas Azure region of the enum; only the AZURE provider takes endpoints.
# custom:
#   id: EAR-PE-01
#   severity: error
#   status: 400
#   errorCode: INVALID_REGION
#   order: 20
#   remediation: Send one POST per region with regionName set to an Atlas Azure region such as US_CENTRAL.
#   source: You must send a separate request for each region in which you want Atlas to create a private endpoint.
pe_01["meta"] := lib.meta(rego.metadata.rule())

pe_01["azure_regions"] := {
	"US_CENTRAL", "US_EAST", "US_EAST_2", "US_NORTH_CENTRAL", "US_WEST", "US_SOUTH_CENTRAL",
	"EUROPE_NORTH", "EUROPE_WEST", "US_WEST_CENTRAL", "US_WEST_2", "US_WEST_3",
	"CANADA_EAST", "CANADA_CENTRAL", "BRAZIL_SOUTH", "BRAZIL_SOUTHEAST",
	"AUSTRALIA_CENTRAL", "AUSTRALIA_CENTRAL_2", "AUSTRALIA_EAST", "AUSTRALIA_SOUTH_EAST",
	"GERMANY_WEST_CENTRAL", "GERMANY_NORTH", "SWEDEN_CENTRAL", "SWEDEN_SOUTH",
	"SWITZERLAND_NORTH", "SWITZERLAND_WEST", "UK_SOUTH", "UK_WEST", "NORWAY_EAST", "NORWAY_WEST",
	"INDIA_CENTRAL", "INDIA_SOUTH", "INDIA_WEST", "CHINA_EAST", "CHINA_NORTH", "ASIA_EAST",
	"JAPAN_EAST", "JAPAN_WEST", "ASIA_SOUTH_EAST", "KOREA_CENTRAL", "KOREA_SOUTH",
	"FRANCE_CENTRAL", "FRANCE_SOUTH", "SOUTH_AFRICA_NORTH", "SOUTH_AFRICA_WEST",
	"UAE_CENTRAL", "UAE_NORTH", "QATAR_CENTRAL", "POLAND_CENTRAL", "ISRAEL_CENTRAL",
	"ITALY_NORTH", "SPAIN_CENTRAL", "MEXICO_CENTRAL", "NEW_ZEALAND_NORTH",
	"US_GOV_VIRGINIA", "US_GOV_ARIZONA", "US_GOV_TEXAS",
}

pe_01["provider"] := object.get(input.request, "cloudProvider", "AZURE")

deny contains lib.deny(pe_01.meta, msg, [region]) if {
	input.op == "CreatePrivateEndpoint"
	pe_01.provider == "AZURE"
	region := object.get(input.request, "regionName", "")
	not region in pe_01.azure_regions
	msg := sprintf("%q is not an Atlas Azure region", [region])
}

deny contains lib.deny_code(pe_01.meta, "ENCRYPTION_AT_REST_PROVIDER_NOT_SUPPORTED", msg, [pe_01.provider]) if {
	input.op == "CreatePrivateEndpoint"
	pe_01.provider == "AWS"
	msg := "private endpoints for encryption at rest are modelled for AZURE only"
}

deny contains lib.deny_code(pe_01.meta, "INVALID_ENUM_VALUE", msg, [pe_01.provider]) if {
	input.op in {"CreatePrivateEndpoint", "ListPrivateEndpoints", "GetPrivateEndpoint", "DeletePrivateEndpoint"}
	not pe_01.provider in {"AZURE", "AWS"}
	msg := sprintf("%q is not a cloud provider for encryption at rest private endpoints", [pe_01.provider])
}
