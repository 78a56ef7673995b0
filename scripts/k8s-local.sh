#!/usr/bin/env bash
# Builds the four images, loads them into a local cluster and applies the local overlay.
#
#   scripts/k8s-local.sh [kind|minikube]      (default: kind; the cluster must be running)
#
# Images are built as `npm run test:images` builds them: with Docker when an engine answers,
# otherwise with buildah, whose images are handed to the cluster as archives.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cluster=${1:-kind}
case $cluster in kind | minikube) ;; *) echo "usage: $0 [kind|minikube]" >&2; exit 2 ;; esac
command -v "$cluster" >/dev/null || { echo "$cluster is not installed" >&2; exit 1; }

source scripts/node.sh
bash scripts/install.sh
npx turbo run build --filter=@syllabus/infra... --output-logs=errors-only
bash scripts/backing-services.sh tools
engine=docker
if ! docker info >/dev/null 2>&1; then
  engine=buildah
  bash scripts/backing-services.sh image-tools
  bash scripts/images/stand-in-base.sh
fi
node infra/dist/images/check.js --build

archives=$(mktemp -d)
trap 'rm -rf "$archives"' EXIT
for service in gateway catalog user-progress notification; do
  image=syllabus/$service:dev
  if [ "$engine" = docker ]; then
    if [ "$cluster" = kind ]; then kind load docker-image "$image"; else minikube image load "$image"; fi
  else
    buildah push "$image" "docker-archive:$archives/$service.tar:$image"
    if [ "$cluster" = kind ]; then kind load image-archive "$archives/$service.tar"; else minikube image load "$archives/$service.tar"; fi
  fi
done

kubectl apply -k k8s/overlays/local
kubectl -n syllabus rollout status deployment --timeout=5m
cat <<MSG
Syllabus runs in namespace syllabus. Try: kubectl -n syllabus port-forward svc/gateway 8080:8080
The demo author's password (printed once, when the account is made):
  kubectl -n syllabus logs deployment/user-progress -c bootstrap-author
MSG
