#!/usr/bin/env bash
# Many keys, on SQLite and on PostgreSQL: with N key pairs stored (1,000,000; seeded by
# `loadtool seed-keys` from a few hundred RSA keys' primes, not one key generation per row), how do
#   - calls spread over 10,000 keys compare with calls of one key (both through bench/lib/rotate.lua, a reused token
#     per key; short alternating rounds after a warm-up, median of the per-round ratios; bar >= 0.90),
#   - first calls of keys not in the cache do while wrk loads the gateway with the 10,000 others (p99, ms),
#   - the platform's resident memory do after every stored key has called once (each sent with the token "x.y.z": the
#     gateway looks the key up and caches it, then refuses the token as malformed — no RSA work, so the run is about
#     the key cache), against the memory after the 10,000.
# BENCH_QUICK=1: 1,000 keys, 200 called, one 1-s round without warm-up, SQLite only (proves the script works; no bar is judged).
# BENCH_PRIMES=file keeps the seeder's primes between runs (708 RSA-2048 key generations for 1,000,000 keys).
# DISTINCT_KEYS=n: only the first n stored keys call once for the memory figure (default: all of them; on a busy
# 2-core machine a miss costs about 1.5 ms of server CPU, mostly parsing the RSA public key, so 1,000,000 take minutes).
#
#   bench/many-keys.sh [storages="sqlite postgres"] [seconds-per-round=3] [rounds=8] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
trap bench_cleanup EXIT

storages=${1:-sqlite postgres}
if [[ $BENCH_QUICK == 1 ]]; then
  # SQLite only: the PostgreSQL half differs in its seeding alone, which operator-console.sh's quick run covers.
  storages=${1:-sqlite}
  count=1000; called=200; fresh=50; seconds=1; rounds=1; warmup=0
else
  count=1000000; called=10000; fresh=1000; seconds=${2:-3}; rounds=${3:-8}; warmup=5
fi
distinct=${DISTINCT_KEYS:-$count}
export WRK_CONNECTIONS=${4:-32}
bench_build

for storage in $storages; do
  echo "== $storage: $count key pairs, $called called"
  # The platform makes its schema (migrations), then stops while the rows go in.
  bench_platform_start "$storage"
  bench_platform_stop
  seed_args=(--sqlite "$BENCH_WORK/data/platform.db")
  [[ $storage == postgres ]] && seed_args=(--postgres "$BENCH_PG_CONNECTION")
  loadtool seed-keys --count "$count" --called "$called" --fresh "$fresh" "${seed_args[@]}" --primes "${BENCH_PRIMES:-$BENCH_WORK/primes.txt}" \
    --out "$BENCH_WORK/called.tsv" --fresh-out "$BENCH_WORK/fresh.tsv" --all-out "$BENCH_WORK/all.tsv" | tee "$BENCH_WORK/seed.log"
  seed_rate=$(grep -oE '[0-9]+ key pairs/s' "$BENCH_WORK/seed.log" | awk '{print $1}')
  head -1 "$BENCH_WORK/called.tsv" >"$BENCH_WORK/one.tsv"

  bench_platform_start "$storage"
  ping="$SANDBOX/merchant-registry/v1/ping"
  # Warm-up: every called key once (its row read, RSA key parsed, token verified: the one-time cost per key), then wrk
  # on both sets, so the rounds compare steady states rather than 10,000 first calls against one.
  loadtool call-each-key --in "$BENCH_WORK/called.tsv" --sandbox "$SANDBOX" --concurrency 32 >"$BENCH_WORK/warm.log"
  grep -q "^status_200=$called " "$BENCH_WORK/warm.log" || { echo "warm-up: not every answer was 200" >&2; cat "$BENCH_WORK/warm.log" >&2; exit 1; }
  echo "warm-up: first call of each of $called keys at $(awk -F= '/^rate=/ {print $2}' "$BENCH_WORK/warm.log") calls/s"
  if ((warmup > 0)); then
    WRK_SECONDS=$warmup wrk_run "$ping" -s bench/lib/rotate.lua -- "$BENCH_WORK/called.tsv" >/dev/null
    WRK_SECONDS=$warmup wrk_run "$ping" -s bench/lib/rotate.lua -- "$BENCH_WORK/one.tsv" >/dev/null
  fi
  ratios=()
  for round in $(seq "$rounds"); do
    one=$(WRK_SECONDS=$seconds wrk_run "$ping" -s bench/lib/rotate.lua -- "$BENCH_WORK/one.tsv")
    spread=$(WRK_SECONDS=$seconds wrk_run "$ping" -s bench/lib/rotate.lua -- "$BENCH_WORK/called.tsv")
    ratio=$(echo "$spread / $one" | bc -l)
    printf 'round %d: one key %9.0f req/s   %d keys %9.0f req/s   ratio %.3f\n' "$round" "$one" "$called" "$spread" "$ratio"
    ratios+=("$ratio")
  done
  median=$(printf '%s\n' "${ratios[@]}" | bench_median)
  rss_called=$(bench_rss "$BENCH_PLATFORM_PID")
  bench_result "keys.spread-$((called / 1000))k.$storage" "calls over $called keys vs one key ($storage, $count stored)" \
    "$median" x 0.90 min "median of $rounds rounds of ${seconds}s; seeding $seed_rate key pairs/s"

  # First calls of keys the node has not seen, while wrk keeps the gateway busy with the called keys.
  wrk -t2 -c"$WRK_CONNECTIONS" -d120s -s bench/lib/rotate.lua "$ping" -- "$BENCH_WORK/called.tsv" >/dev/null 2>&1 &
  load=$!
  sleep 1
  loadtool call-each-key --in "$BENCH_WORK/fresh.tsv" --sandbox "$SANDBOX" --concurrency 4 | tee "$BENCH_WORK/fresh.log"
  kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true
  grep -q "^status_200=$fresh " "$BENCH_WORK/fresh.log" || { echo "first calls: not every answer was 200" >&2; exit 1; }
  bench_result "keys.first-call-p99.$storage" "first call of an uncached key under load, p99 ($storage)" \
    "$(awk -F= '/^p99_ms=/ {print $2}' "$BENCH_WORK/fresh.log")" ms "" min "$fresh keys, 4 at a time, wrk on $called others"

  # Every stored key calls once (token x.y.z: looked up, cached, refused 401 malformed_signature).
  head -n "$distinct" "$BENCH_WORK/all.tsv" >"$BENCH_WORK/distinct.tsv"
  loadtool call-each-key --in "$BENCH_WORK/distinct.tsv" --token x.y.z --sandbox "$SANDBOX" --production "$PRODUCTION" \
    --concurrency 32 | tee "$BENCH_WORK/all.log"
  grep -q "^status_401=$distinct " "$BENCH_WORK/all.log" || { echo "distinct keys: not every answer was a 401" >&2; exit 1; }
  rss_all=$(bench_rss "$BENCH_PLATFORM_PID")
  bench_result "keys.rss-after-$((called / 1000))k.$storage" "platform RSS after $called distinct keys called ($storage)" "$rss_called" MB
  bench_result "keys.rss-after-distinct.$storage" "platform RSS after $distinct distinct keys called ($storage, $count stored, cache bound 100000)" \
    "$rss_all" MB "" max "$(awk -F= '/^rate=/ {print $2}' "$BENCH_WORK/all.log") lookups/s"
  bench_platform_stop
  rm -rf "$BENCH_WORK/data"
done
