#!/usr/bin/env bash
# Payments throughput: authorize + capture through the sandbox gateway with the connector's
# PaymentsClient (an Idempotency-Key on each POST, test card 4111…, a testing data space); one call = the pair, so four
# signed requests' worth of writes (payment, idempotency records, capture). Two platforms run at once, one on SQLite and
# one on a throwaway PostgreSQL, and one loadtool process drives them in alternating rounds after a warm-up, so both see
# the same neighbours. What limits each is read from /proc: the CPU the platform, PostgreSQL and the client used during
# the run (2 cores here), and the same load with 4 workers beside the 32, in the same alternation (no gain from
# concurrency = a serial bottleneck).
#
#   bench/payments.sh [seconds-per-round=3] [rounds=6] [workers=32]      BENCH_QUICK=1: a short run that proves it works
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
seconds=${1:-3}; rounds=${2:-6}; workers=${3:-32}; warmup=3
if [[ $BENCH_QUICK == 1 ]]; then seconds=1; rounds=1; warmup=1; workers=8; fi
root=$BENCH_WORK
sqlite_pid=
cleanup() {
  [[ -n $sqlite_pid ]] && { kill "$sqlite_pid" 2>/dev/null || true; wait "$sqlite_pid" 2>/dev/null || true; }
  BENCH_WORK=$root bench_cleanup
}
trap cleanup EXIT

# platform_with_space storage -> starts a platform in $root/<storage>, with an account, a sandbox key and a testing data
# space; sets TARGET (loadtool's --target) and leaves BENCH_PLATFORM_PID set
platform_with_space() {
  BENCH_WORK=$root/$1; mkdir -p "$BENCH_WORK"
  bench_platform_start "$1"
  bench_account "payments-$1@example.com"
  bench_key sandbox
  local project space
  project=$(bench_api "$PORTAL/api/v1/accounts/$ACCOUNT/projects" | bench_json '[0]["id"]')
  space=$(bench_api -d "{\"projectId\":\"$project\",\"name\":\"bench-till\",\"type\":\"testing\"}" "$PORTAL/api/v1/accounts/$ACCOUNT/data-spaces" | bench_json '["id"]')
  TARGET="$1,$SANDBOX,$API_KEY,$BENCH_WORK/private.pem,$space"
}

bench_build
platform_with_space sqlite; sqlite_target=$TARGET; sqlite_pid=$BENCH_PLATFORM_PID; BENCH_PLATFORM_PID=
platform_with_space postgres; postgres_target=$TARGET; postgres_pid=$BENCH_PLATFORM_PID
postmaster=$(head -1 "$BENCH_PG_DIR/data/postmaster.pid")

# cpu_seconds pid... -> CPU seconds (user + system) of these processes, with their reaped children's
cpu_seconds() {
  python3 - "$@" <<'PY'
import os, sys
ticks = 0
for pid in sys.argv[1:]:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    except FileNotFoundError:
        pass
print(ticks / os.sysconf("SC_CLK_TCK"))
PY
}
postgres_pids() { echo "$postmaster"; ps -o pid= --ppid "$postmaster"; }

# What a commit costs here: SQLite (WAL, synchronous FULL by default) and PostgreSQL both wait for an fsync per commit.
fsync_ms=$(python3 - "$root" <<'PY'
import os, statistics, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
times = []
for _ in range(100):
    os.write(fd, b"x" * 4096); start = time.perf_counter(); os.fsync(fd); times.append(time.perf_counter() - start)
os.close(fd); os.remove(path)
print(f"{statistics.median(times) * 1000:.2f}")
PY
)
load=$(cut -d' ' -f1 /proc/loadavg)

echo "== authorize + capture, SQLite and PostgreSQL alternating ($rounds x ${seconds}s, $workers and 4 workers)" >&2
sqlite_cpu=$(cpu_seconds "$sqlite_pid"); platform_cpu=$(cpu_seconds "$postgres_pid"); pg_cpu=$(cpu_seconds $(postgres_pids))
started=$(date +%s.%N)
# dotnet itself in the background (not the loadtool function, whose subshell would hide the CPU until it exits)
dotnet "$BENCH_LOADTOOL_DLL" payments --target "$sqlite_target" --target "$postgres_target" --workers "$workers" 4 --seconds "$seconds" \
  --rounds "$rounds" --warmup-seconds "$warmup" >"$root/payments.jsonl" &
loadtool_pid=$!
client_cpu=0
# The highest reading: a process that has exited but is not yet reaped reads as 0.
while kill -0 "$loadtool_pid" 2>/dev/null; do
  client_cpu=$(awk -v a="$(cpu_seconds "$loadtool_pid")" -v b="$client_cpu" 'BEGIN {print (a > b) ? a : b}'); sleep 0.5
done
wait "$loadtool_pid"
elapsed=$(python3 -c "import time; print(time.time() - $started)")
sqlite_cpu=$(python3 -c "print($(cpu_seconds "$sqlite_pid") - $sqlite_cpu)")
platform_cpu=$(python3 -c "print($(cpu_seconds "$postgres_pid") - $platform_cpu)")
pg_cpu=$(python3 -c "print($(cpu_seconds $(postgres_pids)) - $pg_cpu)")

