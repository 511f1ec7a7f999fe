# Shared by the bench/ scripts: start a platform (Release build) on free loopback ports, on SQLite or on a throwaway
# PostgreSQL, and make an account with a sandbox key pair. Source it after lib/results.sh; call bench_cleanup from the
# script's EXIT trap. Every function fails the script (set -e) rather than carry on with half a setup.
#
#   bench_build [--micro]               dotnet build -c $BENCH_CONFIGURATION of the platform and the load tool (--micro: and the
#                                       BenchmarkDotNet project); nothing when run-all.sh has built them (BENCH_BUILT=1)
#   bench_postgres_start                throwaway PostgreSQL on a free port; sets BENCH_PG_CONNECTION
#   bench_platform_start [storage] [extra platform args...]     (BENCH_PLATFORM_CPU: a command prefix, taskset -c 1)
#                                       storage = sqlite (default) or postgres; sets PORTAL, PRODUCTION, SANDBOX (URLs),
#                                       BENCH_PLATFORM_PID; the data folder is $BENCH_WORK/data
#   bench_platform_stop                 stops it (the data folder stays until bench_cleanup)
#   bench_account [email]               account with the payments entitlement; sets ACCOUNT
#   bench_key [environment]             new platform-made key pair for ACCOUNT; sets API_KEY, writes $BENCH_WORK/private.pem
#   bench_api <curl args...>            curl to the management API with the operator token
#   bench_rss <pid>                     resident memory of a process in MB
BENCH_WORK=${BENCH_WORK:-$(mktemp -d)}
BENCH_OPERATOR_TOKEN=bench-operator-token
# Release for real figures; the test command's quick run uses the Debug build it has just made (BENCH_CONFIGURATION=Debug).
BENCH_CONFIGURATION=${BENCH_CONFIGURATION:-Release}
BENCH_PLATFORM_DLL=src/CommerceServices.Platform/bin/$BENCH_CONFIGURATION/net10.0/CommerceServices.Platform.dll
BENCH_LOADTOOL_DLL=bench/CommerceServices.LoadTool/bin/$BENCH_CONFIGURATION/net10.0/loadtool.dll
BENCH_PLATFORM_PID=
BENCH_PG_DIR=

bench_as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

bench_build() {
  command -v wrk >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
  command -v openssl >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }
  # run-all.sh builds everything once and sets BENCH_BUILT=1, so each script does not build again.
  [[ ${BENCH_BUILT:-0} == 1 ]] && return 0
  dotnet build src/CommerceServices.Platform -c "$BENCH_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
  dotnet build bench/CommerceServices.LoadTool -c "$BENCH_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
  [[ ${1:-} != --micro ]] || dotnet build bench/CommerceServices.Benchmarks -c "$BENCH_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
}

loadtool() { dotnet "$BENCH_LOADTOOL_DLL" "$@"; }

bench_postgres_start() {
  local bin port
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  port=$(bench_port)
  BENCH_PG_DIR=$BENCH_WORK/pg
  mkdir -p "$BENCH_PG_DIR"
  # As root the server runs as the postgres user, which must reach its folder (mktemp makes 0700 ones).
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$BENCH_PG_DIR"; chmod a+x "$BENCH_WORK" "$(dirname "$BENCH_WORK")"; fi
  bench_as_postgres "$bin/initdb" -D "$BENCH_PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  bench_as_postgres "$bin/pg_ctl" -D "$BENCH_PG_DIR/data" -l "$BENCH_PG_DIR/log" -w start \
    -o "-p $port -k $BENCH_PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
  bench_as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc 'CREATE DATABASE commerce' >/dev/null
  BENCH_PG_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=commerce"
}

