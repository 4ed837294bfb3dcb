Feature: Private endpoint lifecycle
  Atlas creates one private endpoint per Azure region, Azure approves it, and
  deleting it takes it through DELETING (RULES.md section 2).

  Background:
    Given a project with customer-managed keys over private networking

  @EAR-PE-01 @EAR-PE-09
  Scenario: A new endpoint starts INITIATING
    When I create an endpoint "e1" in US_CENTRAL
    Then the request succeeds with status 202
    And endpoint "e1" is INITIATING

  @EAR-PE-01
  Scenario: An endpoint needs an Azure region
    When I create an endpoint "e1" in US_EAST_1
    Then the request is refused with status 400 and error code INVALID_REGION

  @EAR-PE-02 @EAR-LAG-01
  Scenario: Provisioning ends in PENDING_ACCEPTANCE
    When I create an endpoint "e1" in US_CENTRAL
    Then endpoint "e1" is PENDING_ACCEPTANCE within 3 minutes

  @EAR-PE-03 @EAR-LAG-01 @needs-azure
  Scenario: Approval shows as ACTIVE within three minutes
    Given an endpoint "e1" in US_CENTRAL that is PENDING_ACCEPTANCE
    When Azure approves endpoint "e1"
    Then endpoint "e1" is ACTIVE within 3 minutes

  @EAR-PE-04 @needs-azure
  Scenario: A rejected connection is recreated in the same region
    Given an endpoint "e1" in US_CENTRAL that is ACTIVE
    When Azure rejects endpoint "e1"
    Then endpoint "e1" is PENDING_RECREATION
    And a new endpoint "e2" is INITIATING in US_CENTRAL
    And endpoint "e2" is PENDING_ACCEPTANCE within 3 minutes

  @EAR-PE-05 @destructive
  Scenario: A deleted endpoint goes through DELETING
    Given an endpoint "e1" in US_CENTRAL that is PENDING_ACCEPTANCE
    When I delete endpoint "e1"
    Then the request succeeds with status 204
    And endpoint "e1" is DELETING
    And endpoint "e1" is gone within 3 minutes

  @EAR-PE-06 @destructive
  Scenario: An endpoint cannot be deleted while it is provisioned
    Given an endpoint "e1" in US_CENTRAL that is INITIATING
    When I delete endpoint "e1"
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_DELETE_BLOCKED_DURING_PROVISIONING

  @EAR-PE-07
  Scenario: A region holds one live endpoint
    Given an endpoint "e1" in US_CENTRAL that is INITIATING
    When I create an endpoint "e2" in US_CENTRAL
    Then the request is refused with status 409 and error code ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_ALREADY_EXISTS
