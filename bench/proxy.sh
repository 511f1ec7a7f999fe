#!/usr/bin/env bash
# Forwarding to a service behind the gateway, side by side in one run. A trivial upstream (loadtool upstream: 200 "ok" to
# anything, no token check) is registered as a service; the same upstream is then called two ways, in alternating rounds:
#
#   forwarded  wrk -> sandbox gateway (API key + one reused RS256 token, admission, platform-signed ES256 token per call,
#              YARP) -> upstream
#   direct     wrk -> upstream
#   reused     as forwarded, on a second platform with ServiceGateway:TokenReuseSeconds=30 (a caller's token reused rather
#              than one signed per call): what the per-call signature costs
#
# Same cores for both: the platform and the upstream share one core, wrk has the other (taskset), so the forwarded
# figure pays for the gateway's work on the core the upstream also needs, as a gateway on the service's machine would.
# Throughput: many connections; the result is the median of per-round ratios. Bar: >= 0.50.
# Added latency: one connection, p50 forwarded minus p50 direct, median over rounds. Bar: <= 0.5 ms.
#
#   bench/proxy.sh [seconds-per-round=3] [rounds=8] [connections=32]     BENCH_QUICK=1: one 1-s round, no warm-up
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
seconds=${1:-3}; rounds=${2:-8}; connections=${3:-32}
if [[ $BENCH_QUICK == 1 ]]; then seconds=1; rounds=1; fi
upstream_pid= reuse_pid=
cleanup() {
  [[ -z $upstream_pid ]] || kill "$upstream_pid" 2>/dev/null || true
  [[ -z $reuse_pid ]] || kill "$reuse_pid" 2>/dev/null || true
  bench_cleanup
}
trap cleanup EXIT

server_cpu=() client_cpu=()
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then server_cpu=(taskset -c 1); client_cpu=(taskset -c 0); fi

bench_build
port=$(bench_port)
"${server_cpu[@]}" dotnet "$BENCH_LOADTOOL_DLL" upstream --port "$port" >"$BENCH_WORK/upstream.log" 2>&1 &
upstream_pid=$!
upstream=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$upstream/" >/dev/null && break; sleep 0.1; done

BENCH_PLATFORM_CPU="${server_cpu[*]}" bench_platform_start sqlite
bench_account
bench_api -d "{\"id\":\"bench\",\"name\":\"Bench\",\"pathPrefix\":\"/bench/v1\",\"upstreams\":[\"$upstream\"],\"dataSpace\":\"none\",\"maxConcurrentRequests\":10000}" \
  "$PORTAL/api/v1/services" >/dev/null
bench_api -X PUT "$PORTAL/api/v1/accounts/$ACCOUNT/entitlements/bench" >/dev/null
bench_key
loadtool tokens --api-key "$API_KEY" --private-key "$BENCH_WORK/private.pem" --count 1 --out "$BENCH_WORK/reused.tsv"
token=$(cut -f2 "$BENCH_WORK/reused.tsv")
headers=(-H "x-api-key: $API_KEY" -H "x-gw-signature: $token")
forwarded=$SANDBOX/bench/v1/ping direct=$upstream/bench/v1/ping
curl -sf "${headers[@]}" "$forwarded" >/dev/null || { echo "the forwarded call fails:" >&2; curl -s "${headers[@]}" "$forwarded" >&2; exit 1; }

# The same service on a second platform that reuses callers' tokens (own ports and data folder, same core).
reuse_portal=$(bench_port) reuse_sandbox=$(bench_port)
${BENCH_PLATFORM_CPU:-${server_cpu[*]}} dotnet "$BENCH_PLATFORM_DLL" --Platform:PortalUrl="http://127.0.0.1:$reuse_portal" \
  --Platform:ProductionGatewayUrl="http://127.0.0.1:$(bench_port)" --Platform:SandboxGatewayUrl="http://127.0.0.1:$reuse_sandbox" \
  --Platform:DataDirectory="$BENCH_WORK/data-reuse" --Platform:OperatorToken="$BENCH_OPERATOR_TOKEN" --Gateway:RateLimitPerSecond=1000000 \
  --Gateway:RateLimitBurst=10000000 --ServiceGateway:TokenReuseSeconds=30 --Logging:LogLevel:Default=Warning >>"$BENCH_WORK/platform-reuse.log" 2>&1 &
reuse_pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$reuse_portal/readyz" >/dev/null && break; sleep 0.2; done
reuse_api() { curl -sS --fail-with-body -H "Authorization: Bearer $BENCH_OPERATOR_TOKEN" -H 'content-type: application/json' "$@"; }
reuse_account=$(reuse_api -d '{"email":"reuse@example.com"}' "http://127.0.0.1:$reuse_portal/api/v1/accounts" | bench_json '["id"]')
reuse_api -d "{\"id\":\"bench\",\"name\":\"Bench\",\"pathPrefix\":\"/bench/v1\",\"upstreams\":[\"$upstream\"],\"dataSpace\":\"none\",\"maxConcurrentRequests\":10000}" \
  "http://127.0.0.1:$reuse_portal/api/v1/services" >/dev/null
reuse_api -X PUT "http://127.0.0.1:$reuse_portal/api/v1/accounts/$reuse_account/entitlements/bench" >/dev/null
reuse_api -d '{"environment":"sandbox"}' "http://127.0.0.1:$reuse_portal/api/v1/accounts/$reuse_account/keys" >"$BENCH_WORK/reuse-key.json"
(umask 077; bench_json '["privateKey"]' <"$BENCH_WORK/reuse-key.json" >"$BENCH_WORK/reuse-private.pem")
reuse_key=$(bench_json '["apiKey"]' <"$BENCH_WORK/reuse-key.json")
loadtool tokens --api-key "$reuse_key" --private-key "$BENCH_WORK/reuse-private.pem" --count 1 --out "$BENCH_WORK/reuse.tsv"
reuse_headers=(-H "x-api-key: $reuse_key" -H "x-gw-signature: $(cut -f2 "$BENCH_WORK/reuse.tsv")")
reused=http://127.0.0.1:$reuse_sandbox/bench/v1/ping
curl -sf "${reuse_headers[@]}" "$reused" >/dev/null || { echo "the forwarded call (token reuse) fails" >&2; exit 1; }

