#!/usr/bin/env bash
# Writes real plans (tofu show -json) of the mongodbatlas provider's own
# example for this feature (examples/mongodbatlas_encryption_at_rest_private_endpoint/azure,
# provider v2.16.0), its approval by azapi, against `earsim serve --tls` (no
# --azure-auto-approve), for earsim check's examples (issue 22 item 3: azapi
# plans made for real):
#   clean/azure-provider-example-create.json      the example's first plan
#   clean/azure-provider-example-approval.json    the same with a CMK cluster in
#       the endpoint's region that depends_on the approval
#   clean/azure-provider-example-cluster-unordered.json  the same cluster
#       without the depends_on (the project has no ACTIVE endpoint yet)
#   (then the example is applied: approved by azapi, ACTIVE after the lag)
#   clean/azure-second-region-cluster-after-approval.json  a second endpoint
#       (US_EAST_2), its approval and a cluster in both regions that
#       depends_on that approval
#   mr-02-cluster-not-after-approval.json         the same without the depends_on
#   clean/azure-provider-example-teardown.json    tofu plan -destroy of the
#       applied example
#
# The example is public code and is not kept in this repository: give its
# directory as the first argument (scripts/record-azapi-example.sh says how to
# get it). Its .tf files are copied as they are into a temporary directory,
# with the override file and tfvars of scripts/azapi-example-module.sh; the
# cluster and the second region are files of our own added beside them
# (earsim_cluster.tf, earsim_second_region.tf: an override file can only
# change blocks the module has, so new resources go in a file of their own).
#
# Needs OpenTofu (or Terraform) with mongodbatlas 2.x and azapi 2.7 or later
# installed or mirrored: TOFU=/path/to/tofu, TF_CLI_CONFIG_FILE for a mirror.
# Usage: scripts/azapi-plans.sh EXAMPLE_DIR [OUTDIR]   (default examples)
#   PORT (default 18444) for another port.
set -euo pipefail
if [ $# -lt 1 ] || [ ! -f "$1/main.tf" ]; then
  echo "usage: $0 EXAMPLE_DIR [OUTDIR]: EXAMPLE_DIR holds the example's main.tf (examples/mongodbatlas_encryption_at_rest_private_endpoint/azure of the provider v2.16.0)" >&2
  exit 2
fi
example=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
out=$(cd "${2:-examples}" && pwd)
mkdir -p "$out/clean"
tofu=${TOFU:-tofu}
port=${PORT:-18444}
work=$(mktemp -d)
serve=
trap '[ -n "$serve" ] && kill "$serve" 2>/dev/null; rm -rf "$work"' EXIT
base="https://127.0.0.1:$port/"
. scripts/azapi-example-module.sh
azapi_example_module "$example" "$work/module" "$base"

azapi_example_serve "$work" "$port"

step() { echo "== $*" >&2; }
log=$work/tofu.log
run() { # a command's output goes to the log, and to stderr when it fails
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; return 1; fi
}
# show PLANFILE OUT: the plan ($work/PLANFILE) as tofu show -json writes it, indented.
show() {
  "$tofu" show -json "$work/$1" | python3 -m json.tool --indent 2 >"$out/$2"
  step "wrote $out/$2"
}
plan() { # plan PLANFILE [ARGS...]
  local f=$1; shift
  run "$tofu" plan -input=false -no-color -out="$work/$f" "$@"
}

# A CMK cluster (provider 2.x shape) in the regions given, after the approval
# named (none: nothing orders it after an approval).
cluster() { # cluster FILE REGIONS DEPENDS_ON
  local regions="" p=7 r
  for r in $2; do
    regions="$regions
      {
        provider_name = \"AZURE\"
        region_name   = $r
        priority      = $p
        electable_specs = {
          instance_size = \"M10\"
          node_count    = 3
        }
      },"
    p=$((p - 1))
  done
  cat >"$1" <<HCL
# A CMK cluster of our own beside the example (earsim's azapi-plans.sh).
resource "mongodbatlas_advanced_cluster" "orders" {
  project_id                  = mongodbatlas_encryption_at_rest.ear.project_id
  name                        = "orders"
  cluster_type                = "REPLICASET"
  backup_enabled              = true
  encryption_at_rest_provider = "AZURE"

  replication_specs = [{
    region_configs = [$regions
    ]
  }]
${3:+
  depends_on = [$3]}
}
HCL
}

cd "$work/module"
step init; run "$tofu" init -input=false -no-color

step "plan: the example's create"
plan create.plan
show create.plan clean/azure-provider-example-create.json

step "plan: the example and a cluster that depends on the approval"
cluster earsim_cluster.tf var.azure_region_name azapi_update_resource.approval
plan cluster.plan
show cluster.plan clean/azure-provider-example-approval.json
step "plan: the same cluster without the depends_on (no endpoint ACTIVE yet)"
cluster earsim_cluster.tf var.azure_region_name ""
plan unordered-fresh.plan
show unordered-fresh.plan clean/azure-provider-example-cluster-unordered.json
rm earsim_cluster.tf

step apply; run "$tofu" apply -auto-approve -input=false -no-color
# azapi approved the connection; Atlas shows it ACTIVE after the approval lag
# (EAR-LAG-01, up to 180 logical seconds: 6 s at --time-scale 30).
azapi_example_wait_active "$base"
# The plural data source read zero endpoints while planning the first apply:
# one more apply settles its output (README "The provider's example").
step "apply again (output number_of_endpoints)"; run "$tofu" apply -auto-approve -input=false -no-color
step "plan clean"; run "$tofu" plan -detailed-exitcode -input=false -no-color

cat >earsim_second_region.tf <<'HCL'
# A second region of our own beside the example (earsim's azapi-plans.sh):
# its endpoint and its approval, written as the example writes its own
# (azapi 2.x: the body as an object).
resource "mongodbatlas_encryption_at_rest_private_endpoint" "east" {
  project_id     = mongodbatlas_encryption_at_rest.ear.project_id
  cloud_provider = "AZURE"
  region_name    = "US_EAST_2"
}

resource "azapi_update_resource" "east" {
  type      = "Microsoft.KeyVault/Vaults/PrivateEndpointConnections@2023-07-01"
  name      = mongodbatlas_encryption_at_rest_private_endpoint.east.private_endpoint_connection_name
  parent_id = local.key_vault_resource_id

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
step "plan: a second region and a cluster in both that depends on its approval"
cluster earsim_cluster.tf 'var.azure_region_name "US_EAST_2"' azapi_update_resource.east
plan second.plan
show second.plan clean/azure-second-region-cluster-after-approval.json
step "plan: the same cluster without the depends_on"
cluster earsim_cluster.tf 'var.azure_region_name "US_EAST_2"' ""
plan unordered.plan
show unordered.plan mr-02-cluster-not-after-approval.json
rm earsim_cluster.tf earsim_second_region.tf

step "plan -destroy"
plan destroy.plan -destroy
show destroy.plan clean/azure-provider-example-teardown.json
step destroy; run "$tofu" destroy -auto-approve -input=false -no-color
cd - >/dev/null
kill "$serve"; wait "$serve" 2>/dev/null || true; serve=
