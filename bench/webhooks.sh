#!/usr/bin/env bash
# Webhooks: the delivery rate to a local receiver that answers at once, and how soon 10,000 events queued during a
# simulated 1-hour outage are all delivered after the receiver comes back (bars: >= 500 deliveries/s on SQLite, all
# within 60 s; PostgreSQL reported).
#
# For each storage (SQLite, then a throwaway PostgreSQL): a platform with its default webhook settings, a sandbox
# endpoint for payment.* and authorize + capture pairs (loadtool payments) until the outbox holds the events. Then the
# receiver (loadtool webhook-receiver) stops, and every one of those events is queued again with a range replay: the
# first attempts fail, the endpoint counts as down and holds the rest back. The hour is simulated in the database: the
# deliveries, their events and the endpoint's failing-since move one hour into the past, and the deliveries already
# tried get their next retry two hours ahead, as the default schedule would have them after an hour. Then the receiver
# starts again: the platform's probe notices it and sends everything that waited. The rate is the distinct deliveries
# over the time from the first to the last arrival after the return.
#
#   bench/webhooks.sh [events=10000]         BENCH_QUICK=1: 100 events (1-s runs of 8 workers), PostgreSQL only (its
#                                            SQL through psql is the part that could break unseen), to prove it runs
#   BENCH_WEBHOOKS_STORAGE=postgres          one storage only
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
events=${1:-10000}; seconds=2; workers=32
[[ $BENCH_QUICK == 1 ]] && { events=100; seconds=1; workers=8; }
root=$BENCH_WORK
receiver_pid=
cleanup() {
  [[ -n $receiver_pid ]] && { kill "$receiver_pid" 2>/dev/null || true; wait "$receiver_pid" 2>/dev/null || true; }
  BENCH_WORK=$root bench_cleanup
}
trap cleanup EXIT

# sql storage statement -> runs it on the platform's database; prints what it selects. sqlite3 waits for the platform's
# writes to end (its default is to fail at once with "database is locked").
sql() {
  if [[ $1 == sqlite ]]; then sqlite3 -cmd '.timeout 30000' "$BENCH_WORK/data/platform.db" "$2"
  else PGPASSWORD= psql "postgresql://postgres@${BENCH_PG_CONNECTION#*Host=}" -qtAc "$2" 2>/dev/null || psql -h 127.0.0.1 -p "$pg_port" -U postgres -d commerce -qtAc "$2"; fi
}

