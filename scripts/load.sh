#!/usr/bin/env bash
# Load runs of `make bench` (docs/BENCHMARKS.md). In one run: the earsim serve
# binary and Stoplight Prism (the stateless baseline, on the same OpenAPI
# excerpt) under wrk over loopback, each a separate process; digest and
# endpoint create/delete runs with an in-process Go client; and the memory
# of an earsim serve process holding 1,000 projects. Installs wrk (Debian)
# and Prism (npm, into .cache/) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
PRISM=.cache/prism/node_modules/.bin/prism
[ -x "$PRISM" ] || npm install --prefix .cache/prism --no-audit --no-fund @stoplight/prism-cli@5.14 >/dev/null
go build -o bin/earsim ./cmd/earsim

SPEC=../shared/reference/atlas-openapi-ear.yaml
EAR=/api/atlas/v2/groups/66c9e8f1dd6c9960802420e9/encryptionAtRest
ACCEPT='Accept: application/vnd.atlas.2023-01-01+json'
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

ready() { for _ in $(seq 1 120); do curl -s -o /dev/null -H "$ACCEPT" "$1" && return 0; sleep 0.25; done; echo "load: $1 did not answer" >&2; exit 1; }
rss() { awk '/VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$1/status"; }

bin/earsim serve --no-auth --addr 127.0.0.1:18181 2>/dev/null & pids+=($!); EARSIM_PID=$!
"$PRISM" mock -h 127.0.0.1 -p 18182 -v silent "$SPEC" >/dev/null 2>&1 & pids+=($!); PRISM_PID=$!
ready "http://127.0.0.1:18181$EAR"; ready "http://127.0.0.1:18182$EAR"

echo "wrk -d$DURATION --latency -H '$ACCEPT' GET $EAR"
echo "| target | connections | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|---|"
for c in 1 16 64; do
  for target in earsim:18181 prism:18182; do
    out=$(wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d"$DURATION" --latency -H "$ACCEPT" "http://127.0.0.1:${target#*:}$EAR")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    echo "| ${target%%:*} | $c | $rps | $p50 | $p99 | ${bad:-0} |"
  done
done
echo "RSS after the runs: earsim serve $(rss $EARSIM_PID), Prism $(rss $PRISM_PID)"

echo
echo "In-process Go clients (digest; endpoint create+advance+delete):"
EARSIM_LOAD=1 go test -count=1 -run '^TestLoad$' -v ./atlasapi | grep -E '^\||first error'

echo
echo "Issue 24's serve targets (16 clients on 16 projects writing; 64 clients mixed, three runs):"
EARSIM_LOAD=1 go test -count=1 -run '^TestLoadTargets$' -v ./atlasapi | grep -E '^\||first error'

echo
bin/earsim serve --no-auth --addr 127.0.0.1:18183 2>/dev/null & pids+=($!); BIG_PID=$!
ready "http://127.0.0.1:18183$EAR"
echo "earsim serve RSS, fresh: $(rss $BIG_PID)"
EARSIM_LOAD=1 EARSIM_SERVE_URL=http://127.0.0.1:18183 go test -count=1 -run '^TestLoadMemory$' -v ./atlasapi | grep imported
echo "earsim serve RSS with 1,000 projects × (5 clusters, 3 endpoints): $(rss $BIG_PID)"
