#!/usr/bin/env bash
# Writes real plans (tofu show -json) of examples/terraform/ against earsim
# serve, for earsim check's examples (issue: check in apply order): a
# teardown of the whole module, endpoints only, the config removed with its
# endpoints, CMK off once no endpoint is left, and the module used as a
# child module. Needs OpenTofu (or Terraform) with the mongodbatlas provider
# installed or mirrored: TOFU=/path/to/tofu, TF_CLI_CONFIG_FILE for a mirror.
# Usage: scripts/terraform-plans.sh [OUTDIR]   (default examples/clean)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(cd "${1:-examples/clean}" && pwd)
tofu=${TOFU:-tofu}
port=${PORT:-18091}
work=$(mktemp -d)
trap 'kill $serve 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/ear" "$work/parent"
cp examples/terraform/*.tf "$work/ear/"
go build -o "$work/earsim" ./cmd/earsim
"$work/earsim" serve --addr "127.0.0.1:$port" --time-scale 60 --azure-auto-approve 10s 2>"$work/serve.log" &
serve=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/_sim/v1/clock" >/dev/null && break; sleep 0.5; done
base="-var atlas_base_url=http://127.0.0.1:$port/ -var create_cluster=false"
show() { "$tofu" show -json "$1" | python3 -m json.tool --indent 2 > "$2"; echo "wrote $2" >&2; }
cd "$work/ear"
"$tofu" init -input=false -no-color >/dev/null
"$tofu" apply -auto-approve -input=false -no-color $base >/dev/null
"$tofu" plan -destroy -out=destroy.plan -input=false -no-color $base >/dev/null
show destroy.plan "$out/plan-teardown-module.json"
"$tofu" plan -destroy -target=mongodbatlas_encryption_at_rest.ear -out=config.plan -input=false -no-color $base >/dev/null
show config.plan "$out/plan-remove-config-with-endpoints.json"
"$tofu" plan -out=endpoints.plan -input=false -no-color $base -var 'azure_region_names=[]' >/dev/null
show endpoints.plan "$out/plan-teardown-endpoints-only.json"
"$tofu" apply -auto-approve -input=false -no-color $base -var 'azure_region_names=[]' >/dev/null
"$tofu" plan -out=off.plan -input=false -no-color $base -var 'azure_region_names=[]' -var encryption_enabled=false -var require_private_networking=false >/dev/null
show off.plan "$out/plan-cmk-off-without-endpoints.json"
"$tofu" destroy -auto-approve -input=false -no-color $base -var 'azure_region_names=[]' >/dev/null
cd "$work/parent"
cat > main.tf <<'HCL'
module "ear" {
  source         = "../ear"
  atlas_base_url = var.atlas_base_url
  create_cluster = false
  project_name   = "ear-as-a-module"
}
variable "atlas_base_url" { type = string }
HCL
"$tofu" init -input=false -no-color >/dev/null
"$tofu" plan -out=module.plan -input=false -no-color -var "atlas_base_url=http://127.0.0.1:$port/" >/dev/null
show module.plan "$out/plan-module-create.json"