run() {
  local storage=$1
  BENCH_WORK=$root/$storage; mkdir -p "$BENCH_WORK"
  bench_platform_start "$storage"
  [[ $storage == postgres ]] && pg_port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$BENCH_PG_CONNECTION")
  bench_account "webhooks-$storage@example.com"
  bench_key sandbox
  local project space port target delivered=0 t0 now endpoint
  project=$(bench_api "$PORTAL/api/v1/accounts/$ACCOUNT/projects" | bench_json '[0]["id"]')
  space=$(bench_api -d "{\"projectId\":\"$project\",\"name\":\"bench-hooks\",\"type\":\"testing\"}" "$PORTAL/api/v1/accounts/$ACCOUNT/data-spaces" | bench_json '["id"]')
  port=$(bench_port)
  endpoint=$(bench_api -d "{\"url\":\"http://127.0.0.1:$port/hooks\",\"environment\":\"sandbox\",\"events\":[\"payment.*\"]}" \
    "$PORTAL/api/v1/accounts/$ACCOUNT/webhooks" | bench_json '["endpoint"]["id"]')
  target="$storage,$SANDBOX,$API_KEY,$BENCH_WORK/private.pem,$space"

  # The events: payments while the receiver is up (their deliveries go as they come).
  dotnet "$BENCH_LOADTOOL_DLL" webhook-receiver --port "$port" >>"$BENCH_WORK/receiver.log" 2>&1 &
  receiver_pid=$!
  local since; since=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
  local made=0
  while (( made < events )); do
    # Each loadtool run is a new instance: the previous one's binding goes first.
    bench_api -X DELETE "$PORTAL/api/v1/accounts/$ACCOUNT/data-spaces/$space/instance" >/dev/null
    loadtool payments --target "$target" --workers "$workers" --seconds "$seconds" --rounds 1 --warmup-seconds 0 >>"$BENCH_WORK/payments.log" 2>&1 \
      || { echo "loadtool payments failed:" >&2; tail -20 "$BENCH_WORK/payments.log" >&2; return 1; }
    made=$(sql "$storage" "SELECT COUNT(*) FROM \"OutboxEvents\" WHERE \"Type\" LIKE 'payment.%'")
  done
  sleep 2
  kill "$receiver_pid" 2>/dev/null || true; wait "$receiver_pid" 2>/dev/null || true; receiver_pid=

  # The outage: every one of those events is queued again (a range replay, one insert) while nothing listens; the first
  # attempts fail and the endpoint counts as down.
  delivered=$(bench_api -d "{\"since\":\"$since\",\"until\":\"$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%S.000Z)\"}" \
    "$PORTAL/api/v1/accounts/$ACCOUNT/webhooks/$endpoint/replay" | bench_json '["deliveries"]')
  sleep 3
  now=$(date +%s%3N)
  sql "$storage" "UPDATE \"WebhookDeliveries\" SET \"CreatedAt\" = \"CreatedAt\" - 3600000, \"FirstAttemptAt\" = \"FirstAttemptAt\" - 3600000,
    \"NextAttemptAt\" = CASE WHEN \"Attempts\" > 0 THEN $now + 7200000 ELSE \"NextAttemptAt\" - 3600000 END WHERE \"State\" = 'pending';
    UPDATE \"OutboxEvents\" SET \"CreatedAt\" = \"CreatedAt\" - 3600000;
    UPDATE \"WebhookEndpoints\" SET \"FailingSince\" = \"FailingSince\" - 3600000;" >/dev/null
  local tried; tried=$(sql "$storage" "SELECT COUNT(*) FROM \"WebhookAttempts\" WHERE \"StatusCode\" IS NULL")
  echo "$storage: $delivered deliveries queued, $tried attempts made while the receiver was down" >&2

  # The receiver comes back.
  t0=$(date +%s%3N)
  dotnet "$BENCH_LOADTOOL_DLL" webhook-receiver --port "$port" >>"$BENCH_WORK/receiver.log" 2>&1 &
  receiver_pid=$!
  local stats='{}' distinct=0 deadline=$(( $(date +%s) + 300 ))
  while (( distinct < delivered )); do
    sleep 0.2
    stats=$(curl -sf "http://127.0.0.1:$port/_stats" || echo '{"distinct":0}')
    distinct=$(bench_json '["distinct"]' <<<"$stats")
    (( $(date +%s) < deadline )) || { echo "$storage: only $distinct of $delivered delivered after 300 s" >&2; return 1; }
  done
  local t1; t1=$(date +%s%3N)
  python3 - "$stats" "$t0" "$t1" "$delivered" "$storage" >"$BENCH_WORK/summary" <<'PY'
import json, sys
stats, t0, t1, n, storage = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
drain = max(1, stats["lastAt"] - stats["firstAt"]) / 1000
print(f"rate={n / drain:.0f}")
print(f"recovery={(t1 - t0) / 1000:.1f}")
print(f"first={(stats['firstAt'] - t0) / 1000:.1f}")
print(f"requests={stats['requests']}")
PY
  source "$BENCH_WORK/summary"
  kill "$receiver_pid" 2>/dev/null || true; wait "$receiver_pid" 2>/dev/null || true; receiver_pid=
  [[ -n ${BENCH_WEBHOOKS_GAPS:-} ]] && sql "$storage" 'SELECT "At", "Node", "DurationMs" FROM "WebhookAttempts" ORDER BY "At"' >"$BENCH_WEBHOOKS_GAPS.$storage"
  bench_platform_stop
  local bar_rate="" bar_recovery=""
  [[ $storage == sqlite ]] && { bar_rate=500; bar_recovery=60; }
  local label; label=$([[ $storage == sqlite ]] && echo SQLite || echo PostgreSQL)
  bench_result "webhooks.$storage.rate" "Webhooks on $label: deliveries per second to a receiver that answers at once" "$rate" deliveries/s "$bar_rate" min \
    "$delivered deliveries (payment.authorized/captured of $((delivered / 2)) payments, each payment's two in order), default settings; first arrival ${first} s after the receiver started (the probe), $requests requests for $delivered deliveries"
  bench_result "webhooks.$storage.recovery" "Webhooks on $label: all $delivered events queued in a simulated 1-hour outage delivered after the receiver's return" "$recovery" s "$bar_recovery" max \
    "the retries already due were 2 h away; the probe (every 10 s) found the receiver ${first} s after it started"
}

bench_build
storages="sqlite postgres"; [[ $BENCH_QUICK == 1 ]] && storages=postgres
for storage in ${BENCH_WEBHOOKS_STORAGE:-$storages}; do run "$storage"; done
