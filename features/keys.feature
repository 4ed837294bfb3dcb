Feature: The key, its access and its secret

  @EAR-KEY-01 @EAR-CRED-05 @needs-azure
  Scenario: Revoking Atlas's access to the key pauses clusters until it returns
    Given a project with customer-managed keys
    And a cluster "c1" in US_CENTRAL with customer-managed keys
    When Azure revokes Atlas's access to the key
    Then cluster "c1" is paused
    And the key is not valid
    When I resume cluster "c1"
    Then the request is refused with status 409 and error code CANNOT_RESUME_CLUSTER_KEY_ACCESS_REVOKED
    When Azure restores Atlas's access to the key
    And I resume cluster "c1"
    Then the request succeeds with status 200
    And cluster "c1" is running
    And the key is valid

  @EAR-CRED-05 @secret-write-only
  Scenario: The secret is never returned
    Given a project with customer-managed keys
    When I read the encryption configuration
    Then the request succeeds with status 200
    And the answer holds no secret
    And the key is valid

  @EAR-CRED-01
  Scenario: The first enablement needs every field
    When I enable customer-managed keys with only the key identifier
    Then the request is refused with status 400 and error code MISSING_ATTRIBUTE

  @EAR-CRED-02
  Scenario: A wrong secret is refused
    When I enable customer-managed keys with a wrong secret
    Then the request is refused with status 400 and error code INVALID_AZURE_CREDENTIALS

  @EAR-CRED-03
  Scenario: The key identifier needs its version
    Given a project with customer-managed keys
    When I change the key identifier to "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey"
    Then the request is refused with status 400 and error code AZURE_KEY_VAULT_KEY_IDENTIFIER_INVALID_FORMAT

  @EAR-CRED-04
  Scenario: The key must exist
    Given a project with customer-managed keys
    When I change the key identifier to "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/ffffffffffffffffffffffffffffffff"
    Then the request is refused with status 400 and error code AZURE_KEY_VAULT_KEY_NOT_FOUND

  @EAR-ROT-01
  Scenario: A new key must belong to the project's vault
    Given a project with customer-managed keys
    When I change the key identifier to "https://test-tf-export.vault.azure.net/keys/test/78b9134f9bc94fda8027a32b4715bf3f"
    Then the request is refused with status 400 and error code INVALID_ATTRIBUTE
