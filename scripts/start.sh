#!/usr/bin/env bash
# `npm start`: the whole system natively — install, provision the backing services, build,
# start the four services, wait until the gateway is ready and print its URL. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prepare.sh
npm run --silent migrate -w @syllabus/catalog
npm run --silent seed -w @syllabus/catalog

logs=.syllabus/logs
mkdir -p "$logs"
# Traces go to an OTLP endpoint when one is given (e.g. a local Jaeger on :4318); natively
# there is none by default, so the SDK stays off rather than logging export failures.
if [ -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then export OTEL_SDK_DISABLED=true; fi
export LOG_LEVEL=${LOG_LEVEL:-info}
export GATEWAY_PORT=${GATEWAY_PORT:-8080}

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

start_service() { # name port
  (cd "services/$1" && PORT=$2 OTEL_SERVICE_NAME=$1 exec node --enable-source-maps \
    --require @syllabus/telemetry/register dist/src/main.js) >"$logs/$1.log" 2>&1 &
  pids+=("$!")
}
start_service catalog 8081
start_service user-progress 8082
start_service notification 8083
start_service gateway "$GATEWAY_PORT"

gateway="http://127.0.0.1:$GATEWAY_PORT"
for service in catalog:8081 user-progress:8082 notification:8083 "gateway:$GATEWAY_PORT"; do
  name=${service%%:*} port=${service##*:}
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a service exited; see $logs/" >&2; tail -n 20 "$logs/$name.log" >&2; exit 1; }; done
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "$name is not ready; see $logs/$name.log" >&2; exit 1; }
done

cat <<MSG

Syllabus is running.
  gateway:  $gateway
  health:   curl $gateway/health/ready
  catalog:  curl 'http://127.0.0.1:8081/v1/courses?track=databases&limit=5'
  logs:     $logs/{gateway,catalog,user-progress,notification}.log
Press Ctrl-C to stop.
MSG
wait
