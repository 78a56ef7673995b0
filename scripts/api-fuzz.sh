#!/usr/bin/env bash
# `npm run fuzz [-- --examples N]`: Schemathesis against the running system, as a learner and as
# an author (see infra/fuzz/main.ts). Does its own set-up, Schemathesis included (pinned, in a
# virtual environment of its own).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prepare.sh
SCHEMATHESIS_VERSION=4.32.5
venv=/var/lib/syllabus/tools/schemathesis-$SCHEMATHESIS_VERSION
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi
export SCHEMATHESIS="$venv/bin/st"
exec node infra/dist/fuzz/main.js "$@"
