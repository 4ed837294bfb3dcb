#!/usr/bin/env bash
# Server CPU of `earsim serve` against the world's size, measured from outside
# (issue 24's first row, "the same 200 GETs + 20 project create/delete pairs, a
# world of 1 project vs 2,000"). Only HTTP and /proc are used, as a user would:
#
#  1. builds bin/earsim (into $OUT), starts `serve --time-scale 0` and sets one
#     project up through the API with the development key (digest): CMK in Azure
#     Key Vault with private networking required, an endpoint approved through
#     the control route and ACTIVE, a CMK cluster IDLE; exports the world
#     (GET /_sim/v1/state);
#  2. writes a world of $PROJECTS projects: that project replicated with fresh
#     project, endpoint and cluster ids and names (jq);
#  3. for each --time-scale in $SCALES, $RUNS rounds, each round a fresh serve
#     per world, interleaved (1, N, 1, N, ...): PUT the world, wait 1 s, read
#     the process's utime+stime from /proc/PID/stat, send the load, read it again.
#     The load: 200 digest-authenticated GETs on the original project (the
#     encryption-at-rest config, the endpoint list, the project, in turn, one
#     curl process on one connection) and 20 project create/delete pairs
#     (POST /groups, DELETE /groups/{id}). Any answer other than 200/204 fails.
#
#   PERF=DIR scripts/worldsize-cpu.sh           # also `perf record -g` of serve during the measured loads,
#                                               # DIR/scale-S-projects-N-round-R.data (perf report -i ...)
#
# Prints a markdown table: CPU (ms) of the load with 1 and with $PROJECTS
# projects, and their ratio, per round; then the median ratio per scale.
# /proc's CPU has a resolution of 1/CLK_TCK (10 ms here).
#
#   scripts/worldsize-cpu.sh                    # RUNS=3 PROJECTS=2000 SCALES="1 0"
#   RUNS=5 PROJECTS=10000 scripts/worldsize-cpu.sh
#   PROFILE=1 scripts/worldsize-cpu.sh          # also the GETs' and the pairs' share, the import time
#                                               # and the RSS, per world
#   REPEAT=5 scripts/worldsize-cpu.sh           # the load 5 times between the readings (finer than 10 ms)
#   WARM=6 scripts/worldsize-cpu.sh             # 6 loads before the first reading: serve's one-time
#                                               # costs paid before, in either world. policies.Service
#                                               # prepares its rule memo at the 200th question (~150 ms
#                                               # of CPU): a 1-project world reaches it in its 5th
#                                               # load, a 2,000-project world in the import, so
#                                               # without WARM the small world pays it in the reading
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
REPEAT=${REPEAT:-1}
WARM=${WARM:-0}
PROJECTS=${PROJECTS:-2000}
SCALES=${SCALES:-"1 0"}
PORT=${PORT:-18391}
OUT=${OUT:-$(mktemp -d)}
for tool in curl jq; do # installed as scripts/load.sh installs wrk, when it can be
  command -v $tool >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq $tool >/dev/null; } ||
    { echo "worldsize-cpu: needs $tool (apt-get install $tool)" >&2; exit 2; }
done

BASE=http://127.0.0.1:$PORT
GROUP=66c9e8f1dd6c9960802420e9 # the fresh world's project (API.md, README "Replaying the seed")
ORG=a0000000000000000000000a
KEY=earsimdv:00000000-0000-4000-8000-000000000000
AUTH=(--digest --user "$KEY")
TICK=$(getconf CLK_TCK)
SERVE_PID=

go build -o "$OUT/earsim" ./cmd/earsim
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; true' EXIT

