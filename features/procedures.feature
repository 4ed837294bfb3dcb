Feature: The seed document's procedures
  "Manage Customer Keys with Azure Key Vault Over Private Endpoints", step by step.

  @procedure @EAR-CRED-01 @EAR-CRED-05
  Scenario: Enable Customer-Managed Keys for a Project
    Given a project with customer-managed keys
    When I read the encryption configuration
    Then the request succeeds with status 200
    And the key is valid
    And the answer holds no secret

  @procedure @EAR-ORD-03 @EAR-PE-03 @needs-azure
  Scenario: Enable and Set up Private Endpoint Connections for a Project
    Given a project with customer-managed keys over private networking
    When I create an endpoint "central" in US_CENTRAL
    Then the request succeeds with status 202
    And endpoint "central" is PENDING_ACCEPTANCE within 3 minutes
    When Azure approves endpoint "central"
    Then endpoint "central" is ACTIVE within 3 minutes

  @procedure @EAR-ORD-01 @needs-azure
  Scenario: Enable Customer Key Management for an Atlas Cluster
    Given a project with customer-managed keys over private networking
    And an endpoint "central" in US_CENTRAL that is ACTIVE
    And a cluster "existing" in US_CENTRAL
    When I turn on customer-managed keys for cluster "existing"
    Then the request succeeds with status 200

  @procedure @EAR-PE-01 @needs-azure
  Scenario: Create New Endpoints for a Project
    Given a project with customer-managed keys over private networking
    And an endpoint "central" in US_CENTRAL that is ACTIVE
    When I create an endpoint "east" in US_EAST_2
    Then the request succeeds with status 202
    And endpoint "east" is PENDING_ACCEPTANCE within 3 minutes

  @procedure @EAR-PE-04 @needs-azure
  Scenario: Reject or Remove Private Endpoint Connection
    Given a project with customer-managed keys over private networking
    And an endpoint "central" in US_CENTRAL that is ACTIVE
    When Azure removes endpoint "central"
    Then endpoint "central" is PENDING_RECREATION
    And a new endpoint "again" is INITIATING in US_CENTRAL

  @procedure @EAR-PE-09
  Scenario: View Private Endpoints and their Statuses
    Given a project with customer-managed keys over private networking
    And an endpoint "central" in US_CENTRAL that is INITIATING
    Then endpoint "central" is INITIATING

  @procedure @EAR-PN-01 @destructive
  Scenario: Disable Private Endpoint Connections for a Project
    Given a project with customer-managed keys over private networking
    And an endpoint "central" in US_CENTRAL that is PENDING_ACCEPTANCE
    When I delete endpoint "central"
    And endpoint "central" is gone within 3 minutes
    And I stop requiring private networking
    Then the request succeeds with status 200

  @procedure @EAR-DIS-01 @EAR-DIS-02 @destructive
  Scenario: Disable Customer-Managed Keys for a Project
    Given a project with customer-managed keys
    And a cluster "c1" in US_CENTRAL
    When I disable customer-managed keys
    Then the request succeeds with status 200

  @procedure @EAR-KEY-01 @needs-azure
  Scenario: Revoke Access to an Encryption Key
    Given a project with customer-managed keys
    And a cluster "c1" in US_CENTRAL with customer-managed keys
    When Azure revokes Atlas's access to the key
    Then cluster "c1" is paused

  @procedure @EAR-ROT-01 @EAR-IMM-02 @needs-azure
  Scenario: Rotate your Azure Key Identifier
    Given a project with customer-managed keys
    And Azure holds a new key "https://EXAMPLEKeyVault.vault.azure.net/keys/AtlasKMSKey/a241124e3d364e9eb99fbd3e11124b23"
    When I change the key identifier to "https://EXAMPLEKeyVault.vault.azure.net/keys/AtlasKMSKey/a241124e3d364e9eb99fbd3e11124b23"
    Then the request succeeds with status 200
