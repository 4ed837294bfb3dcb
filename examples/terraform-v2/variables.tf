variable "atlas_base_url" {
  description = "The Atlas Administration API: earsim serve's address, with a trailing slash."
  type        = string
  default     = "http://127.0.0.1:8080/"
}

variable "atlas_public_key" {
  description = "API public key: earsim serve's development key by default."
  type        = string
  default     = "earsimdv"
}

variable "atlas_private_key" {
  description = "API private key: earsim serve's development key by default (a public fake)."
  type        = string
  default     = "00000000-0000-4000-8000-000000000000"
  sensitive   = true
}

variable "atlas_org_id" {
  description = "The organization: the one of earsim serve's fresh world."
  type        = string
  default     = "a0000000000000000000000a"
}

variable "project_name" {
  type    = string
  default = "ear-over-private-link"
}

variable "azure_tenant_id" {
  type    = string
  default = "ee46317d-36a3-4472-a3dd-6549e901da0b"
}

variable "azure_subscription_id" {
  type    = string
  default = "a39012fb-d604-4cd1-8841-77f705f3e6d5"
}

variable "azure_client_id" {
  type    = string
  default = "632ff709-32a8-48a3-8224-30d2386fadaf"
}

variable "azure_client_secret" {
  description = "The app registration's secret (earsim's fresh world: a public fake)."
  type        = string
  default     = "example-key-vault-secret"
  sensitive   = true
}

variable "azure_resource_group_name" {
  type    = string
  default = "example-rg"
}

variable "azure_key_vault_name" {
  description = "Frozen once endpoints exist (EAR-IMM-01): changing it is refused."
  type        = string
  default     = "EXAMPLEKeyVault"
}

variable "azure_key_identifier" {
  description = "The key version in use; rotate by naming another version of a key in the same vault (EAR-IMM-02, EAR-ROT-01)."
  type        = string
  default     = "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86"
}

variable "azure_region_names" {
  description = "One private endpoint per region of the cluster (EAR-MR-01); the cluster uses the first."
  type        = list(string)
  default     = ["US_CENTRAL", "US_EAST_2"]
}

variable "create_cluster" {
  type    = bool
  default = true
}

variable "cluster_name" {
  type    = string
  default = "ear-cluster"
}

variable "encryption_enabled" {
  description = "Customer key management for the project. Off only once no endpoint exists (EAR-DIS-01)."
  type        = bool
  default     = true
}

variable "require_private_networking" {
  description = "Key Vault over private endpoints. Off only once no endpoint exists (EAR-PN-01)."
  type        = bool
  default     = true
}
