#!/usr/bin/env bash
# Sourced by start.sh and test.sh: install dependencies, provision the backing services, export
# their URLs, and build every workspace.
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/install.sh
bash scripts/backing-services.sh up
eval "$(bash scripts/backing-services.sh env)"
npx turbo run build --output-logs=errors-only
