#!/usr/bin/env bash
# Payments throughput: authorize + capture through the sandbox gateway with the connector's PaymentsClient (an
# Idempotency-Key on each POST, test card 4111…, a testing data space); one call = the pair. Each call commits its intent
# (phase 1), the sandbox processor its own books, and the call its outcome with the stored answer (phase 3): six commits
# per pair, of which SQLite syncs the two intents (docs/payments.md). The commits are also counted on PostgreSQL, where
# every write transaction takes a transaction id. Two platforms run at once, one on SQLite and
# one on a throwaway PostgreSQL, and one loadtool process drives them in alternating rounds after a warm-up, so both see
# the same neighbours. What limits each is read from /proc: the CPU the platform, PostgreSQL and the client used during
# the run (2 cores here), and the same load with 4 workers beside the 32, in the same alternation (no gain from
# concurrency = a serial bottleneck).
#
# BENCH_BASELINE=<git revision> also runs that revision's platform (SQLite and PostgreSQL) in the same alternation, and
# reports this one's throughput as a multiple of it: a comparison that holds on a machine shared with other work.
#
#   bench/payments.sh [seconds-per-round=3] [rounds=6] [workers=32]      BENCH_QUICK=1: a short run that proves it works
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
seconds=${1:-3}; rounds=${2:-6}; workers=${3:-32}; warmup=3
if [[ $BENCH_QUICK == 1 ]]; then seconds=1; rounds=1; warmup=0; workers=8; fi
root=$BENCH_WORK
sqlite_pid=
baseline_pids=()
cleanup() {
  for pid in $sqlite_pid "${baseline_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  BENCH_WORK=$root bench_cleanup
}
trap cleanup EXIT

# platform_with_space storage -> starts a platform in $root/<storage>, with an account, a sandbox key and a testing data
# space; sets TARGET (loadtool's --target) and leaves BENCH_PLATFORM_PID set
platform_with_space() {
  BENCH_WORK=$root/$1; mkdir -p "$BENCH_WORK"
  bench_platform_start "${2:-$1}"
  bench_account "payments-$1@example.com"
  bench_key sandbox
  local project space
  project=$(bench_api "$PORTAL/api/v1/accounts/$ACCOUNT/projects" | bench_json '[0]["id"]')
  space=$(bench_api -d "{\"projectId\":\"$project\",\"name\":\"bench-till\",\"type\":\"testing\"}" "$PORTAL/api/v1/accounts/$ACCOUNT/data-spaces" | bench_json '["id"]')
  TARGET="$1,$SANDBOX,$API_KEY,$BENCH_WORK/private.pem,$space"
}

bench_build
platform_with_space sqlite; sqlite_target=$TARGET; sqlite_pid=$BENCH_PLATFORM_PID; BENCH_PLATFORM_PID=
platform_with_space postgres; postgres_target=$TARGET; postgres_pid=$BENCH_PLATFORM_PID; postgres_portal=$PORTAL postgres_account=$ACCOUNT
postmaster=$(head -1 "$BENCH_PG_DIR/data/postmaster.pid")

baseline_targets=()
if [[ -n ${BENCH_BASELINE:-} ]]; then
  base=$root/baseline-source; mkdir -p "$base"
  git archive "$BENCH_BASELINE" | tar -x -C "$base"
  dotnet build "$base/src/CommerceServices.Platform" -c "$BENCH_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2
  current_dll=$BENCH_PLATFORM_DLL current_pg=$BENCH_PG_CONNECTION
  BENCH_PLATFORM_DLL=$base/src/CommerceServices.Platform/bin/$BENCH_CONFIGURATION/net10.0/CommerceServices.Platform.dll
  platform_with_space sqlite-before sqlite; baseline_targets+=(--target "$TARGET"); baseline_pids+=("$BENCH_PLATFORM_PID")
  bench_as_postgres "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql" -h 127.0.0.1 -p "$(sed 's/.*Port=\([0-9]*\).*/\1/' <<<"$current_pg")" \
    -U postgres -qc 'CREATE DATABASE commerce_before' >/dev/null
  BENCH_PG_CONNECTION=${current_pg/Database=commerce/Database=commerce_before}
  platform_with_space postgres-before postgres; baseline_targets+=(--target "$TARGET"); baseline_pids+=("$BENCH_PLATFORM_PID")
  BENCH_PLATFORM_DLL=$current_dll BENCH_PG_CONNECTION=$current_pg BENCH_PLATFORM_PID=$postgres_pid
fi

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

# Commits per pair, counted: PostgreSQL gives every write transaction an id, so the ids taken during a short run of pairs
# (after a warm-up) divided by the pairs is the commits per pair (the platform's few background writes included).
pg_port=$(sed 's/.*Port=\([0-9]*\).*/\1/' <<<"$BENCH_PG_CONNECTION")
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
next_xid() { bench_as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d commerce -Atc 'SELECT txid_snapshot_xmax(txid_current_snapshot())'; }
# Each loadtool run is a new instance of the connector: the data space is released after each, as a shop moving would.
release_space() { bench_api -X DELETE "$postgres_portal/api/v1/accounts/$postgres_account/data-spaces/$(cut -d, -f5 <<<"$postgres_target")/instance" >/dev/null; }
probe_seconds=1
if [[ $BENCH_QUICK != 1 ]]; then
  probe_seconds=2
  dotnet "$BENCH_LOADTOOL_DLL" payments --target "$postgres_target" --workers 8 --seconds 1 --rounds 1 --warmup-seconds 1 >/dev/null
  release_space
