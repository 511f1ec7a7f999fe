#!/usr/bin/env bash
# A local scale-out cluster on loopback, for trying the topology and for the tests (README: "Several nodes"):
# one PostgreSQL, NODES platform nodes (default 3) sharing it, and HAProxy in front with one frontend per listener
# (portal, production gateway, sandbox gateway). HAProxy checks GET /readyz on every node each second and takes a
# node that is not ready out of rotation.
#
#   deploy/local-cluster.sh up      start everything; prints the balancer's URLs; writes $CLUSTER_DIR/cluster.env
#   deploy/local-cluster.sh down    stop everything and delete $CLUSTER_DIR
#
# Settings (environment): CLUSTER_DIR (default artifacts/cluster), NODES (3), PLATFORM_DLL (default: build the
# platform in Release), NODE_ARGS (extra configuration for every node, e.g. "--Gateway:KeyCacheSeconds=5").
# Installs PostgreSQL and HAProxy from Debian's packages when missing (needs root for that).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
dir=${CLUSTER_DIR:-$repo/artifacts/cluster}
nodes=${NODES:-3}

log() { printf '==> %s\n' "$*" >&2; }
# A free loopback port outside the ephemeral range (deploy/free_port.py): nothing else is handed it meanwhile.
port() { python3 "$repo/deploy/free_port.py"; }
as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

install_missing() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then log "missing: ${missing[*]} (run as root, or install them yourself)"; exit 1; fi
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

wait_for() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$1"; do
    if ((SECONDS > deadline)); then log "no answer from $1"; return 1; fi
    sleep 0.2
  done
}

start_node() { # index
  local i=$1 portal production sandbox
  portal=$(port); production=$(port); sandbox=$(port)
  # shellcheck disable=SC2086 # NODE_ARGS is a list of arguments
  nohup dotnet "$dll" \
    --Platform:PortalUrl="http://127.0.0.1:$portal" --Platform:ProductionGatewayUrl="http://127.0.0.1:$production" \
    --Platform:SandboxGatewayUrl="http://127.0.0.1:$sandbox" --Platform:DataDirectory="$dir/data" \
    --Platform:OperatorToken="$token" --Storage:Provider=PostgreSql --Storage:ConnectionString="$connection" \
    --Logging:LogLevel:Default=Warning --Logging:LogLevel:CommerceServices.Platform=Information \
    ${NODE_ARGS:-} >"$dir/node$i.log" 2>&1 &
  echo $! >"$dir/node$i.pid"
  printf 'NODE%s_PID=%s\nNODE%s_PORTAL_URL=http://127.0.0.1:%s\nNODE%s_PRODUCTION_URL=http://127.0.0.1:%s\nNODE%s_SANDBOX_URL=http://127.0.0.1:%s\n' \
    "$i" "$!" "$i" "$portal" "$i" "$production" "$i" "$sandbox" >>"$dir/cluster.env"
  printf '%s %s %s\n' "$portal" "$production" "$sandbox" >"$dir/node$i.ports"
}

up() {
  if [[ -e $dir/cluster.env ]]; then log "a cluster is already up in $dir (run: $0 down)"; exit 1; fi
  install_missing
  if [[ -n ${PLATFORM_DLL:-} ]]; then
    dll=$PLATFORM_DLL
  else
    log "building the platform (Release)"
    dotnet build src/CommerceServices.Platform -c Release -nologo -v quiet -clp:ErrorsOnly >&2
    dll=$repo/src/CommerceServices.Platform/bin/Release/net10.0/CommerceServices.Platform.dll
  fi

  mkdir -p "$dir/data"
  token=${OPERATOR_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  local pg_port bin
  pg_port=$(port)
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$dir/pg"
  # As root the server runs as the postgres user, which must be able to reach its folder (mktemp makes 0700 ones).
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$dir/pg"; chmod a+x "$dir" "$(dirname "$dir")"; fi
  log "starting PostgreSQL on 127.0.0.1:$pg_port"
  as_postgres "$bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  as_postgres "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w start \
    -o "-c port=$pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir/pg -c max_connections=400" >/dev/null
  as_postgres "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc 'CREATE DATABASE commerce' >/dev/null
  connection="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=commerce"
  printf 'PG_BIN=%s\nPG_DATA=%s\nPG_PORT=%s\nCONNECTION_STRING="%s"\nOPERATOR_TOKEN=%s\n' \
    "$bin" "$dir/pg/data" "$pg_port" "$connection" "$token" >"$dir/cluster.env"

  # The first node creates the schema; the others start once it is ready.
  log "starting $nodes platform nodes"
  start_node 1
  read -r p _ _ <"$dir/node1.ports"
  wait_for "http://127.0.0.1:$p/readyz" 120
  for ((i = 2; i <= nodes; i++)); do start_node "$i"; done
  for ((i = 2; i <= nodes; i++)); do read -r p _ _ <"$dir/node$i.ports"; wait_for "http://127.0.0.1:$p/readyz" 120; done

  local portal production sandbox
  portal=$(port); production=$(port); sandbox=$(port)
  {
    printf 'global\n  maxconn 4096\n\ndefaults\n  mode http\n  option http-keep-alive\n  timeout connect 2s\n  timeout client 30s\n  timeout server 60s\n  retries 2\n  option redispatch\n'
    local listener index=0
    for listener in portal production sandbox; do
      local front=("$portal" "$production" "$sandbox")
      printf '\nfrontend %s\n  bind 127.0.0.1:%s\n  default_backend %s_nodes\n' "$listener" "${front[$index]}" "$listener"
      printf '\nbackend %s_nodes\n  balance roundrobin\n  option httpchk GET /readyz\n  http-check expect status 200\n' "$listener"
      for ((i = 1; i <= nodes; i++)); do
        read -r -a ports <"$dir/node$i.ports"
        printf '  server node%s 127.0.0.1:%s check inter 1s fall 2 rise 1\n' "$i" "${ports[$index]}"
      done
      index=$((index + 1))
    done
  } >"$dir/haproxy.cfg"
  haproxy -c -q -f "$dir/haproxy.cfg"
  haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid"
  printf 'PORTAL_URL=http://127.0.0.1:%s\nPRODUCTION_URL=http://127.0.0.1:%s\nSANDBOX_URL=http://127.0.0.1:%s\n' \
    "$portal" "$production" "$sandbox" >>"$dir/cluster.env"
  wait_for "http://127.0.0.1:$portal/readyz" 30
  wait_for "http://127.0.0.1:$sandbox/readyz" 30
  log "cluster up: portal http://127.0.0.1:$portal  production gateway http://127.0.0.1:$production  sandbox gateway http://127.0.0.1:$sandbox"
  log "operator token and node addresses: $dir/cluster.env"
}

down() {
  [[ -d $dir ]] || return 0
  local pidfile
  for pidfile in "$dir"/haproxy.pid "$dir"/node*.pid; do
    [[ -e $pidfile ]] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  for pidfile in "$dir"/node*.pid; do
    [[ -e $pidfile ]] || continue
    local pid; pid=$(cat "$pidfile")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ -d $dir/pg/data ]]; then
    local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    as_postgres "$bin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  log "cluster down"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