bench_postgres_stop() {
  [[ -n $BENCH_PG_DIR && -d $BENCH_PG_DIR/data ]] || return 0
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  bench_as_postgres "$bin/pg_ctl" -D "$BENCH_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}

bench_platform_start() {
  local storage=${1:-sqlite}; shift || true
  local portal production sandbox storage_args=()
  portal=$(bench_port); production=$(bench_port); sandbox=$(bench_port)
  if [[ $storage == postgres ]]; then
    [[ -n ${BENCH_PG_CONNECTION:-} ]] || bench_postgres_start
    storage_args=(--Storage:Provider=PostgreSql "--Storage:ConnectionString=$BENCH_PG_CONNECTION")
  fi
  # shellcheck disable=SC2086 # BENCH_PLATFORM_CPU is a command prefix (taskset -c 1), empty by default
  ${BENCH_PLATFORM_CPU:-} dotnet "$BENCH_PLATFORM_DLL" \
    --Platform:PortalUrl="http://127.0.0.1:$portal" --Platform:ProductionGatewayUrl="http://127.0.0.1:$production" \
    --Platform:SandboxGatewayUrl="http://127.0.0.1:$sandbox" --Platform:DataDirectory="$BENCH_WORK/data" \
    --Platform:OperatorToken="$BENCH_OPERATOR_TOKEN" --Gateway:RateLimitPerSecond=1000000 --Gateway:RateLimitBurst=10000000 \
    --Logging:LogLevel:Default=Warning "${storage_args[@]}" "$@" >>"$BENCH_WORK/platform.log" 2>&1 &
  BENCH_PLATFORM_PID=$!
  PORTAL=http://127.0.0.1:$portal PRODUCTION=http://127.0.0.1:$production SANDBOX=http://127.0.0.1:$sandbox
  for _ in $(seq 300); do
    curl -sf "$PORTAL/readyz" >/dev/null && return 0
    kill -0 "$BENCH_PLATFORM_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "the platform did not start; its log:" >&2; tail -40 "$BENCH_WORK/platform.log" >&2
  return 1
}

bench_platform_stop() {
  [[ -n $BENCH_PLATFORM_PID ]] || return 0
  kill "$BENCH_PLATFORM_PID" 2>/dev/null || true
  wait "$BENCH_PLATFORM_PID" 2>/dev/null || true
  BENCH_PLATFORM_PID=
}

bench_cleanup() {
  bench_platform_stop
  bench_postgres_stop
  rm -rf "$BENCH_WORK"
}

bench_api() { curl -sS --fail-with-body -H "Authorization: Bearer $BENCH_OPERATOR_TOKEN" -H 'content-type: application/json' "$@"; }
bench_json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

bench_account() {
  ACCOUNT=$(bench_api -d "{\"email\":\"${1:-bench@example.com}\"}" "$PORTAL/api/v1/accounts" | bench_json '["id"]')
  bench_api -X PUT "$PORTAL/api/v1/accounts/$ACCOUNT/entitlements/payments" >/dev/null
}

bench_key() {
  bench_api -d "{\"environment\":\"${1:-sandbox}\"}" "$PORTAL/api/v1/accounts/$ACCOUNT/keys" >"$BENCH_WORK/key.json"
  API_KEY=$(bench_json '["apiKey"]' <"$BENCH_WORK/key.json")
  (umask 077; bench_json '["privateKey"]' <"$BENCH_WORK/key.json" >"$BENCH_WORK/private.pem")
}

# CPU time (user + system) a process has used so far, in microseconds.
bench_cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f\n", ($14 + $15) * 1000000 / hz}' "/proc/$1/stat"; }

bench_rss() { awk '/VmRSS/ {printf "%.0f\n", $2 / 1024}' "/proc/$1/status"; }

# wrk_run url [wrk args...] [-- script args] -> requests/sec on stdout; fails on any error or non-2xx answer.
# WRK_SECONDS (default 3), WRK_CONNECTIONS (default 32) and WRK_THREADS (default 2) set the run; WRK_PREFIX is a
# command prefix for wrk (taskset -c 0); WRK_REQUESTS_FILE, when set, receives the number of requests answered.
wrk_run() {
  local url=$1; shift
  # shellcheck disable=SC2086
  local out; out=$(${WRK_PREFIX:-} wrk -t"${WRK_THREADS:-2}" -c"${WRK_CONNECTIONS:-32}" -d"${WRK_SECONDS:-3}s" --latency "$url" "$@")
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "errors during the run:" >&2; echo "$out" >&2; return 1; fi
  [[ -z ${WRK_REQUESTS_FILE:-} ]] || awk '/requests in/ {print $1}' <<<"$out" >"$WRK_REQUESTS_FILE"
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
