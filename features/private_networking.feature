Feature: Private networking and the key vault configuration
  Endpoints freeze the vault and must all be removed before private
  networking or customer-managed keys can be turned off.

  @EAR-ORD-03
  Scenario: Endpoints need private networking
    Given a project with customer-managed keys
    When I create an endpoint "e1" in US_CENTRAL
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_PRIVATE_NETWORKING_NOT_ENABLED

  @EAR-PROJ-01 @needs-operator
  Scenario: No private networking for an INACTIVE project
    Given a project with customer-managed keys
    And the project is INACTIVE
    When I require private networking
    Then the request is refused with status 409 and error code ENCRYPTION_AT_REST_PRIVATE_NETWORKING_PROJECT_INACTIVE

  @EAR-IMM-01
  Scenario: The vault name freezes while an endpoint exists
    Given a project with customer-managed keys over private networking
    And an endpoint "e1" in US_CENTRAL that is INITIATING
    When I change the key vault name to "another-vault"
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_IMMUTABLE_ATTRIBUTE

  @EAR-PN-01 @destructive
  Scenario: Private networking stays on while endpoints exist
    Given a project with customer-managed keys over private networking
    And an endpoint "e1" in US_CENTRAL that is INITIATING
    When I stop requiring private networking
    Then the request is refused with status 400 and error code CANNOT_DISABLE_ENCRYPTION_AT_REST_REQUIRE_PRIVATE_NETWORKING_WHILE_PRIVATE_ENDPOINTS_EXIST

  @EAR-DIS-01 @destructive
  Scenario: Customer-managed keys stay on while endpoints exist
    Given a project with customer-managed keys over private networking
    And an endpoint "e1" in US_CENTRAL that is INITIATING
    When I disable customer-managed keys
    Then the request is refused with status 400 and error code CANNOT_DISABLE_ENCRYPTION_AT_REST_DUE_TO_PRIVATE_ENDPOINTS

  @EAR-PN-01 @EAR-PE-05 @destructive
  Scenario: Once every endpoint is gone, private networking can be turned off
    Given a project with customer-managed keys over private networking
    And an endpoint "e1" in US_CENTRAL that is PENDING_ACCEPTANCE
    When I delete endpoint "e1"
    And endpoint "e1" is gone within 3 minutes
    And I stop requiring private networking
    Then the request succeeds with status 200
