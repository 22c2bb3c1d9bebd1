#!/usr/bin/env bash
# `make test`: starts a throwaway Neo4j (fresh temporary store, its own port)
# and runs every Go test against it: the product's module, then the
# benchmark's own module (bench/, vetted too, since the root's go vet does
# not reach a nested module). The tests start the dev Auth0 issuer
# in-process on a random port; nothing here depends on `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
source dev/lib.sh

# The browser tests drive Debian's Chromium; install it when it is missing
# (as root, which CI and the dev machines are).
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium for the browser tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The GraphQL-over-HTTP audit (e2e/http_audit_e2e_test.go) needs graphql-http,
# pinned by dev/audit/package-lock.json; installed once, like Neo4j's jars.
if [[ ! -d dev/audit/node_modules/graphql-http ]]; then
  echo "installing the GraphQL-over-HTTP audit's dependencies (npm ci in dev/audit)…"
  npm ci --prefix dev/audit --no-audit --no-fund
fi

# The replica and Redis tests start their own throwaway redis-server
# (redisstore/redistest); install Debian's when it is missing.
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server for the replica tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

# The frontend example (examples/web), which e2e/web_example_e2e_test.go
# serves to Chromium: its dependencies, pinned by its package-lock.json
# (npm ci again when the lock is newer than the install), then its build.
web=examples/web
if [[ ! -f $web/node_modules/.package-lock.json || $web/package-lock.json -nt $web/node_modules/.package-lock.json ]]; then
  echo "installing the web example's dependencies (npm ci in $web)…"
  npm ci --prefix "$web" --no-audit --no-fund --loglevel=error
fi
echo "building $web…"
npm run --prefix "$web" --silent build -- --logLevel=warn

port=${NEO4J_TEST_PORT:-7688}
log=$(mktemp -t neo4j-test.XXXXXX.log)
pid=
cleanup() { [[ -n "$pid" ]] && stop_pids "$pid"; rm -f "$log"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "starting a throwaway Neo4j on bolt://127.0.0.1:$port…"
start_bg "$log" dev/neo4j/run.sh --temp --port "$port"
pid=$BG_PID
wait_ready "$pid" "$log" "NEO4J READY" 300 "Neo4j"

export NEO4J_TEST_URI=bolt://127.0.0.1:$port
export NEO4J_TEST_PASSWORD=dev-password
export NEO4J_LAUNCHER=$PWD/dev/neo4j/run.sh

go test -count=1 -timeout 20m "$@" ./...

echo "bench/ (its own module): vet and tests"
go -C bench vet ./...
go -C bench test -count=1 -timeout 10m "$@" ./...
