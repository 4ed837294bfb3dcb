Feature: Roles

  @EAR-CL-01 @needs-roles
  Scenario: Project Read Only reads the configuration but cannot change it
    Given a project with customer-managed keys
    When a read-only user reads the encryption configuration
    Then the request succeeds with status 200
    When a read-only user changes the key vault name to "another-vault"
    Then the request is refused with status 403 and error code USER_UNAUTHORIZED
