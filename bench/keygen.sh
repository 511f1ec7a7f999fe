#!/usr/bin/env bash
# Key generation while serving gateway traffic. One Release platform on loopback; gateway throughput
# (GET /merchant-registry/v1/ping with x-api-key + an RS256 token reused until shortly before exp, as in
# gateway.sh) measured with wrk alone, then while a client keeps asking the management API for
# platform-made key pairs as fast as the node makes them. Rounds alternate alone / with generation, so bursts of CPU
# steal on a shared machine hit both. Results:
#   keygen.keys-per-second   keys/s the node made while serving the gateway load (median of rounds)
#   keygen.gateway-ratio     gateway req/s with generation running / without (median of per-round ratios)
# The generating client uses one account of its own whose limit is raised by configuration for the bench
# (--Keys:GenerationsPerMinute / --Keys:GenerationBurst); the generator's threads and queue keep their defaults
# (half the processors, at least one thread; 16 waiting). BENCH_QUICK=1: one short round, no warm-up (well under 45 s
# once built).
#
#   bench/keygen.sh [seconds-per-round=5] [rounds=5] [connections=32] [key-clients=4]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
seconds=${1:-5}; rounds=${2:-5}; connections=${3:-32}; key_clients=${4:-4}; warmup=3
if [[ $BENCH_QUICK == 1 ]]; then seconds=2; rounds=1; warmup=0; fi
trap 'stop_key_clients; bench_cleanup' EXIT

bench_build
bench_platform_start sqlite --Keys:GenerationsPerMinute=1000000 --Keys:GenerationBurst=1000000

# The gateway caller: its own account and sandbox pair, and one token for the whole run (exp 290 s ahead).
bench_account gateway@example.com
bench_key sandbox
b64url() { openssl base64 -e -A | tr '+/' '-_' | tr -d '='; }
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"exp":%d}' $(( $(date +%s) + 290 )) | b64url)
token="$header.$payload.$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$BENCH_WORK/private.pem" | b64url)"
ping="$SANDBOX/merchant-registry/v1/ping"
headers=(-H "x-api-key: $API_KEY" -H "x-gw-signature: $token")
curl -sf "${headers[@]}" "$ping" >/dev/null || { echo "the signed ping failed" >&2; exit 1; }

# The generating client: another account, production pairs (a new sandbox pair would retire the gateway caller's).
bench_account keygen@example.com
keygen_account=$ACCOUNT
made=$BENCH_WORK/keys-made busy=$BENCH_WORK/keys-busy failed=$BENCH_WORK/keys-failed
: >"$made"; : >"$busy"; : >"$failed"
key_client_pids=()

# Each client asks for one pair after another; a line per pair made (201), per busy refusal (503) and anything else
# fails the bench. Several clients keep the generator's queue from running dry between two requests.
start_key_clients() {
  local i
  for i in $(seq "$key_clients"); do
    (
      while :; do
        status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BENCH_OPERATOR_TOKEN" \
          -H 'content-type: application/json' -d '{"environment":"production"}' "$PORTAL/api/v1/accounts/$keygen_account/keys") || status=000
        case $status in
          201) echo >>"$made" ;;
          503) echo >>"$busy"; sleep 0.05 ;;
          *) echo "HTTP $status" >>"$failed"; exit 1 ;;
        esac
      done
    ) &
    key_client_pids+=($!)
  done
}

stop_key_clients() {
  local pid
  for pid in "${key_client_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${key_client_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  key_client_pids=()
}

count() { wc -l <"$1" | tr -d ' '; }

if (( warmup > 0 )); then # tiered JIT and PGO settle over the first seconds, on both paths
  WRK_SECONDS=$warmup WRK_CONNECTIONS=$connections wrk_run "$ping" "${headers[@]}" >/dev/null
  start_key_clients; sleep "$warmup"; stop_key_clients
fi

ratios=() rates=()
measure_alone() { alone=$(WRK_SECONDS=$seconds WRK_CONNECTIONS=$connections wrk_run "$ping" "${headers[@]}"); }
measure_with_generation() {
  start_key_clients
  sleep 0.5 # the clients' first requests reach the generator
  before=$(count "$made"); started=$(date +%s.%N)
  with=$(WRK_SECONDS=$seconds WRK_CONNECTIONS=$connections wrk_run "$ping" "${headers[@]}")
  after=$(count "$made"); ended=$(date +%s.%N)
  stop_key_clients
  if [[ -s $failed ]]; then echo "key generation requests failed: $(sort "$failed" | uniq -c | tr '\n' ' ')" >&2; exit 1; fi
}
for round in $(seq "$rounds"); do
  # Odd rounds measure alone first, even rounds with generation first: a drift (warm-up, a neighbour's load) cancels out.
  if (( round % 2 )); then measure_alone; measure_with_generation; else measure_with_generation; measure_alone; fi

  rate=$(echo "($after - $before) / ($ended - $started)" | bc -l)
  ratio=$(echo "$with / $alone" | bc -l)
  printf 'round %d: gateway alone %9.0f req/s   with key generation %9.0f req/s   ratio %.3f   keys made %6.1f/s\n' \
    "$round" "$alone" "$with" "$ratio" "$rate"
  ratios+=("$ratio"); rates+=("$rate")
done

keys_per_second=$(printf '%s\n' "${rates[@]}" | bench_median)
gateway_ratio=$(printf '%s\n' "${ratios[@]}" | bench_median)
threads=$(grep -c ^processor /proc/cpuinfo)
detail="RSA-2048 pairs made through POST /api/v1/accounts/{id}/keys by $key_clients clients while wrk sends signed pings ($connections connections); $rounds rounds of ${seconds}s; generator threads: half of $threads processors, at least 1; busy refusals (503): $(count "$busy")"
bench_result keygen.keys-per-second "Key pairs made per second while serving gateway traffic" "$keys_per_second" keys/s "" min "$detail"
bench_result keygen.gateway-ratio "Gateway throughput with key generation running / without" "$gateway_ratio" x 0.5 min "$detail"
