#!/usr/bin/env bash
# `make run-cluster`: what users run once one machine is not enough, on one
# machine: Neo4j (unless NEO4J_URI points elsewhere), Redis, the dev Auth0
# issuer, REPLICAS server replicas (default 2, on ports 8091, 8092, …) with
# one CURSOR_SECRET and one REDIS_URL, and HAProxy in front on LB_PORT
# (default 8080), round-robin, health-checked on /readyz. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
source dev/lib.sh

replicas=${REPLICAS:-2}
lb_port=${LB_PORT:-8080}
first_port=${FIRST_REPLICA_PORT:-8091}
redis_port=${REDIS_PORT:-6390}
issuer_port=${ISSUER_PORT:-8081}

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
if (( ${#need[@]} )); then
  echo "installing ${need[*]}…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

logs=dev/logs
mkdir -p "$logs"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "stopping…"
  stop_pids "${pids[@]}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z "${NEO4J_URI:-}" ]]; then
  echo "starting Neo4j on bolt://127.0.0.1:7687 (store: dev/neo4j/data, log: $logs/neo4j.log)…"
  start_bg "$logs/neo4j.log" dev/neo4j/run.sh --port 7687 --data dev/neo4j/data
  pids+=("$BG_PID")
  wait_ready "$BG_PID" "$logs/neo4j.log" "NEO4J READY" 180 "Neo4j"
  export NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_USERNAME=neo4j NEO4J_PASSWORD=dev-password
  bin/seed demo >"$logs/seed.log" 2>&1 || { cat "$logs/seed.log" >&2; exit 1; }
else
  echo "using Neo4j at NEO4J_URI=$NEO4J_URI"
fi

echo "starting Redis on 127.0.0.1:$redis_port (no persistence; log: $logs/redis.log)…"
start_bg "$logs/redis.log" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no
pids+=("$BG_PID")
wait_ready "$BG_PID" "$logs/redis.log" "Ready to accept connections" 30 "Redis"

echo "starting the dev Auth0 issuer on http://127.0.0.1:$issuer_port/ (log: $logs/auth0.log)…"
start_bg "$logs/auth0.log" bin/auth0-dev -addr "127.0.0.1:$issuer_port" -users dev/auth0/users.json
pids+=("$BG_PID")
wait_ready "$BG_PID" "$logs/auth0.log" "AUTH0 DEV ISSUER READY" 30 "the dev issuer"

export AUTH0_DOMAIN=http://127.0.0.1:$issuer_port
export AUTH0_AUDIENCE=https://api.dev.local/
export AUTH0_CLIENT_ID=dev-client
export AUTH0_CLIENT_SECRET=dev-client-secret
export AUTH0_CLAIMS_NAMESPACE=https://api.dev.local/
export GRAPHIQL_ENABLED=${GRAPHIQL_ENABLED:-true}
export AUTH0_HOOK_SECRET=${AUTH0_HOOK_SECRET:-dev-hook-secret-local-only}
# Shared by every replica: cursors and Redis key names must agree.
export CURSOR_SECRET=${CURSOR_SECRET:-dev-cluster-cursor-secret-local-only-0123456789}
export REDIS_URL=redis://127.0.0.1:$redis_port/0
# The replicas see HAProxy's address; believe its X-Forwarded-For, so the
# login limiter counts end users, not the balancer.
export TRUSTED_PROXIES=127.0.0.1/32

servers=""
for i in $(seq 1 "$replicas"); do
  port=$((first_port + i - 1))
  echo "starting replica $i on 127.0.0.1:$port (log: $logs/replica-$i.log)…"
  HTTP_ADDR=127.0.0.1:$port start_bg "$logs/replica-$i.log" bin/server
  pids+=("$BG_PID")
  servers+="    server replica$i 127.0.0.1:$port check"$'\n'
done
for i in $(seq 1 "$replicas"); do
  port=$((first_port + i - 1))
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
done

cfg=$(mktemp -t haproxy.XXXXXX.cfg)
{ sed "s/\${LB_PORT}/$lb_port/" dev/haproxy.cfg; printf '%s' "$servers"; } >"$cfg"
haproxy -c -q -f "$cfg"
echo "starting HAProxy on http://127.0.0.1:$lb_port/ (log: $logs/haproxy.log)…"
start_bg "$logs/haproxy.log" haproxy -db -f "$cfg"
pids+=("$BG_PID")

cat <<MSG

  GraphQL through the load balancer: http://127.0.0.1:$lb_port/graphql   ($replicas replicas: $first_port…)
  Each answer's X-Request-Id is in one replica's log ($logs/replica-N.log).
  Log in as in \`make run\` (alice@example.com / demo-pass-123); the limiter, the /userinfo
  cache and cursors are shared through Redis, so any replica serves any request.
  Ctrl-C stops everything.

MSG
wait "${pids[-1]}"
