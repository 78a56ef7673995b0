#!/usr/bin/env bash
# `npm run bench [-- --seconds 5 --rounds 2 --connections 10 | --smoke]`: the read path as deployed,
# against baselines measured in the same run (see infra/bench/main.ts). Does its own set-up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prepare.sh
command -v wrk >/dev/null || bash scripts/backing-services.sh tools
exec node infra/dist/bench/main.js "$@"
