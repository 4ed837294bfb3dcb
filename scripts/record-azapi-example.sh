#!/usr/bin/env bash
# Applies the mongodbatlas provider's own example for this feature,
# examples/mongodbatlas_encryption_at_rest_private_endpoint/azure (provider
# v2.16.0), UNCHANGED against `earsim serve --tls`, its approval made by azapi
# over ARM (no --azure-auto-approve), and records the whole conversation
# (Entra ID, ARM, Atlas) as the fixture atlasapi's
# TestTerraformProviderFixture replays without the providers.
#
# The example is public code and is not kept in this repository; give its
# directory as the first argument. To get it: with the `fetch` tool (or git
# clone) of github.com/mongodb/terraform-provider-mongodbatlas,
#   git --git-dir=MIRROR archive v2.16.0 \
#     examples/mongodbatlas_encryption_at_rest_private_endpoint/azure | tar -x -C DIR
# and pass DIR/examples/mongodbatlas_encryption_at_rest_private_endpoint/azure.
#
# Its .tf files are copied as they are into a temporary directory; beside them
# go only override files (*_override.tf: where the providers point, azapi's
# version, azapi 2.x's body as an object) and a tfvars file (the fresh world's
# seed values, API.md "A fresh world"). Then: init, apply (the endpoint goes
# INITIATING -> PENDING_ACCEPTANCE -> approved by azapi -> ACTIVE after the
# approval lag), a plan that must be clean (-detailed-exitcode 0), destroy.
#
# Needs OpenTofu (or Terraform) with mongodbatlas 2.x and azapi 2.7 or later
# installed or mirrored: TOFU=/path/to/tofu, and TF_CLI_CONFIG_FILE for a
# local mirror. Azure's clients send tokens only over TLS, so serve runs with
# --tls and a CA of this run's own, trusted through SSL_CERT_FILE.
# Usage: scripts/record-azapi-example.sh EXAMPLE_DIR [OUT.jsonl]
#   PORT (default 18443) for another port; WORLD=job-1 runs everything under
#   the world prefix /w/job-1/ (API.md "Worlds") and records nothing unless
#   OUT is given (MSAL asks the root's Entra ID for azapi's token; a serve's
#   Entra ID tokens act in every world: README "The provider's example,
#   approval included").
set -euo pipefail
if [ $# -lt 1 ] || [ ! -f "$1/main.tf" ]; then
  echo "usage: $0 EXAMPLE_DIR [OUT.jsonl]: EXAMPLE_DIR holds the example's main.tf (examples/mongodbatlas_encryption_at_rest_private_endpoint/azure of the provider v2.16.0)" >&2
  exit 2
fi
example=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
world=${WORLD:-}
if [ -n "$world" ]; then out=${2:-}; else out=${2:-atlasapi/testdata/azapi-example.jsonl}; fi
tofu=${TOFU:-tofu}
port=${PORT:-18443}
work=$(mktemp -d)
serve=
trap '[ -n "$serve" ] && kill "$serve" 2>/dev/null; rm -rf "$work"' EXIT
base="https://127.0.0.1:$port/"
[ -n "$world" ] && base="${base}w/$world/"
. scripts/azapi-example-module.sh
azapi_example_module "$example" "$work/module" "$base"

trace=$work/trace.jsonl
azapi_example_serve "$work" "$port" --trace "$trace"

step() { echo "== $*" >&2; }
cd "$work/module"
log=$work/tofu.log
run() { # a command's output goes to the log, and to stderr when it fails
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; return 1; fi
}
step init;  run "$tofu" init -input=false -no-color
step apply; run "$tofu" apply -auto-approve -input=false -no-color
grep -E '^(number_of_endpoints|endpoint_connection_name) =' "$log" >&2 || true
# azapi's PUT approved the connection; Atlas shows it ACTIVE after the
# approval lag (EAR-LAG-01, up to 180 logical seconds: 6 s at --time-scale 30).
azapi_example_wait_active "$base"
step plan
set +e
"$tofu" plan -detailed-exitcode -input=false -no-color -out="$work/plan.bin" >"$log" 2>&1
code=$?
set -e
if [ "$code" = 2 ]; then
  # The plural data source is read at plan time, before the endpoint exists:
  # after the first apply it reads one endpoint more, as against Atlas. That
  # output is the only change allowed; then one more apply, and a clean plan.
  "$tofu" show -json "$work/plan.bin" >"$work/plan.json"
  changed=$(jq -r '[(.resource_changes // [])[] | select(.change.actions != ["no-op"] and .change.actions != ["read"]) | .address]
    + [(.output_changes // {}) | to_entries[] | select(.value.actions != ["no-op"]) | "output." + .key] | join(" ")' "$work/plan.json")
  [ "$changed" = output.number_of_endpoints ] || { cat "$log" >&2; echo "the second plan changes: $changed" >&2; exit 1; }
  step "plan: only output.number_of_endpoints changes ($(jq -c '.output_changes.number_of_endpoints | [.before, .after]' "$work/plan.json")); applying once more"
  run "$tofu" apply -auto-approve -input=false -no-color
  step plan; run "$tofu" plan -detailed-exitcode -input=false -no-color
elif [ "$code" != 0 ]; then
  cat "$log" >&2; exit 1
fi
step "plan clean"
step destroy; run "$tofu" destroy -auto-approve -input=false -no-color
cd - >/dev/null
kill "$serve"; wait "$serve" 2>/dev/null || true; serve=
if [ -n "$out" ]; then
  mkdir -p "$(dirname "$out")"
  mv "$trace" "$out"
  chmod 644 "$out"
  echo "recorded $(wc -l <"$out") requests in $out" >&2
else
  echo "ran in world $world; $(wc -l <"$trace") requests, not recorded" >&2
fi
