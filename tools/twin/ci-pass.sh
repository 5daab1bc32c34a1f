#!/usr/bin/env bash
# A short pass of the local twin for .ci/run (issue 16):
#   tools/twin/ci-pass.sh [out]   -> out/twin-summary.json, out/twin-checks.txt, out/twin-loadtest.{json,md}
# up (staging) -> the behaviour checks (origin lock, apex 301, signup stored and mailed; through the edge
# too when tools/twin/edge is present) -> a 20-second signup campaign with npm run loadtest through the
# twin (the edge when present, else straight to the first load balancer from a Cloudflare stand-in
# address) -> down. `down` also runs on any failure. Needs haproxy and the PostgreSQL server binaries.
# Environment: TWIN_BASE_ADDRESS (127.0.20.0), TWIN_CAMPAIGN_RATE (signups/s, 50), TWIN_CAMPAIGN_SECONDS (20),
# TWIN_CAMPAIGN_SLO_P99_MS (500). The pass proves the whole chain holds a steady load without errors (error
# rate <= 0.1 %); its p99 crosses three TLS hops (edge, load balancer, database) on CI's shared cores, so its
# latency bound is looser than the 100 ms a single instance is sized with (tools/loadtest, npm run capacity).
# Exit status: 0 all held; 1 a check failed; the campaign's own status (3: a step missed the SLO); else the twin's.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
state="$(mktemp -d "${TMPDIR:-/tmp}/renfort-twin-ci-XXXXXX")"
twin() { npx tsx tools/twin/cli.ts "$@"; }
cleanup() { twin down --state-dir "$state/twin" > /dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT

[ -f app/dist/server.js ] || npm run build -w app
# The campaign simulates its visitors with CF-Connecting-IP: the edge takes the visitor's IP from it.
twin up --stack staging --state-dir "$state/twin" --summary "$out/twin-summary.json" --base-address "${TWIN_BASE_ADDRESS:-127.0.20.0}" \
  --client-ip-header cf-connecting-ip
twin check --state-dir "$state/twin" | tee "$out/twin-checks.txt"

# Where the campaign goes: the main host, resolved to the edge, or to the first load balancer from a
# Cloudflare stand-in source (the origin lock lets nothing else through).
eval "$(node -e '
const s = require(process.argv[1]);
const via = s.edge ? { address: s.edge.address, port: s.edge.httpsPort, source: "" } : { address: s.loadBalancers[0].address, port: s.loadBalancers[0].httpsPort, source: s.cloudflareSourceAddresses[0] };
console.log(`main=${s.hosts.main}; ca=${s.caFile}; target=${via.address}:${via.port}; source=${via.source}; via=${s.edge ? "edge" : "load-balancer"}`);
' "$out/twin-summary.json")"
echo "twin: signup campaign through the ${via} (${target}) for ${TWIN_CAMPAIGN_SECONDS:-20}s at ${TWIN_CAMPAIGN_RATE:-50}/s"
set +e
NODE_OPTIONS="--require $PWD/tools/twin/connect-preload.cjs" NODE_EXTRA_CA_CERTS="$ca" \
  RENFORT_TWIN_HOSTS="{\"$main\":\"$target\"}" RENFORT_TWIN_SOURCE="$source" \
  npx tsx tools/loadtest/cli.ts --url "https://$main" --allow-host "$main" \
  --steps "${TWIN_CAMPAIGN_RATE:-50}" --step-seconds "${TWIN_CAMPAIGN_SECONDS:-20}" --warmup-seconds 2 \
  --slo-p99-ms "${TWIN_CAMPAIGN_SLO_P99_MS:-500}" \
  --client-ips 100000 --report "$out/twin-loadtest.json" --markdown "$out/twin-loadtest.md"
status=$?
set -e
exit "$status"
