# Sourced by scripts/record-azapi-example.sh and scripts/azapi-plans.sh:
# azapi_example_serve starts earsim serve --tls for them, and
# azapi_example_module lays out the
# mongodbatlas provider's own example for this feature
# (examples/mongodbatlas_encryption_at_rest_private_endpoint/azure, provider
# v2.16.0) made ready for `earsim serve --tls` with nothing changed in its
# files: they are copied as they are, and beside them go only an override file
# (*_override.tf: where the providers point, azapi's version, azapi 2.x's body
# as an object) and a tfvars file (the fresh world's seed values, API.md "A
# fresh world"). README "The provider's example, approval included" shows both.

# azapi_example_module EXAMPLE_DIR MODULE_DIR BASE_URL
azapi_example_module() {
  local example=$1 module=$2 base=$3
  mkdir -p "$module"
  cp "$example"/*.tf "$module/"
  cat >"$module/earsim_override.tf" <<HCL
# earsim serve --tls answers Atlas, Azure Resource Manager and Entra ID at one
# address (README "The provider's example, approval included").
provider "mongodbatlas" {
  base_url = "$base"
}

provider "azapi" {
  endpoint = [{
    resource_manager_endpoint       = "$base"
    active_directory_authority_host = "$base"
  }]
  # Instance discovery asks the public cloud about any authority it does not
  # know; azapi 2.7 and later can turn it off.
  disable_instance_discovery = true
}

terraform {
  required_providers {
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.7"
    }
  }
}

# azapi 2.x takes the body as an object, not jsonencode(...).
resource "azapi_update_resource" "approval" {
  body = {
    properties = {
      privateLinkServiceConnectionState = {
        description = "Approved via Terraform"
        status      = "Approved"
      }
    }
  }
}
HCL

  # The fresh world's values (API.md "A fresh world"): earsim's development
  # service account, the seed's project, the EXAMPLEKeyVault app registration.
  cat >"$module/earsim.auto.tfvars" <<'HCL'
atlas_client_id           = "mdb_sa_id_00000000000000000000eada"
atlas_client_secret       = "mdb_sa_sk_0000000000000000000000000000000000000000"
atlas_project_id          = "66c9e8f1dd6c9960802420e9"
azure_tenant_id           = "ee46317d-36a3-4472-a3dd-6549e901da0b"
azure_client_id           = "632ff709-32a8-48a3-8224-30d2386fadaf"
azure_client_secret       = "example-key-vault-secret"
azure_subscription_id     = "a39012fb-d604-4cd1-8841-77f705f3e6d5"
azure_resource_group_name = "example-rg"
azure_key_vault_name      = "EXAMPLEKeyVault"
azure_key_identifier      = "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86"
azure_region_name         = "US_CENTRAL"
HCL
}

# azapi_example_serve WORK PORT [SERVE_ARGS...]: builds earsim into WORK,
# starts `earsim serve --tls --time-scale 30` on 127.0.0.1:PORT with a CA of
# this run's own, waits until it answers, and exports SSL_CERT_FILE for the
# providers; sets serve (its pid, for the caller's trap) and ca.
azapi_example_serve() {
  local work=$1 port=$2
  shift 2
  go build -o "$work/earsim" ./cmd/earsim
  : >"$work/serve.log"
  "$work/earsim" serve --addr "127.0.0.1:$port" --tls --tls-dir "$work/tls" --time-scale 30 "$@" 2>"$work/serve.log" &
  serve=$!
  ca=
  for _ in $(seq 60); do
    ca=$(sed -n 's/.*trust it with SSL_CERT_FILE=\([^;]*\);.*/\1/p' "$work/serve.log")
    [ -n "$ca" ] && curl -sf --cacert "$ca" "https://127.0.0.1:$port/_sim/v1/clock" >/dev/null && break
    sleep 0.5
  done
  [ -n "$ca" ] && curl -sf --cacert "$ca" "https://127.0.0.1:$port/_sim/v1/clock" >/dev/null || { cat "$work/serve.log" >&2; exit 2; }
  export SSL_CERT_FILE=$ca
}

# azapi_example_wait_active BASE_URL: waits until the world's one endpoint is
# ACTIVE (Atlas shows azapi's approval after the lag, EAR-LAG-01: up to 180
# logical seconds, 6 s at --time-scale 30); exits 1 if it does not become so.
# Needs jq, and step() and ca from the caller.
azapi_example_wait_active() {
  local base=$1 status=
  for _ in $(seq 60); do
    status=$(curl -sf --cacert "$ca" "${base}_sim/v1/state" | jq -r '[.state.projects[].endpoints[].status] | join(",")')
    [ "$status" = ACTIVE ] && break
    sleep 0.5
  done
  step "endpoint: ${status:-none}"
  [ "$status" = ACTIVE ] || { echo "the endpoint is not ACTIVE after the approval lag" >&2; exit 1; }
}