start() { # start SCALE: a fresh serve on $PORT
  "$OUT/earsim" serve --addr "127.0.0.1:$PORT" --time-scale "$1" >"$OUT/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "$BASE/_sim/v1/clock" && return 0; sleep 0.05; done
  echo "worldsize-cpu: serve did not answer; its log:" >&2; cat "$OUT/serve.log" >&2; exit 1
}
stop() { kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=; }
cpu_ms() { awk -v t="$TICK" '{print ($14 + $15) * 1000 / t}' "/proc/$SERVE_PID/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$SERVE_PID/status"; }
# call EXPECTED-STATUS CURL-ARGS...: the body on stdout; another status fails
call() {
  local want=$1 out code; shift
  out=$(curl -s "${AUTH[@]}" -w '\n%{http_code}' "$@")
  code=${out##*$'\n'}
  [ "$code" = "$want" ] || { echo "worldsize-cpu: $* answered $code, not $want: ${out%$'\n'*}" >&2; exit 1; }
  printf '%s' "${out%$'\n'*}"
}
advance() { curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"seconds\": $1}" "$BASE/_sim/v1/clock/advance"; }

# 1. One project set up through the API
V1=(-H 'Accept: application/vnd.atlas.2023-01-01+json' -H 'Content-Type: application/vnd.atlas.2023-01-01+json')
V5=(-H 'Accept: application/vnd.atlas.2024-08-05+json' -H 'Content-Type: application/vnd.atlas.2024-08-05+json')
start 0
call 200 "${V1[@]}" -X PATCH "$BASE/api/atlas/v2/groups/$GROUP/encryptionAtRest" --data '{"azureKeyVault": {
  "azureEnvironment": "AZURE", "clientID": "632ff709-32a8-48a3-8224-30d2386fadaf", "enabled": true,
  "keyIdentifier": "https://EXAMPLEKeyVault.vault.azure.net/keys/EXAMPLEKey/d891821e3d364e9eb88fbd3d11807b86",
  "keyVaultName": "EXAMPLEKeyVault", "requirePrivateNetworking": true, "resourceGroupName": "example-rg",
  "secret": "example-key-vault-secret", "subscriptionID": "a39012fb-d604-4cd1-8841-77f705f3e6d5",
  "tenantID": "ee46317d-36a3-4472-a3dd-6549e901da0b"}}' >/dev/null
ENDPOINT=$(call 202 "${V1[@]}" -X POST "$BASE/api/atlas/v2/groups/$GROUP/encryptionAtRest/AZURE/privateEndpoints" \
  --data '{"regionName": "US_CENTRAL"}' | jq -r .id)
advance 61
curl -s -o /dev/null -X POST "$BASE/_sim/v1/groups/$GROUP/privateEndpoints/$ENDPOINT/approve"
advance 181
call 201 "${V5[@]}" -X POST "$BASE/api/atlas/v2/groups/$GROUP/clusters" --data '{"name": "orders",
  "clusterType": "REPLICASET", "encryptionAtRestProvider": "AZURE", "replicationSpecs": [{"regionConfigs": [
  {"providerName": "AZURE", "regionName": "US_CENTRAL", "priority": 7,
   "electableSpecs": {"instanceSize": "M10", "nodeCount": 3}}]}]}' >/dev/null
advance 61
status=$(call 200 "${V1[@]}" "$BASE/api/atlas/v2/groups/$GROUP/encryptionAtRest/AZURE/privateEndpoints" | jq -r '.results[0].status')
state=$(call 200 "${V5[@]}" "$BASE/api/atlas/v2/groups/$GROUP/clusters/orders" | jq -r .stateName)
[ "$status/$state" = ACTIVE/IDLE ] || { echo "worldsize-cpu: set-up left the endpoint $status, the cluster $state" >&2; exit 1; }
curl -s "$BASE/_sim/v1/state" >"$OUT/world-1.json"
stop

# 2. The same project $PROJECTS times, fresh ids (24 hex digits) and names
jq --argjson n "$PROJECTS" '
  def hexid($p; $i): $p + ("0000000000000000000000" + ($i | tostring))[-22:];
  .state.projects[0] as $p
  | .state.projects = [range(0; $n) as $i
      | if $i == 0 then $p else $p
        | .id = hexid("e1"; $i) | .name = "worldsize-\($i)"
        | .endpoints |= map(.id = hexid("e2"; $i) | .privateEndpointConnectionName = "earsim-\(.regionName)-\(.id)")
        | .clusters |= map(.id = hexid("e3"; $i))
        end]' "$OUT/world-1.json" >"$OUT/world-$PROJECTS.json"

# 3. The load
GETS=$OUT/gets.curl
: >"$GETS"
for i in $(seq 0 199); do
  case $((i % 3)) in
    0) path=encryptionAtRest ;;
    1) path=encryptionAtRest/AZURE/privateEndpoints ;;
    2) path= ;;
  esac
  printf 'url = "%s/api/atlas/v2/groups/%s/%s"\noutput = "/dev/null"\n' "$BASE" "$GROUP" "$path" >>"$GETS"
