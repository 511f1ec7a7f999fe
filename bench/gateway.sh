#!/usr/bin/env bash
# The gateway at its limit (issue 14, targets 1 and 2), side by side in one run. The platform runs on one core and wrk
# on the other (taskset), so the server's cost per request is what is compared, not how the two share the cores.
#
#   1. Reused token (what the connector does): GET /merchant-registry/v1/ping with x-api-key and one RS256 token reused
#      until it expires, against the anonymous endpoint of the same gateway (GET /merchant-registry/v1/gateway) sent
#      the same headers. Short rounds alternate A/B after a warm-up; the result is the median of per-round ratios.
#      Bar: >= 0.92.
#   2. Fresh token per call (what the existing Magento module does): every request carries a token the gateway has not
#      seen (distinct jti; the file of tokens is far longer than the verified-token cache, which is set small so a
#      token met again is verified again). Compared with the ceiling of RS256 verification alone on one core, measured
#      by BenchmarkDotNet (bench/CommerceServices.Benchmarks, RsaVerifyBenchmark) in the same run. Bar: >= 0.80.
#      Also recorded: what the same core answers on the anonymous endpoint, which bounds any endpoint.
#
#   bench/gateway.sh [seconds-per-round=3] [rounds=10] [connections=32]     BENCH_QUICK=1: 1-s rounds, 2 of them
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
seconds=${1:-3}; rounds=${2:-10}; connections=${3:-32}; tokens=30000
if [[ $BENCH_QUICK == 1 ]]; then seconds=1; rounds=2; tokens=3000; fi
trap bench_cleanup EXIT

# One core for the platform, the other for wrk, when there are two; on one core they share it.
server_cpu=() client_cpu=()
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then server_cpu=(taskset -c 1); client_cpu=(taskset -c 0); fi

bench_build
dotnet build bench/CommerceServices.Benchmarks -c Release -nologo -v quiet -clp:ErrorsOnly >&2

# The ceiling: one RS256 verification on one core (BenchmarkDotNet, in process), microseconds per call.
job=(--job short); [[ $BENCH_QUICK == 1 ]] && job=(--job dry)
(cd "$BENCH_WORK" && "${server_cpu[@]}" dotnet "$OLDPWD/bench/CommerceServices.Benchmarks/bin/Release/net10.0/CommerceServices.Benchmarks.dll" \
  --filter '*RsaVerifyBenchmark*' "${job[@]}" --inProcess --exporters json --artifacts "$BENCH_WORK/bdn" >"$BENCH_WORK/bdn.log" 2>&1) \
  || { tail -30 "$BENCH_WORK/bdn.log" >&2; exit 1; }
verify_us=$(python3 -c 'import json,glob,sys; r=json.load(open(glob.glob(sys.argv[1]+"/results/*RsaVerify*-report-full-compressed.json")[0])); print(r["Benchmarks"][0]["Statistics"]["Median"]/1000)' "$BENCH_WORK/bdn")
ceiling=$(echo "1000000 / $verify_us" | bc -l)
printf 'RS256 verify alone: %.1f us per call, a ceiling of %.0f verifications/s on one core\n' "$verify_us" "$ceiling"

BENCH_PLATFORM_CPU="${server_cpu[*]}" bench_platform_start sqlite --Gateway:VerifiedTokenCacheSize=1000
bench_account; bench_key
loadtool tokens --api-key "$API_KEY" --private-key "$BENCH_WORK/private.pem" --count 1 --out "$BENCH_WORK/reused.tsv"
loadtool tokens --api-key "$API_KEY" --private-key "$BENCH_WORK/private.pem" --count "$tokens" --out "$BENCH_WORK/fresh.tsv"
token=$(cut -f2 "$BENCH_WORK/reused.tsv")
headers=(-H "x-api-key: $API_KEY" -H "x-gw-signature: $token")
ping=$SANDBOX/merchant-registry/v1/ping anonymous=$SANDBOX/merchant-registry/v1/gateway

wrk1() { WRK_THREADS=1 WRK_CONNECTIONS=$connections WRK_SECONDS=$seconds WRK_PREFIX="${client_cpu[*]}" wrk_run "$@"; }
for _ in 1 2; do # warm-up: tiered JIT and PGO settle over the first seconds
  WRK_SECONDS=$((seconds + 1)) wrk1 "$anonymous" "${headers[@]}" >/dev/null
  WRK_SECONDS=$((seconds + 1)) wrk1 "$ping" "${headers[@]}" >/dev/null
  WRK_SECONDS=$((seconds + 1)) wrk1 "$ping" -s bench/lib/rotate.lua -- "$BENCH_WORK/fresh.tsv" >/dev/null
done

reused_ratios=() fresh_ratios=() anonymous_rates=()
for round in $(seq "$rounds"); do
  a=$(wrk1 "$anonymous" "${headers[@]}")
  r=$(wrk1 "$ping" "${headers[@]}")
  f=$(wrk1 "$ping" -s bench/lib/rotate.lua -- "$BENCH_WORK/fresh.tsv")
  printf 'round %2d: anonymous %8.0f/s  reused token %8.0f/s (%.3f)  fresh token %8.0f/s (%.3f of the verify ceiling)\n' \
    "$round" "$a" "$r" "$(echo "$r / $a" | bc -l)" "$f" "$(echo "$f / $ceiling" | bc -l)"
  reused_ratios+=("$(echo "$r / $a" | bc -l)"); fresh_ratios+=("$(echo "$f / $ceiling" | bc -l)"); anonymous_rates+=("$a")
done

reused=$(printf '%s\n' "${reused_ratios[@]}" | bench_median)
fresh=$(printf '%s\n' "${fresh_ratios[@]}" | bench_median)
anonymous_rate=$(printf '%s\n' "${anonymous_rates[@]}" | bench_median)
bench_result gateway.reused-token "Reused token: /ping vs anonymous endpoint" "$reused" x 0.92 min \
  "median of $rounds alternating ${seconds}-s rounds; platform on one core, wrk on the other"
bench_result gateway.fresh-token "Fresh token per call vs RS256 verify ceiling" "$fresh" x 0.80 min \
  "verify alone $(printf %.1f "$verify_us") us (BenchmarkDotNet) = $(printf %.0f "$ceiling")/s on one core"
bench_result gateway.anonymous-vs-ceiling "Anonymous endpoint vs RS256 verify ceiling" "$(echo "$anonymous_rate / $ceiling" | bc -l)" x "" min \
  "an endpoint that does nothing, on the same core: the most any gateway call can reach"