fi
xid_before=$(next_xid)
dotnet "$BENCH_LOADTOOL_DLL" payments --target "$postgres_target" --workers 8 --seconds "$probe_seconds" --rounds 1 --warmup-seconds 0 >"$root/commits.jsonl"
xid_after=$(next_xid)
release_space
commits_per_pair=$(python3 -c "import json; r=json.loads(open('$root/commits.jsonl').readlines()[-1]); print(f'{($xid_after - $xid_before) / r[\"calls\"]:.2f}')")
echo "PostgreSQL write transactions per authorize + capture pair: $commits_per_pair" >&2

echo "== authorize + capture, SQLite and PostgreSQL alternating ($rounds x ${seconds}s, $workers and 4 workers)" >&2
sqlite_cpu=$(cpu_seconds "$sqlite_pid"); platform_cpu=$(cpu_seconds "$postgres_pid"); pg_cpu=$(cpu_seconds $(postgres_pids))
started=$(date +%s.%N)
# dotnet itself in the background (not the loadtool function, whose subshell would hide the CPU until it exits)
dotnet "$BENCH_LOADTOOL_DLL" payments --target "$sqlite_target" --target "$postgres_target" "${baseline_targets[@]}" --workers "$workers" 4 --seconds "$seconds" \
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
python3 - "$root/payments.jsonl" "$workers" "$rounds" "$seconds" "$warmup" "$elapsed" "$sqlite_cpu" "$platform_cpu" "$pg_cpu" "$client_cpu" "$fsync_ms" "$load" "$commits_per_pair" >"$root/summary" <<'PY'
import json, statistics, sys
path, workers, rounds, seconds, warmup, elapsed, sqlite_cpu, platform_cpu, pg_cpu, client_cpu, fsync_ms, load, commits = sys.argv[1:14]
host = f"; fsync {fsync_ms} ms median, load average {load} at start, {open('/proc/loadavg').read().split()[0]} at the end"
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
        return f"LIMIT: serial commits, and waiting for locks under concurrency (4 workers get more done than {rows[0]['workers']}; {pairs_commits(label)})"
    if med(few_rows, label) >= 0.8 * med(rows, label):
        return f"LIMIT: serial commits (no gain from 4 to {rows[0]['workers']} workers; {pairs_commits(label)})"
    if cores >= 1.6:
        return f"LIMIT: CPU ({cores:.2f} of 2 cores busy with platform, database and client)"
    return f"LIMIT: commit latency (fsync per commit, grouped under concurrency) and the CPU share left by neighbours ({cores:.2f} of 2 cores used)"
def pairs_commits(label):
    return "6 commits per pair, 2 of them synced" if label == "sqlite" else f"{commits} commits per pair counted"
client_cores = float(client_cpu) / float(elapsed)
sqlite_limit = limit("sqlite", float(sqlite_cpu) / busy + client_cores)
postgres_limit = limit("postgres", (float(platform_cpu) + float(pg_cpu)) / busy + client_cores)
print(f"sqlite={sqlite:.1f}")
print(f"postgres={postgres:.1f}")
print(f"ratio={statistics.median(ratios):.3f}")
print(f"commits={commits}")
for label in ("sqlite", "postgres"):
    before = [r for r in rows if r["mode"] == label + "-before"]
    if before:
        gains = [a["callsPerSecond"] / b["callsPerSecond"] for a in rows for b in before if a["mode"] == label and a["round"] == b["round"]]
        print(f"{label}_before={med(rows, label + '-before'):.1f}")
        print(f"{label}_gain={statistics.median(gains):.2f}")
print(f"sqlite_detail='{sqlite_limit}; {rows[0]['workers']} workers, p50 {p50(rows, 'sqlite'):.1f} ms{scale('sqlite')}; CPU while running: platform {float(sqlite_cpu) / busy:.2f} cores, client {float(client_cpu) / float(elapsed):.2f} cores of 2{host}'")
print(f"postgres_detail='{postgres_limit}; {rows[0]['workers']} workers, p50 {p50(rows, 'postgres'):.1f} ms{scale('postgres')}; {commits} commits per pair counted; CPU while running: platform {float(platform_cpu) / busy:.2f} cores, PostgreSQL {float(pg_cpu) / busy:.2f} cores, client {float(client_cpu) / float(elapsed):.2f} cores of 2{host}'")
PY
source "$root/summary"
echo "PostgreSQL / SQLite, median of per-round ratios: $ratio" >&2
bench_result payments.sqlite "Payments on SQLite: authorize + capture pairs per second (connector, Idempotency-Key)" "$sqlite" calls/s "" min "$sqlite_detail"
bench_result payments.postgres "Payments on PostgreSQL: authorize + capture pairs per second (connector, Idempotency-Key)" "$postgres" calls/s "" min "$postgres_detail"
bench_result payments.postgres-vs-sqlite "Payments: PostgreSQL / SQLite throughput (median of per-round ratios)" "$ratio" x "" min "same run, alternating rounds"
if [[ -n ${BENCH_BASELINE:-} ]]; then
  bench_result payments.sqlite-vs-before "Payments on SQLite: pairs per second against $BENCH_BASELINE (median of per-round ratios)" "$sqlite_gain" x 10 min \
    "same run, alternating rounds; $BENCH_BASELINE made $sqlite_before pairs/s"
  bench_result payments.postgres-vs-before "Payments on PostgreSQL: pairs per second against $BENCH_BASELINE (median of per-round ratios)" "$postgres_gain" x "" min \
    "same run, alternating rounds; $BENCH_BASELINE made $postgres_before pairs/s"
fi
