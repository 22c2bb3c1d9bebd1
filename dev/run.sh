#!/usr/bin/env bash
# `make run`: Neo4j (unless NEO4J_URI points elsewhere), the dev Auth0 issuer
# and the server, in one terminal; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
source dev/lib.sh

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
  # The demo graph for the dev users; idempotent, so every start may run it.
  echo "loading the demo graph (dev/seed demo)…"
  bin/seed demo >"$logs/seed.log" 2>&1 || { cat "$logs/seed.log" >&2; exit 1; }
else
  echo "using Neo4j at NEO4J_URI=$NEO4J_URI"
fi

echo "starting the dev Auth0 issuer on http://127.0.0.1:8081/ (log: $logs/auth0.log)…"
start_bg "$logs/auth0.log" bin/auth0-dev -addr 127.0.0.1:8081 -users dev/auth0/users.json
pids+=("$BG_PID")
wait_ready "$BG_PID" "$logs/auth0.log" "AUTH0 DEV ISSUER READY" 30 "the dev issuer"

export AUTH0_DOMAIN=http://127.0.0.1:8081
export AUTH0_AUDIENCE=https://api.dev.local/
export AUTH0_CLIENT_ID=dev-client
export AUTH0_CLIENT_SECRET=dev-client-secret
export AUTH0_CLAIMS_NAMESPACE=https://api.dev.local/
export HTTP_ADDR=${HTTP_ADDR:-127.0.0.1:8080}
export GRAPHIQL_ENABLED=${GRAPHIQL_ENABLED:-true}
# The usual dev servers of frontend apps (Vite, Create React App/Next.js,
# Angular, webpack/Vue CLI), so an app on localhost can call the API; a
# production server allows no origin unless CORS_ALLOWED_ORIGINS names it.
dev_origins=
for port in 5173 3000 4200 8080; do
  dev_origins+="http://localhost:$port,http://127.0.0.1:$port,"
done
export CORS_ALLOWED_ORIGINS=${CORS_ALLOWED_ORIGINS:-${dev_origins%,}}
# At least 16 characters, as config.go requires of every hook secret.
export AUTH0_HOOK_SECRET=${AUTH0_HOOK_SECRET:-dev-hook-secret-local-only}

cat <<MSG

  GraphQL:  http://$HTTP_ADDR/graphql     GraphiQL: http://$HTTP_ADDR/
  Log in (demo users alice@, bob@, carol@example.com — password demo-pass-123):

    curl -s http://$HTTP_ADDR/graphql -H 'Content-Type: application/json' \\
      -d '{"query":"mutation { login(username: \"alice@example.com\", password: \"demo-pass-123\") { accessToken user { id name email } } }"}'

  then send the accessToken as 'Authorization: Bearer <token>' and query { me { id name email } }
  or { feed(first: 5) { edges { node { title author { name } } } } } (the demo graph: dev/seed/README.md).
  Ctrl-C stops the server, the issuer and Neo4j.

MSG

bin/server &
pids+=("$!")
wait "${pids[-1]}"
