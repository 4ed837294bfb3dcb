Feature: Consequences the rules name
  Effects and hazards that follow from a request or an Azure event. They are
  read from the target's effects (earsim's simulator and mock report them).

  @EAR-NET-01 @EAR-PE-08 @needs-azure
  Scenario: Without Microsoft.Network registered, provisioning fails and says why
    Given a project with customer-managed keys over private networking
    And Microsoft.Network is not registered for the vault's subscription
    When I create an endpoint "e1" in US_CENTRAL
    Then endpoint "e1" is FAILED within 3 minutes
    And endpoint "e1" says why it failed

  @EAR-MR-01 @needs-effects
  Scenario: A CMK cluster region without an ACTIVE endpoint cannot reach the key
    Given a project with customer-managed keys
    And a cluster "mr" in US_CENTRAL, US_EAST_2 with customer-managed keys
    When I require private networking
    Then the effect KmsNetworkAccessDenied is reported for cluster "mr"

  @EAR-MIG-01 @EAR-CL-02 @needs-azure @needs-effects
  Scenario: A CMK cluster migrates to the private endpoint once its region has an ACTIVE endpoint
    Given a project with customer-managed keys over private networking
    And a cluster "c1" in US_CENTRAL with customer-managed keys
    And an endpoint "e1" in US_CENTRAL that is ACTIVE
    Then the effect ClusterMigratedToPrivateEndpoint is reported for cluster "c1"

  @EAR-CL-02 @needs-azure @needs-effects
  Scenario: A cluster with a region lacking an endpoint does not migrate
    Given a project with customer-managed keys over private networking
    And a cluster "mr" in US_CENTRAL, US_EAST_2 with customer-managed keys
    And an endpoint "e1" in US_CENTRAL that is ACTIVE
    Then the effect ClusterMigratedToPrivateEndpoint is not reported

  @EAR-KEY-02 @needs-azure @needs-effects
  Scenario: Disabling the key in use makes the data inaccessible
    Given a project with customer-managed keys
    And a cluster "c1" in US_CENTRAL with customer-managed keys
    When Azure disables the key "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86"
    Then the effect DataInaccessible is reported for cluster "c1"
    And the key is not valid

  @EAR-ROT-02 @EAR-IMM-02 @needs-azure @needs-effects
  Scenario: Deleting the old key while snapshots use it makes them unrestorable
    Given a project with customer-managed keys over private networking
    And a cluster "c1" in US_CENTRAL with customer-managed keys
    And a snapshot of cluster "c1"
    And an endpoint "e1" in US_CENTRAL that is ACTIVE
    And Azure holds a new key "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/a241124e3d364e9eb99fbd3e11124b23"
    When I change the key identifier to "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/a241124e3d364e9eb99fbd3e11124b23"
    Then the request succeeds with status 200
    When Azure deletes the key "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86"
    Then the effect SnapshotsUnrestorable is reported for cluster "c1"
    And the effect DataInaccessible is reported
