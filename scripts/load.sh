#!/usr/bin/env bash
# `npm run load [-- --learners 50 --seconds 30 --grow 100000 --chaos | --smoke]`: the learner path
# under load and chaos on the native stack (see infra/load/main.ts). Does its own set-up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prepare.sh
exec node infra/dist/load/main.js "$@"
