# Encryption at rest with customer keys in Azure Key Vault over private
# endpoints, as the mongodbatlas provider's own example sets it up, written
# to run against `earsim serve` (see the README's "Terraform against earsim").
# The defaults are the fresh world of earsim serve (API.md): the seed's
# EXAMPLEKeyVault vault, its app registration and the development key. They
# are public fakes; against Atlas, pass your own.

terraform {
  required_providers {
    mongodbatlas = {
      source  = "mongodb/mongodbatlas"
      version = "~> 1.21"
    }
  }
}

provider "mongodbatlas" {
  base_url    = var.atlas_base_url
  public_key  = var.atlas_public_key
  private_key = var.atlas_private_key
}

resource "mongodbatlas_project" "this" {
  name   = var.project_name
  org_id = var.atlas_org_id
}

resource "mongodbatlas_encryption_at_rest" "ear" {
  project_id = mongodbatlas_project.this.id

  azure_key_vault_config {
    enabled                    = var.encryption_enabled
    require_private_networking = var.require_private_networking

    azure_environment   = "AZURE"
    tenant_id           = var.azure_tenant_id
    subscription_id     = var.azure_subscription_id
    client_id           = var.azure_client_id
    secret              = var.azure_client_secret
    resource_group_name = var.azure_resource_group_name
    key_vault_name      = var.azure_key_vault_name
    key_identifier      = var.azure_key_identifier
  }
}

# One endpoint per region of the cluster (EAR-MR-01). The provider waits for
# each to reach PENDING_ACCEPTANCE; approving the connection is Azure's part
# (earsim serve --azure-auto-approve, or the control route, or the console).
resource "mongodbatlas_encryption_at_rest_private_endpoint" "endpoint" {
  for_each = toset(var.azure_region_names)

  project_id     = mongodbatlas_encryption_at_rest.ear.project_id
  cloud_provider = "AZURE"
  region_name    = each.value
}

resource "mongodbatlas_advanced_cluster" "cluster" {
  count = var.create_cluster ? 1 : 0

  project_id                  = mongodbatlas_encryption_at_rest.ear.project_id
  name                        = var.cluster_name
  cluster_type                = "REPLICASET"
  backup_enabled              = true # Cloud Backup: allowed with CMK (EAR-TIER-03)
  encryption_at_rest_provider = "AZURE"

  replication_specs {
    region_configs {
      provider_name = "AZURE"
      region_name   = var.azure_region_names[0]
      priority      = 7
      electable_specs {
        instance_size = "M10"
        node_count    = 3
      }
    }
  }

  depends_on = [mongodbatlas_encryption_at_rest_private_endpoint.endpoint]
}

data "mongodbatlas_encryption_at_rest" "current" {
  project_id = mongodbatlas_encryption_at_rest.ear.project_id
  depends_on = [mongodbatlas_encryption_at_rest_private_endpoint.endpoint]
}

data "mongodbatlas_encryption_at_rest_private_endpoints" "all" {
  project_id     = mongodbatlas_encryption_at_rest.ear.project_id
  cloud_provider = "AZURE"
  depends_on     = [mongodbatlas_encryption_at_rest_private_endpoint.endpoint]
}

output "project_id" {
  value = mongodbatlas_project.this.id
}

output "endpoint_status" {
  value = { for region, e in mongodbatlas_encryption_at_rest_private_endpoint.endpoint : region => e.status }
}

output "encryption_valid" {
  value = data.mongodbatlas_encryption_at_rest.current.azure_key_vault_config.valid
}

output "number_of_endpoints" {
  value = length(data.mongodbatlas_encryption_at_rest_private_endpoints.all.results)
}