# Each platform was busy for its own rounds (and warm-ups) only, so its CPU is divided by that time, not the whole run.
python3 - "$root/payments.jsonl" "$workers" "$rounds" "$seconds" "$warmup" "$elapsed" "$sqlite_cpu" "$platform_cpu" "$pg_cpu" "$client_cpu" "$fsync_ms" "$load" >"$root/summary" <<'PY'
import json, statistics, sys
path, workers, rounds, seconds, warmup, elapsed, sqlite_cpu, platform_cpu, pg_cpu, client_cpu, fsync_ms, load = sys.argv[1:13]
host = f"; fsync {fsync_ms} ms median, load average {load} at start"
every = [json.loads(l) for l in open(path)]
rows = [r for r in every if r["workers"] == int(workers)]
few_rows = [r for r in every if r["workers"] == 4]
def med(rs, label): return statistics.median(r["callsPerSecond"] for r in rs if r["mode"] == label)
def p50(rs, label): return statistics.median(r["p50Ms"] for r in rs if r["mode"] == label)
for r in every:
    print(f'# round {r["round"]}: {r["mode"]:8} {r["workers"]:3} workers {r["callsPerSecond"]:7.0f} pairs/s  p50 {r["p50Ms"]:.1f} ms  p99 {r["p99Ms"]:.1f} ms', file=sys.stderr)
busy = 2 * (int(rounds) * float(seconds) + float(warmup))  # two worker counts per platform
sqlite, postgres = med(rows, "sqlite"), med(rows, "postgres")
ratios = [a["callsPerSecond"] / b["callsPerSecond"] for a in rows for b in rows
          if a["round"] == b["round"] and a["mode"] == "postgres" and b["mode"] == "sqlite"]
def scale(label):
    ratios = [a["callsPerSecond"] / b["callsPerSecond"] for a in rows for b in few_rows if a["round"] == b["round"] and a["mode"] == b["mode"] == label]
    return f", {med(few_rows, label):.0f}/s with 4 workers ({workers}/4 workers: {statistics.median(ratios):.2f}x)"
# A reading of the figures, not a proof: no gain from 8x the workers means one thing at a time (SQLite's single writer,
# each commit waiting for its fsync); near 2 cores busy means the CPU; otherwise commit latency with a share of the CPU.
def limit(label, cores):
    if med(few_rows, label) >= 1.1 * med(rows, label):
        return f"LIMIT: serial commits, and waiting for locks under concurrency (4 workers get more done than {rows[0]['workers']}; ~6 committed writes per pair, each an fsync)"
    if med(few_rows, label) >= 0.8 * med(rows, label):
        return f"LIMIT: serial commits (no gain from 4 to {rows[0]['workers']} workers; ~6 committed writes per pair, each an fsync)"
    if cores >= 1.6:
        return f"LIMIT: CPU ({cores:.2f} of 2 cores busy with platform, database and client)"
    return f"LIMIT: commit latency (fsync per commit, grouped under concurrency) and the CPU share left by neighbours ({cores:.2f} of 2 cores used)"
client_cores = float(client_cpu) / float(elapsed)
sqlite_limit = limit("sqlite", float(sqlite_cpu) / busy + client_cores)
postgres_limit = limit("postgres", (float(platform_cpu) + float(pg_cpu)) / busy + client_cores)
print(f"sqlite={sqlite:.1f}")
print(f"postgres={postgres:.1f}")
print(f"ratio={statistics.median(ratios):.3f}")
print(f"sqlite_detail='{sqlite_limit}; {rows[0]['workers']} workers, p50 {p50(rows, 'sqlite'):.1f} ms{scale('sqlite')}; CPU while running: platform {float(sqlite_cpu) / busy:.2f} cores, client {float(client_cpu) / float(elapsed):.2f} cores of 2{host}'")
print(f"postgres_detail='{postgres_limit}; {rows[0]['workers']} workers, p50 {p50(rows, 'postgres'):.1f} ms{scale('postgres')}; CPU while running: platform {float(platform_cpu) / busy:.2f} cores, PostgreSQL {float(pg_cpu) / busy:.2f} cores, client {float(client_cpu) / float(elapsed):.2f} cores of 2{host}'")
PY
source "$root/summary"
echo "PostgreSQL / SQLite, median of per-round ratios: $ratio" >&2
bench_result payments.sqlite "Payments on SQLite: authorize + capture pairs per second (connector, Idempotency-Key)" "$sqlite" calls/s "" min "$sqlite_detail"
bench_result payments.postgres "Payments on PostgreSQL: authorize + capture pairs per second (connector, Idempotency-Key)" "$postgres" calls/s "" min "$postgres_detail"
bench_result payments.postgres-vs-sqlite "Payments: PostgreSQL / SQLite throughput (median of per-round ratios)" "$ratio" x "" min "same run, alternating rounds"
