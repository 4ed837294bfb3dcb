package earsim.rules

import data.earsim.lib

# METADATA
# title: Disable CMK on every cluster before the project
# description: enabled false is refused while any cluster uses encryptionAtRestProvider AZURE; checked after EAR-DIS-01.
# custom:
#   id: EAR-DIS-02
#   severity: error
#   status: 409
#   errorCode: CANNOT_DISABLE_ENCRYPTION_AT_REST
#   order: 32
#   remediation: Set encryptionAtRestProvider NONE on every cluster of the project first.
#   source: After removing all private endpoints for a project, you must disable customer key management on each cluster in the project before you disable the feature for the project.
dis_02["meta"] := lib.meta(rego.metadata.rule())

deny contains lib.deny(dis_02.meta, msg, names) if {
	input.op == "UpdateEncryptionConfig"
	lib.cmk_enabled
	not input.request.after.enabled == true
	names := sort({c.name | some c in lib.cmk_clusters})
	count(names) > 0
	msg := sprintf("clusters %v still use customer key management", [names])
}
