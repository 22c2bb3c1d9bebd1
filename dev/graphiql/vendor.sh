#!/usr/bin/env bash
# Reproduces httpapi/graphiql/vendor/ from npm at the pinned versions below,
# so the GraphiQL page needs nothing but this server: no CDN, no web fonts.
#
#   dev/graphiql/vendor.sh          fetch the tarballs, copy the files, rewrite MANIFEST
#   dev/graphiql/vendor.sh --check  fetch the tarballs and fail if any vendored file differs
#
# Files are copied unmodified from the packages' tarballs (`npm pack`), along
# with each package's LICENSE. To upgrade, change a version here, run the
# script, load the page (dev/graphiql/browser-check.sh) and commit the result.
#
# Why GraphiQL 4 and React 18: GraphiQL 5 ships only ES modules with bare
# imports (@graphiql/react, monaco-editor, ...) and Monaco web workers, which
# need a bundler; 4.1.2 is the newest release with a self-contained browser
# bundle (graphiql.min.js, UMD, graphql-js and CodeMirror inside, fonts
# inlined as data: URLs). That bundle reads React and ReactDOM from globals,
# and React 19 no longer ships UMD builds, so React stays on 18.3.1 (within
# GraphiQL 4's peer range ^18 || ^19).
set -euo pipefail
cd "$(dirname "$0")/../.."

GRAPHIQL=4.1.2
REACT=18.3.1

out=httpapi/graphiql/vendor
manifest=$out/MANIFEST
check=false
[[ "${1:-}" == "--check" ]] && check=true

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# package@version  path-in-tarball  vendored-name
files=(
  "graphiql@$GRAPHIQL  package/graphiql.min.js               graphiql.min.js"
  "graphiql@$GRAPHIQL  package/graphiql.min.css              graphiql.min.css"
  "graphiql@$GRAPHIQL  package/LICENSE                       LICENSE.graphiql"
  "react@$REACT        package/umd/react.production.min.js     react.production.min.js"
  "react@$REACT        package/LICENSE                       LICENSE.react"
  "react-dom@$REACT    package/umd/react-dom.production.min.js react-dom.production.min.js"
  "react-dom@$REACT    package/LICENSE                       LICENSE.react-dom"
)

for spec in "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT"; do
  mkdir -p "$tmp/$spec"
  tgz=$(cd "$tmp" && npm pack --silent "$spec")
  tar -xzf "$tmp/$tgz" -C "$tmp/$spec"
done

mkdir -p "$out"
new=$tmp/MANIFEST
{
  echo "# Written by dev/graphiql/vendor.sh; checked by its --check and by httpapi tests."
  echo "# sha256  file  source (npm package@version:path)"
} >"$new"
for line in "${files[@]}"; do
  read -r spec path name <<<"$line"
  src=$tmp/$spec/$path
  sum=$(sha256sum "$src" | cut -d' ' -f1)
  echo "$sum  $name  $spec:${path#package/}" >>"$new"
  if $check; then
    cmp -s "$src" "$out/$name" || { echo "differs from $spec:$path: $out/$name" >&2; exit 1; }
  else
    cp "$src" "$out/$name"
  fi
done

if $check; then
  diff -u "$manifest" "$new" || { echo "MANIFEST is stale" >&2; exit 1; }
  echo "vendored GraphiQL files match npm (graphiql@$GRAPHIQL, react@$REACT, react-dom@$REACT)"
else
  cp "$new" "$manifest"
  echo "vendored graphiql@$GRAPHIQL, react@$REACT, react-dom@$REACT into $out"
fi
