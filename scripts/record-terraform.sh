#!/usr/bin/env bash
# Records what the official Terraform provider sends to earsim serve through
# the whole life of examples/terraform/ (apply, a clean re-plan, the refused
# vault rename (EAR-IMM-01) and private-networking-off (EAR-PN-01), a key
# rotation (EAR-IMM-02), a clean re-plan, destroy) as the fixture that
# atlasapi's TestTerraformProviderFixture replays without the provider.
#
# Needs OpenTofu (or Terraform) with the mongodbatlas provider installed or
# mirrored: TOFU=/path/to/tofu, and TF_CLI_CONFIG_FILE for a local mirror.
# Usage: scripts/record-terraform.sh [OUT.jsonl]   (MODULE=examples/terraform-v2
# for the provider 2.x module, PORT for another port; AUTH=sa logs the
# provider 2.x in with the development service account instead of the digest
# key, through an override file beside the module's own, which stays as it is)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-atlasapi/testdata/terraform-provider.jsonl}
tofu=${TOFU:-tofu}
port=${PORT:-18090}
work=$(mktemp -d)
trap 'kill $serve 2>/dev/null || true; rm -rf "$work"' EXIT
cp "${MODULE:-examples/terraform}"/*.tf "$work/"
if [ "${AUTH:-}" = sa ]; then
  cat >"$work/sa_override.tf" <<'HCL'
# The provider 2.x's recommended login: a service account (OAuth 2.0 client
# credentials), earsim serve's development one (API.md "Auth").
provider "mongodbatlas" {
  base_url      = var.atlas_base_url
  public_key    = null
  private_key   = null
  client_id     = "mdb_sa_id_00000000000000000000eada"
  client_secret = "mdb_sa_sk_0000000000000000000000000000000000000000"
}
HCL
fi
go build -o "$work/earsim" ./cmd/earsim
mkdir -p "$(dirname "$out")"
rm -f "$out.tmp"
"$work/earsim" serve --addr "127.0.0.1:$port" --time-scale 30 --azure-auto-approve 30s --trace "$out.tmp" 2>"$work/serve.log" &
serve=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/_sim/v1/clock" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/_sim/v1/clock" >/dev/null || { cat "$work/serve.log" >&2; exit 2; }
base="-var atlas_base_url=http://127.0.0.1:$port/"
rotated=https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/00000000000000000000000000000002
step() { echo "== $*" >&2; }
cd "$work"
step init;    "$tofu" init -input=false -no-color >/dev/null
step apply;   "$tofu" apply -auto-approve -input=false -no-color $base >/dev/null
step plan;    "$tofu" plan -detailed-exitcode -input=false -no-color $base >/dev/null
step "vault rename (refused: EAR-IMM-01)"
if "$tofu" apply -auto-approve -input=false -no-color $base -var azure_key_vault_name=OtherVault \
  -var azure_key_identifier=https://OtherVault.vault.azure.net/keys/k/00000000000000000000000000000001 >/dev/null 2>&1; then
  echo "the vault rename was accepted" >&2; exit 1
fi
step "private networking off (refused: EAR-PN-01)"
if "$tofu" apply -auto-approve -input=false -no-color $base -var require_private_networking=false >/dev/null 2>&1; then
  echo "private networking off was accepted" >&2; exit 1
fi
step "rotate to a new key version (EAR-IMM-02)"
curl -sf -X POST -H 'Content-Type: application/json' -d "{\"keyIdentifier\":\"$rotated\",\"enabled\":true}" "http://127.0.0.1:$port/_sim/v1/azure/keys" >/dev/null
"$tofu" apply -auto-approve -input=false -no-color $base -var azure_key_identifier=$rotated >/dev/null
"$tofu" plan -detailed-exitcode -input=false -no-color $base -var azure_key_identifier=$rotated >/dev/null
step destroy; "$tofu" destroy -auto-approve -input=false -no-color $base -var azure_key_identifier=$rotated >/dev/null
cd - >/dev/null
mv "$out.tmp" "$out"
chmod 644 "$out"
echo "recorded $(wc -l <"$out") requests in $out" >&2
