#!/usr/bin/env bash
# Policy-check runs of `make bench` (docs/BENCHMARKS.md, issue 5). In one run,
# on the same 1,000 plan files (the example plans, copied round-robin): earsim
# check against conftest with the same policies (--namespace earsim.terraform),
# wall time and peak RSS; then one file end to end, start-up included, for
# earsim check, conftest and `opa eval` (the pinned OPA). conftest is built
# into .cache/ from the pinned version when missing (CONFTEST=path to reuse).
set -euo pipefail
cd "$(dirname "$0")/.."

CONFTEST_VERSION=${CONFTEST_VERSION:-v0.71.1}
CONFTEST=${CONFTEST:-.cache/conftest/conftest}
if [ ! -x "$CONFTEST" ]; then
  mkdir -p .cache/conftest
  GOBIN=$PWD/.cache/conftest go install "github.com/open-policy-agent/conftest@$CONFTEST_VERSION"
fi
go build -o bin/earsim ./cmd/earsim
OPA=$(go tool -n opa)

dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
mapfile -t plans < <(ls examples/*.json examples/clean/*.json)
for i in $(seq 1 1000); do cp "${plans[$(( i % ${#plans[@]} ))]}" "$dir/p$i.json"; done
one=examples/imm-01-vault-rename.json

# run LABEL CMD...: wall seconds and peak RSS of one run (exit 1 is a finding, not a failure)
run() { local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$dir/time" "$@" >/dev/null 2>&1 || true
  read -r secs kb < <(tail -n 1 "$dir/time"); echo "| $label | $secs | $(( kb / 1024 )) |"; }

echo "1,000 plans (same files, same policies), $(nproc) cores"
echo "| run | seconds | peak RSS MB |"
echo "|---|---|---|"
for _ in 1 2 3; do
  run "earsim check --format json (1,000 files)" bin/earsim check --format json "$dir"/*.json
  run "conftest test --namespace earsim.terraform (1,000 files)" "$CONFTEST" test --policy policies --namespace earsim.terraform --output json "$dir"/*.json
done
echo
echo "one file end to end, start-up included"
echo "| run | seconds | peak RSS MB |"
echo "|---|---|---|"
for _ in 1 2 3; do
  run "earsim check" bin/earsim check "$one"
  run "conftest test" "$CONFTEST" test --policy policies --namespace earsim.terraform "$one"
  run "opa eval (pinned)" "$OPA" eval -d policies --ignore '*_test.rego' -i "$one" data.earsim.terraform.findings
done
