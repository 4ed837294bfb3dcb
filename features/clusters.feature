Feature: Clusters under customer-managed keys
  Which clusters may use customer-managed keys, in which order, and what
  private networking does to multi-cloud and multi-region clusters.

  @EAR-TIER-01
  Scenario: No customer-managed keys on an M0 cluster
    Given a project with customer-managed keys
    When I create an M0 cluster "free" with customer-managed keys
    Then the request is refused with status 400 and error code CANNOT_USE_ENCRYPTION_AT_REST_TENANT

  @EAR-TIER-01
  Scenario: No customer-managed keys on a Flex cluster
    Given a project with customer-managed keys
    When I create a Flex cluster "flex" with customer-managed keys
    Then the request is refused with status 400 and error code CANNOT_USE_ENCRYPTION_AT_REST_TENANT

  @EAR-TIER-02
  Scenario: Customer-managed keys need M10 or larger
    Given a project with customer-managed keys
    When I create a cluster "small" of size M5 with customer-managed keys
    Then the request is refused with status 400 and error code CANNOT_USE_ENCRYPTION_AT_REST_TENANT

  @EAR-TIER-03 @needs-legacy-clusters
  Scenario: Customer-managed keys refuse legacy backup (the v1.0 cluster shape)
    Given a project with customer-managed keys
    When I create a cluster "old" with customer-managed keys and legacy backup
    Then the request is refused with status 400 and error code CANNOT_USE_ENCRYPTION_AT_REST_BACKUP_TYPE

  @EAR-TIER-03
  Scenario: Cloud Backup (backupEnabled in API v2) is allowed with customer-managed keys
    Given a project with customer-managed keys
    When I create a cluster "cb" with customer-managed keys and cloud backup
    Then the request succeeds with status 201

  @EAR-ORD-01
  Scenario: Customer-managed keys for the project before a cluster
    When I create a cluster "c1" in US_CENTRAL with customer-managed keys
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_NOT_ENABLED

  @EAR-ORD-01 @EAR-TIER-02
  Scenario: An M10 cluster uses customer-managed keys once the project does
    Given a project with customer-managed keys
    When I create a cluster "c1" in US_CENTRAL with customer-managed keys
    Then the request succeeds with status 201

  @EAR-PROJ-02
  Scenario: Requiring private networking disables multi-cloud clusters
    Given a project with customer-managed keys
    And a multi-cloud cluster "multi"
    When I require private networking
    Then the request succeeds with status 200
    And cluster "multi" is paused
    When I resume cluster "multi"
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_PRIVATE_NETWORKING_MULTI_CLOUD_UNSUPPORTED

  @EAR-PROJ-03
  Scenario: No new multi-cloud clusters under private networking
    Given a project with customer-managed keys over private networking
    When I create a multi-cloud cluster "multi"
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_PRIVATE_NETWORKING_MULTI_CLOUD_UNSUPPORTED

  @EAR-MR-02 @needs-azure
  Scenario: New clusters only in regions with approved endpoints
    Given a project with customer-managed keys over private networking
    And an endpoint "e1" in US_CENTRAL that is ACTIVE
    When I create a cluster "wide" in US_CENTRAL, US_EAST_2
    Then the request is refused with status 400 and error code ENCRYPTION_AT_REST_PRIVATE_ENDPOINT_REGION_NOT_APPROVED
    When I create a cluster "near" in US_CENTRAL
    Then the request succeeds with status 201
