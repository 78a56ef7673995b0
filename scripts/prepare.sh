#!/usr/bin/env bash
# Sourced by every npm script that runs the system: put the declared Node.js first on PATH,
# install dependencies, provision the backing services, export their URLs, build every workspace.
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
source scripts/node.sh
bash scripts/install.sh
bash scripts/backing-services.sh up
eval "$(bash scripts/backing-services.sh env)"
npx turbo run build --output-logs=errors-only
