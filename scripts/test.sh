#!/usr/bin/env bash
# `npm test`: install, provision real backing services, build, and run every workspace's tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prepare.sh
bash scripts/backing-services.sh tools
eval "$(bash scripts/backing-services.sh env)"

mkdir -p .syllabus
log=.syllabus/test.log
# Two workspaces at once, and two test files at once in each (their package.json): no test
# stops a shared server, and each test file makes its own databases, queues and keys. Each
# workspace's output is kept together.
status=0
npx turbo run test --concurrency=2 --output-logs=full --log-order=grouped 2>&1 | tee "$log" || status=$?

count() { awk -v key="ℹ $1 " '{ i = index($0, key); if (i) sum += substr($0, i + length(key)) + 0 } END { print sum + 0 }' "$log"; }
echo
echo "$(count pass) passed, $(count fail) failed, $(count skipped) skipped"
exit "$status"