done
load_gets() {
  local codes
  codes=$(curl -s "${AUTH[@]}" -H 'Accept: application/vnd.atlas.2023-01-01+json' -w '%{http_code}\n' -K "$GETS" | sort | uniq -c | tr -s ' ')
  [ "$codes" = " 200 200" ] || { echo "worldsize-cpu: the GETs answered: $codes" >&2; exit 1; }
}
load_pairs() { # load_pairs ROUND
  local id
  for i in $(seq 1 20); do
    id=$(call 200 "${V1[@]}" -X POST "$BASE/api/atlas/v2/groups" --data "{\"name\": \"load-$1-$i\", \"orgId\": \"$ORG\"}" | jq -r .id)
    call 204 "${V1[@]}" -X DELETE "$BASE/api/atlas/v2/groups/$id" >/dev/null
  done
}
load() { load_gets; load_pairs "$1"; } # load ROUND

measure() { # measure SCALE WORLD-SIZE ROUND: sets CPU (the load's, ms), of it GETS_MS and PAIRS_MS, IMPORT (ms), RSS (MB)
  local t0 t1 c0 c
  start "$1"
  t0=$(date +%s%N)
  curl -s -o /dev/null -f -X PUT -H 'Content-Type: application/json' --data-binary "@$OUT/world-$2.json" "$BASE/_sim/v1/state" \
    || { echo "worldsize-cpu: PUT /_sim/v1/state of $2 projects failed" >&2; exit 1; }
  t1=$(date +%s%N)
  for rep in $(seq 1 "$WARM"); do load "$3-warm-$rep"; done
  sleep 1
  local perf=
  if [ -n "${PERF:-}" ]; then
    mkdir -p "$PERF"
    perf record -q -e cpu-clock -F 999 -g -p "$SERVE_PID" -o "$PERF/scale-$1-projects-$2-round-$3.data" 2>/dev/null &
    perf=$!
    sleep 0.5
  fi
  c0=$(cpu_ms) GETS_MS=0 PAIRS_MS=0
  for rep in $(seq 1 "$REPEAT"); do
    c=$(cpu_ms); load_gets; GETS_MS=$((GETS_MS + $(cpu_ms) - c))
    c=$(cpu_ms); load_pairs "$3-$rep"; PAIRS_MS=$((PAIRS_MS + $(cpu_ms) - c))
  done
  [ -z "$perf" ] || { kill -INT "$perf"; wait "$perf" || true; }
  CPU=$(($(cpu_ms) - c0)) IMPORT=$(((t1 - t0) / 1000000)) RSS=$(rss_mb)
  stop
}

echo "earsim serve, server CPU (utime+stime, /proc) of 200 GETs + 20 project create/delete pairs (x $REPEAT, after $WARM warm-up loads); $(git rev-parse --short HEAD), $(date -u +%F), load average $(cut -d' ' -f1 /proc/loadavg)"
echo
if [ -n "${PROFILE:-}" ]; then
  echo "| --time-scale | round | CPU ms, 1 project | CPU ms, $PROJECTS projects | ratio | of it GETs ms 1 / $PROJECTS | pairs ms 1 / $PROJECTS | import ms 1 / $PROJECTS | RSS MB 1 / $PROJECTS |"
  echo "|---|---|---|---|---|---|---|---|---|"
else
  echo "| --time-scale | round | CPU ms, 1 project | CPU ms, $PROJECTS projects | ratio |"
  echo "|---|---|---|---|---|"
fi
summary=()
for scale in $SCALES; do
  ratios=()
  for round in $(seq 1 "$RUNS"); do
    measure "$scale" 1 "$round"; c1=$CPU i1=$IMPORT r1=$RSS g1=$GETS_MS p1=$PAIRS_MS
    measure "$scale" "$PROJECTS" "$round"; cn=$CPU in=$IMPORT rn=$RSS gn=$GETS_MS pn=$PAIRS_MS
    ratio=$(awk -v a="$c1" -v b="$cn" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "inf" }')
    ratios+=("$ratio")
    if [ -n "${PROFILE:-}" ]; then
      echo "| $scale | $round | $c1 | $cn | $ratio | $g1 / $gn | $p1 / $pn | $i1 / $in | $r1 / $rn |"
    else
      echo "| $scale | $round | $c1 | $cn | $ratio |"
    fi
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
  summary+=("--time-scale $scale: ratio $PROJECTS / 1 median $median (${ratios[*]})")
done
echo
printf '%s\n' "${summary[@]}"
