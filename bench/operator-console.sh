#!/usr/bin/env bash
# Operator console at scale: with N audit events and N key pairs stored (1,000,000 each; seeded by `loadtool seed-keys`
# and `loadtool seed-audit`, platform stopped), on SQLite and on PostgreSQL:
#   - p95 of an audit search (the management API's /api/v1/audit, what the Audit page calls): a mix of no filter, by
#     account, actor, action, object and a time range, and the second page of each by cursor; bar <= 300 ms
#   - p95 of an account search (/api/v1/accounts?q=, what the Accounts page calls) by API key prefix, email, name, id
#     and data space id; bar <= 300 ms
#   - exporting 100,000 audit rows as CSV (streamed): seconds (bar <= 10 s) and the platform's resident memory growth
#     while it runs, against exporting 10,000 (flat memory: the same growth for ten times the rows)
# BENCH_QUICK=1: 4,000 of each, 3 requests per query kind (proves the script works; no bar is judged).
#
#   bench/operator-console.sh [storages="sqlite postgres"] [requests-per-kind=40]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
trap bench_cleanup EXIT

storages=${1:-sqlite postgres}
if [[ $BENCH_QUICK == 1 ]]; then count=4000; requests=3; export_rows=4000; small_rows=400; else count=1000000; requests=${2:-40}; export_rows=100000; small_rows=10000; fi
bench_build

# p95 in ms of the curl times (seconds) on stdin
p95() { sort -g | awk '{v[NR]=$1} END {i=int(NR*0.95+0.999); if (i<1) i=1; printf "%.1f\n", v[i]*1000}'; }
timed() { curl -s -o /dev/null -w '%{time_total}\n' --fail -H "Authorization: Bearer $BENCH_OPERATOR_TOKEN" "$1"; }

for storage in $storages; do
  echo "== $storage: $count key pairs, $count audit events"
  bench_platform_start "$storage"
  bench_platform_stop
  seed_args=(--sqlite "$BENCH_WORK/data/platform.db")
  [[ $storage == postgres ]] && seed_args=(--postgres "$BENCH_PG_CONNECTION")
  loadtool seed-keys --count "$count" --called 0 "${seed_args[@]}" --primes "${BENCH_PRIMES:-$BENCH_WORK/primes.txt}" \
    --out "$BENCH_WORK/called.tsv" --all-out "$BENCH_WORK/all.tsv" | tail -1
  loadtool seed-audit --count "$count" --accounts "$BENCH_WORK/all.tsv" "${seed_args[@]}" | tee "$BENCH_WORK/audit-seed.log" | tail -3
  sample_account=$(awk -F= '/^sample_account=/ {print $2}' "$BENCH_WORK/audit-seed.log")
  sample_key=$(awk -F= '/^sample_key=/ {print $2}' "$BENCH_WORK/audit-seed.log")
  if [[ $storage == postgres ]]; then
    bench_as_postgres "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql" "${BENCH_PG_CONNECTION//;/ }" -qc 'ANALYZE' >/dev/null 2>&1 || true
  fi

  bench_platform_start "$storage"
  api="$PORTAL/api/v1"
  # Warm-up: each kind once.
  timed "$api/audit?limit=50" >/dev/null; timed "$api/accounts?q=cs_sbx_a" >/dev/null

  from=$(date -u -d '-30 days' +%Y-%m-%dT%H:%M:%SZ); to=$(date -u -d '-20 days' +%Y-%m-%dT%H:%M:%SZ)
  audit_urls=("$api/audit?limit=50" "$api/audit?limit=50&account=$sample_account" "$api/audit?limit=50&actor=operator:alice@ops.example.com"
    "$api/audit?limit=50&action=key.revoked" "$api/audit?limit=50&object=$sample_key" "$api/audit?limit=50&from=$from&to=$to"
    "$api/audit?limit=50&action=operator.signed_in&from=$from")
  : >"$BENCH_WORK/audit.times"
  for _ in $(seq "$requests"); do
    for url in "${audit_urls[@]}"; do
      timed "$url" >>"$BENCH_WORK/audit.times"
      # the next page of the same search, by its cursor
      next=$(curl -s -H "Authorization: Bearer $BENCH_OPERATOR_TOKEN" "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("next") or "")')
      [[ -z $next ]] || timed "$url&after=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$next")" >>"$BENCH_WORK/audit.times"
    done
  done
  audit_p95=$(p95 <"$BENCH_WORK/audit.times")
  bench_result "operator.audit-search-p95.$storage" "audit search p95 ($storage, $count events)" "$audit_p95" ms 300 max \
    "$(wc -l <"$BENCH_WORK/audit.times") searches: none, account, actor, action, object, time range, and each one's next page"

  email_prefix=$(head -c 12 <<<"$sample_account")
  account_urls=()
  for _ in $(seq "$requests"); do
    key=$(shuf -n1 "$BENCH_WORK/all.tsv" | cut -f1)
    account_urls+=("$api/accounts?q=${key:0:14}" "$api/accounts?q=${key:0:9}" "$api/accounts?q=acc_" "$api/accounts?q=$email_prefix" "$api/accounts?q=ds_a" "$api/accounts?q=nobody-here")
  done
  : >"$BENCH_WORK/accounts.times"
  for url in "${account_urls[@]}"; do timed "$url" >>"$BENCH_WORK/accounts.times"; done
  accounts_p95=$(p95 <"$BENCH_WORK/accounts.times")
  bench_result "operator.account-search-p95.$storage" "account search p95 ($storage, $count key pairs)" "$accounts_p95" ms 300 max \
    "$(wc -l <"$BENCH_WORK/accounts.times") searches: key prefixes, account id, email, data space id, no match"

  # Export: seconds, and resident memory growth sampled every 100 ms while it streams.
  export_run() {
    local rows=$1 rss0 peak pid start
    rss0=$(bench_rss "$BENCH_PLATFORM_PID"); peak=$rss0
    start=$(date +%s.%N)
    curl -s --fail -o "$BENCH_WORK/export.csv" -H "Authorization: Bearer $BENCH_OPERATOR_TOKEN" "$api/audit/export?format=csv&limit=$rows" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do r=$(bench_rss "$BENCH_PLATFORM_PID"); ((r > peak)) && peak=$r; sleep 0.1; done
    wait "$pid"
    echo "$(echo "$(date +%s.%N) - $start" | bc -l) $((peak - rss0)) $(($(wc -l <"$BENCH_WORK/export.csv") - 1))"
  }
  read -r small_s small_mb small_n < <(export_run "$small_rows")
  read -r big_s big_mb big_n < <(export_run "$export_rows")
  [[ $big_n == "$export_rows" ]] || { echo "the export wrote $big_n rows, not $export_rows" >&2; exit 1; }
  bench_result "operator.audit-export.$storage" "export $export_rows audit rows as CSV ($storage)" "$big_s" s 10 max \
    "$(echo "$export_rows / $big_s" | bc) rows/s; RSS growth $big_mb MB (vs $small_mb MB for $small_rows rows)"
  bench_result "operator.audit-export-rss.$storage" "RSS growth exporting $export_rows rows ($storage)" "$big_mb" MB "" max \
    "$small_mb MB for $small_rows rows: flat when the two are alike"
  bench_platform_stop
  rm -rf "$BENCH_WORK/data"
done
