#!/usr/bin/env bash
# CI-sized load campaign against the local app on the local PostgreSQL server (issue 10), for .ci/run:
#   tools/loadtest/ci-local.sh out        -> out/loadtest.json, out/loadtest.md, out/loadtest-app.log
# Needs DATABASE_URL. Builds app/dist/server.js if missing, applies migrations, seeds a validated
# organization with missions (so applications are part of the mix), starts the app with its production
# rate limits and 127.0.0.1 as a trusted proxy, runs the campaign with 100,000 simulated visitors
# (CF-Connecting-IP, as Cloudflare sends it), stops the app.
# Exit status: the campaign's (0 every step held, 1 a step missed the SLO, 2 usage error, 3 tool failure),
# and 3 when the app does not start.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-out}"
mkdir -p "$out"
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres}"
port="${LOADTEST_PORT:-3100}"
steps="${LOADTEST_STEPS:-50,100,200}"
step_seconds="${LOADTEST_STEP_SECONDS:-3}"

[ -f app/dist/server.js ] || npm run build -w app
node app/dist/server.js migrate > "$out/loadtest-migrate.log"

# Seeding is best effort: without missions the campaign skips applications and says so in its report.
if command -v psql > /dev/null 2>&1; then
  # the app's tables live in schema renfort (DATABASE_SCHEMA), outside the default search_path
  PGOPTIONS='-c search_path=renfort' psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q > /dev/null <<'SQL' || echo "loadtest: could not seed missions; applications will be skipped"
WITH org AS (
  INSERT INTO organizations (name, email, zip, status, validated_at)
  VALUES ('Campagne de charge (CI)', 'loadtest-ci@example.org', '75011', 'validated', now())
  ON CONFLICT ((lower(email))) DO UPDATE SET status = 'validated'
  RETURNING id
)
INSERT INTO missions (organization_id, title, description, zip, department, city, places)
SELECT org.id, 'Distribution alimentaire ' || g, 'Mission de la campagne de charge', '75011', '75', 'Paris', 1000
FROM org, generate_series(1, 3) AS g
WHERE NOT EXISTS (SELECT 1 FROM missions m WHERE m.organization_id = org.id);
SQL
fi

# The pool as the fleet runs it (components/fleet/cloud-init.ts): 20 connections, opened before it listens.
# LOADTEST_PG_POOL_MIN=0 opens them on demand instead (app/README.md, "The signup's round trips and the connection pool", compares both).
PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn OUTBOX_WORKER=off TRUSTED_PROXIES=127.0.0.1/32 PG_POOL_SIZE=20 PG_POOL_MIN="${LOADTEST_PG_POOL_MIN:-20}" \
  node app/dist/server.js > "$out/loadtest-app.log" 2>&1 &
app_pid=$!
trap 'kill -TERM "$app_pid" 2> /dev/null || true; wait "$app_pid" 2> /dev/null || true' EXIT

for _ in $(seq 1 50); do
  node -e "fetch('http://127.0.0.1:$port/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break
  kill -0 "$app_pid" 2> /dev/null || { echo "loadtest: the app exited, see $out/loadtest-app.log"; cat "$out/loadtest-app.log"; exit 3; }
  sleep 0.2
done

set +e
# Applications need active volunteers (double opt-in): the harness activates the campaign's signups by SQL
# (tools/loadtest/activation.ts), as following each mailed link would.
LOADTEST_ACTIVATION_DATABASE_URL="$DATABASE_URL" npx tsx tools/loadtest/cli.ts --url "http://127.0.0.1:$port" --steps "$steps" --step-seconds "$step_seconds" \
  --client-ips 100000 --warmup-seconds "${LOADTEST_WARMUP_SECONDS:-2}" --report "$out/loadtest.json" --markdown "$out/loadtest.md"
status=$?
set -e
exit "$status"
