package earsim.rules

import data.earsim.lib

# METADATA
# title: valid means Atlas can use the key now
# description: The read-only valid field is true exactly when the credentials are good, the key exists, is enabled and not deleted, and Atlas's access is not revoked.
# custom:
#   id: EAR-CRED-05
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: Restore the credentials, the key or Atlas's access to it.
#   source: Flag that indicates whether the Azure encryption key can encrypt and decrypt data.
cred_05["meta"] := lib.meta(rego.metadata.rule())

default valid := false

valid if {
	lib.cmk_enabled
	lib.credentials_reach(lib.enc)
	lib.key_usable(lib.enc.keyIdentifier)
}
