#!/usr/bin/env bash
# `npm run test:images`: builds every image docker-compose.yml builds and boots them all as compose
# would, against the native backing services, then drives a learner through the gateway image.
# With a Docker engine it uses that; without one (as on this project's CI), buildah with chroot
# isolation and a stand-in for the base image that no registry can provide here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prepare.sh
bash scripts/backing-services.sh tools
if ! docker info >/dev/null 2>&1; then
  bash scripts/backing-services.sh image-tools
  bash scripts/images/stand-in-base.sh
fi
node infra/dist/images/check.js "$@"
