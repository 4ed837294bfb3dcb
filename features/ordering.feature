Feature: Order of enablement and disablement

  @EAR-ORD-02
  Scenario: Private networking needs customer-managed keys first
    When I require private networking
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_NOT_ENABLED

  @EAR-DIS-02 @destructive
  Scenario: Customer-managed keys go off on every cluster before the project
    Given a project with customer-managed keys
    And a cluster "c1" in US_CENTRAL with customer-managed keys
    When I disable customer-managed keys
    Then the request is refused with status 409 and error code CANNOT_DISABLE_ENCRYPTION_AT_REST

  @EAR-MR-03 @needs-azure
  Scenario: Additional nodes only in regions with approved endpoints
    Given a project with customer-managed keys over private networking
    And an endpoint "e1" in US_CENTRAL that is ACTIVE
    And a cluster "c1" in US_CENTRAL
    When I move cluster "c1" to US_CENTRAL, US_EAST_2
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_REGION_NOT_APPROVED

  @EAR-IMM-02 @needs-azure
  Scenario: The key identifier rotates while endpoints exist
    Given a project with customer-managed keys over private networking
    And an endpoint "e1" in US_CENTRAL that is INITIATING
    And Azure holds a new key "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/a241124e3d364e9eb99fbd3e11124b23"
    When I change the key identifier to "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/a241124e3d364e9eb99fbd3e11124b23"
    Then the request succeeds with status 200
