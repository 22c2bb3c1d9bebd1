#!/usr/bin/env bash
# Runs the embedded dev Neo4j (see README.md). Builds it first when needed.
#   dev/neo4j/run.sh [--port N] [--password P] [--data DIR | --temp] [--apoc] [--verbose]
# stdout carries only "NEO4J READY bolt://127.0.0.1:<port>"; build output and logs go to stderr.
# Env: NEO4J_BOLT_PORT, NEO4J_PASSWORD (see README), NEO4J_JAVA_OPTS (extra JVM options,
# appended last so e.g. -Xmx2g wins), JAVA_HOME.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
TARGET="$DIR/target"
CP_FILE="$TARGET/classpath.txt"
STAMP="$TARGET/.build-stamp"

needs_build() {
  [[ -f "$CP_FILE" && -f "$TARGET/apoc-classpath.txt" && -f "$TARGET/classes/dev/neo4j/Main.class" && -f "$STAMP" ]] || return 0
  [[ -n "$(find "$DIR/pom.xml" "$DIR/src" -newer "$STAMP" -print -quit)" ]]
}

if needs_build; then
  mkdir -p "$TARGET"
  # Serialize builds: tests may start several instances at the same time.
  exec 9>"$TARGET/.build.lock"
  flock 9
  if needs_build; then
    echo "neo4j-dev: building $DIR" >&2
    touch "$STAMP.new"   # sources edited during the build stay "newer" than the stamp
    # Offline first (works once ~/.m2 has everything); online only when that fails.
    if ! (cd "$DIR" && mvn -q -o -B package >"$TARGET/build-offline.log" 2>&1); then
      echo "neo4j-dev: offline build failed (see $TARGET/build-offline.log), retrying online" >&2
      (cd "$DIR" && mvn -q -B package) >&2
    fi
    mv -f "$STAMP.new" "$STAMP"
  fi
  exec 9>&-
fi

CP="$TARGET/classes:$(<"$CP_FILE")"
EXTRA=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --port|--password|--data) i=$((i + 1)) ;;  # skip the value
    --apoc)
      # APOC's kernel extensions must be on the JVM classpath; Neo4j scans the plugin
      # directory for its procedures and functions.
      CP="$CP:$(<"$TARGET/apoc-classpath.txt")"
      EXTRA+=("-Dneo4jdev.plugins=$TARGET/plugins")
      ;;
  esac
done

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Heap kept modest (the page cache, 128 MiB, is off-heap). The --add-opens and netty/nio
# flags are the ones Neo4j's own launcher passes on Java 17.
# shellcheck disable=SC2086
exec "$JAVA" \
  -Xms128m -Xmx1g \
  -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC \
  -XX:+UnlockExperimentalVMOptions -XX:+TrustFinalNonStaticFields \
  --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -Dio.netty.tryReflectionSetAccessible=true \
  -Djdk.nio.maxCachedBufferSize=1024 \
  -Dlog4j2.disable.jmx=true \
  -Dneo4jdev.defaultData="$DIR/data" \
  "${EXTRA[@]}" \
  ${NEO4J_JAVA_OPTS:-} \
  -cp "$CP" dev.neo4j.Main "$@"
