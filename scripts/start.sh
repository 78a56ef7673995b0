#!/usr/bin/env bash
# `npm start`: the whole system natively — install, provision the backing services, build,
# start the four services, wait until the gateway is ready and print its URL. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prepare.sh

# Each service that uses PostgreSQL has a database of its own on the provisioned server.
database_url() { printf '%s/%s' "${POSTGRES_URL%/*}" "$1"; }
CATALOG_POSTGRES_URL=${CATALOG_POSTGRES_URL:-$(database_url catalog)}
NOTIFICATION_POSTGRES_URL=${NOTIFICATION_POSTGRES_URL:-$(database_url notification)}
POSTGRES_URL=$CATALOG_POSTGRES_URL npm run --silent migrate -w @syllabus/catalog
POSTGRES_URL=$CATALOG_POSTGRES_URL npm run --silent seed -w @syllabus/catalog
POSTGRES_URL=$NOTIFICATION_POSTGRES_URL npm run --silent migrate -w @syllabus/notification

logs=.syllabus/logs
mkdir -p "$logs"
# Every request is traced into the Jaeger the backing services run (or the OTLP endpoint given),
# at 100%: OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG change that, OTEL_SDK_DISABLED=true ends it.
export OTEL_EXPORTER_OTLP_ENDPOINT=${OTEL_EXPORTER_OTLP_ENDPOINT:-$JAEGER_OTLP_URL}
# The console's trace view reads each action's trace from Jaeger's query API (JAEGER_QUERY_URL).
export JAEGER_QUERY_URL
export LOG_LEVEL=${LOG_LEVEL:-info}
export GATEWAY_PORT=${GATEWAY_PORT:-8080}
# The secret the gateway uses on user-progress's internal routes: made once, kept locally.
if [ -z "${INTERNAL_TOKEN:-}" ]; then
  [ -s .syllabus/internal-token ] || node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))' >.syllabus/internal-token
  INTERNAL_TOKEN=$(cat .syllabus/internal-token)
  export INTERNAL_TOKEN
fi

# The gateway's signing key: made once, kept locally (in Kubernetes it is a Secret).
if [ -z "${JWT_SIGNING_KEYS:-}" ]; then
  [ -s .syllabus/jwt-signing-keys.json ] || npm run --silent generate-keys -w @syllabus/gateway >.syllabus/jwt-signing-keys.json
  JWT_SIGNING_KEYS=$(cat .syllabus/jwt-signing-keys.json)
  export JWT_SIGNING_KEYS
fi
export JWT_ISSUER=${JWT_ISSUER:-http://127.0.0.1:$GATEWAY_PORT}
export JWKS_URL=${JWKS_URL:-http://127.0.0.1:$GATEWAY_PORT/.well-known/jwks.json}

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping the services…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  echo "stopped (the backing services keep running; 'npm run services down' stops them)"
}
trap stop INT TERM EXIT

start_service() { # name port operator-port [VAR=value…]
  local name=$1 port=$2 operator_port=$3
  shift 3
  (cd "services/$name" && exec env PORT="$port" OPERATOR_PORT="$operator_port" OTEL_SERVICE_NAME="$name" "$@" \
    node --enable-source-maps --require @syllabus/telemetry/register dist/src/main.js) >"$logs/$name.log" 2>&1 &
  pids+=("$!")
}
wait_ready() { # name operator-port
  local name=$1 port=$2
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a service exited; see $logs/" >&2; tail -n 20 "$logs/$name.log" >&2; exit 1; }; done
    sleep 0.2
  done
  echo "$name is not ready; see $logs/$name.log" >&2
  exit 1
}

# Emails go to a local SMTP sink that keeps them as files, unless SMTP_URL names a server.
if [ -z "${SMTP_URL:-}" ]; then
  node scripts/mail-sink.js 1025 >"$logs/mail.log" 2>&1 &
  pids+=("$!")
  export SMTP_URL=smtp://127.0.0.1:1025
fi
# The gateway first: the others fetch its signing keys. Every service declares the whole
# messaging topology before it publishes, so the order of the rest does not matter.
start_service gateway "$GATEWAY_PORT" 9080
wait_ready gateway 9080
start_service user-progress 8082 9082
start_service notification 8083 9083 POSTGRES_URL="$NOTIFICATION_POSTGRES_URL"
start_service catalog 8081 9081 POSTGRES_URL="$CATALOG_POSTGRES_URL"
wait_ready user-progress 9082
wait_ready notification 9083
wait_ready catalog 9081

# A demo author, made by the same bootstrap command compose and Kubernetes use; its password is
# made once and kept locally.
demo_email=author@syllabus.localhost
[ -s .syllabus/demo-author-password ] || node -e 'process.stdout.write(require("crypto").randomBytes(12).toString("base64url"))' >.syllabus/demo-author-password
demo_password=$(cat .syllabus/demo-author-password)
BOOTSTRAP_EMAIL=$demo_email BOOTSTRAP_PASSWORD=$demo_password BOOTSTRAP_ROLES=author \
  BOOTSTRAP_DISPLAY_NAME='Demo author' npm run --silent bootstrap-user -w @syllabus/user-progress >/dev/null
gateway="http://127.0.0.1:$GATEWAY_PORT"

cat <<MSG

Syllabus is running (Node $(node --version)).
  gateway:  $gateway
  console:  $gateway/   (open it in a browser: the learner and author console)
  docs:     $gateway/docs
  author:   $demo_email / $demo_password   (a demo account that may create and publish courses)
  try:      curl '$gateway/v1/courses?track=databases&limit=5'
            curl -X POST $gateway/v1/auth/signup -H 'Content-Type: application/json' \\
              -d '{"email":"you@example.com","password":"a long password","displayName":"You"}'
  traces:   $JAEGER_QUERY_URL/api/v3/services   (Jaeger's API; each console action opens its trace)
  health:   http://127.0.0.1:9080/health/ready (each service on 908x: operators only, never routed)
  logs:     $logs/{gateway,catalog,user-progress,notification}.log
  mail:     .syllabus/mail/*.eml
Press Ctrl-C to stop.
MSG
wait