wrk1() { WRK_THREADS=1 WRK_SECONDS=$seconds WRK_PREFIX="${client_cpu[*]}" wrk_run "$@"; }
# measure <wrk args...> -> "requests/s  platform-CPU-us-per-request  upstream-CPU-us-per-request"
measure() {
  local p0 u0 rate
  p0=$(bench_cpu_us "$BENCH_PLATFORM_PID"); u0=$(bench_cpu_us "$upstream_pid")
  rate=$(WRK_CONNECTIONS=$connections WRK_REQUESTS_FILE=$BENCH_WORK/requests wrk1 "$@")
  echo "$rate $(echo "($(bench_cpu_us "$BENCH_PLATFORM_PID") - $p0) / $(cat "$BENCH_WORK/requests")" | bc -l) $(echo "($(bench_cpu_us "$upstream_pid") - $u0) / $(cat "$BENCH_WORK/requests")" | bc -l)"
}
# p50 of one connection, in ms (wrk prints it as 123.45us or 1.23ms)
p50() {
  local out
  out=$(${client_cpu[@]+"${client_cpu[@]}"} wrk -t1 -c1 -d"${seconds}s" --latency "$@")
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "errors during the run:" >&2; echo "$out" >&2; return 1; fi
  awk '/^ +50%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v} else {sub(/s$/,"",v); print v*1000}}' <<<"$out"
}

warmups=2; [[ $BENCH_QUICK == 1 ]] && warmups=0
for _ in $(seq "$warmups"); do
  WRK_CONNECTIONS=$connections WRK_SECONDS=$((seconds + 1)) wrk1 "$direct" >/dev/null
  WRK_CONNECTIONS=$connections WRK_SECONDS=$((seconds + 1)) wrk1 "$forwarded" "${headers[@]}" >/dev/null
  WRK_CONNECTIONS=$connections WRK_SECONDS=$((seconds + 1)) wrk1 "$reused" "${reuse_headers[@]}" >/dev/null
done

reuse_ratios=() ratios=() added=() forwarded_rates=() direct_rates=() forwarded_p50s=() direct_p50s=() gateway_cpu=() upstream_cpu=()
for round in $(seq "$rounds"); do
  read -r d _ ud < <(measure "$direct")
  read -r f pf uf < <(measure "$forwarded" "${headers[@]}")
  r=$(WRK_CONNECTIONS=$connections wrk1 "$reused" "${reuse_headers[@]}")
  reuse_ratios+=("$(echo "$r / $d" | bc -l)")
  dp=$(p50 "$direct"); fp=$(p50 "$forwarded" "${headers[@]}")
  printf 'round %2d: direct %7.0f/s  forwarded %7.0f/s (%.3f)   CPU per call: gateway %.1f us, upstream %.1f us (direct: %.1f us)   reused token %7.0f/s (%.3f)   p50 one connection: direct %.3f ms, forwarded %.3f ms (+%.3f ms)\n' \
    "$round" "$d" "$f" "$(echo "$f / $d" | bc -l)" "$pf" "$uf" "$ud" "$r" "$(echo "$r / $d" | bc -l)" "$dp" "$fp" "$(echo "$fp - $dp" | bc -l)"
  gateway_cpu+=("$pf"); upstream_cpu+=("$ud")
  ratios+=("$(echo "$f / $d" | bc -l)"); added+=("$(echo "$fp - $dp" | bc -l)")
  forwarded_rates+=("$f"); direct_rates+=("$d"); forwarded_p50s+=("$fp"); direct_p50s+=("$dp")
done

ratio=$(printf '%s\n' "${ratios[@]}" | bench_median)
added_ms=$(printf '%s\n' "${added[@]}" | bench_median)
f=$(printf '%s\n' "${forwarded_rates[@]}" | bench_median); d=$(printf '%s\n' "${direct_rates[@]}" | bench_median)
fp=$(printf '%s\n' "${forwarded_p50s[@]}" | bench_median); dp=$(printf '%s\n' "${direct_p50s[@]}" | bench_median)
gc=$(printf '%s\n' "${gateway_cpu[@]}" | bench_median); uc=$(printf '%s\n' "${upstream_cpu[@]}" | bench_median)
bench_result proxy.throughput "Forwarded to a service vs the same upstream called directly" "$ratio" x 0.50 min \
  "median of $rounds alternating ${seconds}-s rounds, $connections connections; platform and upstream on one core, wrk on the other; $(printf %.0f "$f")/s vs $(printf %.0f "$d")/s; CPU per call: gateway $(printf %.1f "$gc") us, upstream $(printf %.1f "$uc") us"
bench_result proxy.throughput-token-reuse "Forwarded with token reuse (TokenReuseSeconds=30) vs direct" \
  "$(printf '%s\n' "${reuse_ratios[@]}" | bench_median)" x "" min "same rounds; one ES256 signature per caller every 30 s instead of per call"
bench_result proxy.added-p50 "Forwarding: p50 latency added, one connection" "$added_ms" ms 0.5 max \
  "median over rounds of p50 forwarded - p50 direct: $(printf %.3f "$fp") ms vs $(printf %.3f "$dp") ms"
