package earsim.rules

import data.earsim.lib

# METADATA
# title: The key identifier can still rotate
# description: Changing keyIdentifier (and the secret) stays allowed while endpoints exist; no rule may refuse it for that reason.
# custom:
#   id: EAR-IMM-02
#   severity: effect
#   status: 200
#   errorCode: ""
#   order: 90
#   remediation: None needed.
#   source: but you can still rotate the Microsoft Azure Key Identifier.
imm_02["meta"] := lib.meta(rego.metadata.rule())

# rotatable lists the azureKeyVault fields that stay writable while endpoints
# exist; imm_02_test.rego proves the admission policy refuses none of them.
imm_02["rotatable"] := {"keyIdentifier", "secret"}
