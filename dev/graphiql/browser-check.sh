#!/usr/bin/env bash
# Loads the GraphiQL page in a headless Chromium against an httptest server
# (no Neo4j, no issuer, no network beyond the loopback) and fails if GraphiQL
# did not render or the browser refused anything under the page's CSP:
#
#   dev/graphiql/browser-check.sh [screenshot.png]
#
# Needs Chromium (Debian: apt-get install chromium); CHROMIUM overrides the
# binary. It runs TestGraphiQLRendersInChromium in httpapi/, which `make test`
# runs too (with `chromium` from the PATH).
set -euo pipefail
cd "$(dirname "$0")/../.."

browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [[ -z "$browser" ]]; then
  echo "no Chromium found: install it (apt-get install chromium) or set CHROMIUM" >&2
  exit 1
fi
shot=""
[[ -n "${1:-}" ]] && shot=$(realpath -m "$1")
GRAPHIQL_BROWSER=$browser GRAPHIQL_SCREENSHOT=$shot \
  go test -count=1 -run 'TestGraphiQLRendersInChromium' -v ./httpapi/
