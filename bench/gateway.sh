#!/usr/bin/env bash
# The gateway at its limit (two targets), side by side in one run. The platform runs on one core and wrk
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
#   3. Tracing at the default sampling: the same reused-token call and anonymous endpoint on two more platforms, one
#      with OpenTelemetry off (OTEL_SDK_DISABLED=true), one with it on as shipped (its default sampling) and
#      exporting over OTLP to a local stand-in collector (bench/lib/otlp_sink.py), in alternating rounds. Reported: the
#      throughput and CPU per call of the traced platform against the untraced one. BENCH_TRACES_SAMPLER (and
#      BENCH_TRACES_SAMPLER_ARG) give the traced platform another sampler, e.g. always_on, to see what sampling saves.
#
#   bench/gateway.sh [seconds-per-round=3] [rounds=10] [connections=32]     BENCH_QUICK=1: one 1-s round, no warm-up
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
seconds=${1:-3}; rounds=${2:-10}; connections=${3:-32}; tokens=30000
if [[ $BENCH_QUICK == 1 ]]; then seconds=1; rounds=1; tokens=1000; fi
trap bench_cleanup EXIT

# One core for the platform, the other for wrk, when there are two; on one core they share it.
server_cpu=() client_cpu=()
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then server_cpu=(taskset -c 1); client_cpu=(taskset -c 0); fi

bench_build --micro

# The ceiling: one RS256 verification on one core (BenchmarkDotNet, in process), microseconds per call.
job=(--job short); [[ $BENCH_QUICK == 1 ]] && job=(--job dry)
(cd "$BENCH_WORK" && "${server_cpu[@]}" dotnet "$OLDPWD/bench/CommerceServices.Benchmarks/bin/$BENCH_CONFIGURATION/net10.0/CommerceServices.Benchmarks.dll" \
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
# measure <wrk args...> -> "requests/s  platform-CPU-microseconds-per-request". The second figure is what the server
# spent per request, which other load on a shared machine barely moves; the first is the one the bars are set on.
measure() {
  local before after rate
  before=$(bench_cpu_us "$BENCH_PLATFORM_PID")
  rate=$(WRK_REQUESTS_FILE=$BENCH_WORK/requests wrk1 "$@")
  after=$(bench_cpu_us "$BENCH_PLATFORM_PID")
  echo "$rate $(echo "($after - $before) / $(cat "$BENCH_WORK/requests")" | bc -l)"
}
warmups=2; [[ $BENCH_QUICK == 1 ]] && warmups=0
for _ in $(seq "$warmups"); do # warm-up: tiered JIT and PGO settle over the first seconds
  WRK_SECONDS=$((seconds + 1)) wrk1 "$anonymous" "${headers[@]}" >/dev/null
  WRK_SECONDS=$((seconds + 1)) wrk1 "$ping" "${headers[@]}" >/dev/null
  WRK_SECONDS=$((seconds + 1)) wrk1 "$ping" -s bench/lib/rotate.lua -- "$BENCH_WORK/fresh.tsv" >/dev/null
done

reused_ratios=() fresh_ratios=() anonymous_rates=() cpu_anonymous=() cpu_reused=() cpu_fresh=()
for round in $(seq "$rounds"); do
  read -r a ca < <(measure "$anonymous" "${headers[@]}")
  read -r r cr < <(measure "$ping" "${headers[@]}")
  read -r f cf < <(measure "$ping" -s bench/lib/rotate.lua -- "$BENCH_WORK/fresh.tsv")
  printf 'round %2d: anonymous %7.0f/s %5.1f us  reused token %7.0f/s %5.1f us (%.3f)  fresh token %7.0f/s %5.1f us (%.3f of the ceiling)\n' \
    "$round" "$a" "$ca" "$r" "$cr" "$(echo "$r / $a" | bc -l)" "$f" "$cf" "$(echo "$f / $ceiling" | bc -l)"
  reused_ratios+=("$(echo "$r / $a" | bc -l)"); fresh_ratios+=("$(echo "$f / $ceiling" | bc -l)"); anonymous_rates+=("$a")
  cpu_anonymous+=("$ca"); cpu_reused+=("$cr"); cpu_fresh+=("$cf")
done

reused=$(printf '%s\n' "${reused_ratios[@]}" | bench_median)
fresh=$(printf '%s\n' "${fresh_ratios[@]}" | bench_median)
anonymous_rate=$(printf '%s\n' "${anonymous_rates[@]}" | bench_median)
ca=$(printf '%s\n' "${cpu_anonymous[@]}" | bench_median)
cr=$(printf '%s\n' "${cpu_reused[@]}" | bench_median)
cf=$(printf '%s\n' "${cpu_fresh[@]}" | bench_median)
printf 'platform CPU per request (median): anonymous %.1f us, reused token %.1f us, fresh token %.1f us; RS256 verify alone %.1f us\n' \
  "$ca" "$cr" "$cf" "$verify_us"
bench_result gateway.reused-token "Reused token: /ping vs anonymous endpoint" "$reused" x 0.92 min \
  "median of $rounds alternating ${seconds}-s rounds, platform on one core and wrk on the other; CPU per request $(printf %.1f "$cr") us vs $(printf %.1f "$ca") us"
bench_result gateway.fresh-token "Fresh token per call vs RS256 verify ceiling" "$fresh" x 0.80 min \
  "verify alone $(printf %.1f "$verify_us") us (BenchmarkDotNet) = $(printf %.0f "$ceiling")/s on one core; the platform spent $(printf %.1f "$cf") us CPU per fresh-token call"
bench_result gateway.anonymous-vs-ceiling "Anonymous endpoint vs RS256 verify ceiling" "$(echo "$anonymous_rate / $ceiling" | bc -l)" x "" min \
  "an endpoint that does nothing, on the same core: $(printf %.1f "$ca") us CPU per request, the floor under any gateway call"
bench_result gateway.cpu-reused-token "Reused token: platform CPU per call vs anonymous" "$(echo "$ca / $cr" | bc -l)" x "" min \
  "CPU time per request, inverted so that 1.0 means no cost: $(printf %.1f "$cr") us vs $(printf %.1f "$ca") us"
bench_result gateway.cpu-fresh-token "Fresh token: RS256 verify share of platform CPU per call" "$(echo "$verify_us / $cf" | bc -l)" x "" min \
  "$(printf %.1f "$verify_us") us of $(printf %.1f "$cf") us per call is the signature check"

# 3. Tracing off vs on, side by side. The platform above is stopped so that the two share its core alone.
bench_platform_stop
sink_port=$(bench_port)
python3 bench/lib/otlp_sink.py "$sink_port" "$BENCH_WORK/otlp.json" & sink_pid=$!
extra_pids=("$sink_pid")
trap 'kill "${extra_pids[@]}" 2>/dev/null || true; bench_cleanup' EXIT
# start_traced name [platform args...] -> sets <name>_PING <name>_ANONYMOUS <name>_PID <name>_TOKEN <name>_KEY
start_traced() {
  local name=$1; shift
  BENCH_PLATFORM_CPU="${server_cpu[*]}" bench_platform_start sqlite --Gateway:VerifiedTokenCacheSize=1000 \
    --Platform:DataDirectory="$BENCH_WORK/data-$name" "$@"
  bench_account "$name@example.com"; bench_key
  loadtool tokens --api-key "$API_KEY" --private-key "$BENCH_WORK/private.pem" --count 1 --out "$BENCH_WORK/$name.tsv"
  printf -v "${name}_PING" '%s' "$SANDBOX/merchant-registry/v1/ping"
  printf -v "${name}_ANONYMOUS" '%s' "$SANDBOX/merchant-registry/v1/gateway"
  printf -v "${name}_PID" '%s' "$BENCH_PLATFORM_PID"
  printf -v "${name}_KEY" '%s' "$API_KEY"
  printf -v "${name}_TOKEN" '%s' "$(cut -f2 "$BENCH_WORK/$name.tsv")"
  extra_pids+=("$BENCH_PLATFORM_PID"); BENCH_PLATFORM_PID=
}
start_traced off --OTEL_SDK_DISABLED=true
sampler=()
[[ -z ${BENCH_TRACES_SAMPLER:-} ]] || sampler=(--OTEL_TRACES_SAMPLER="$BENCH_TRACES_SAMPLER" --OTEL_TRACES_SAMPLER_ARG="${BENCH_TRACES_SAMPLER_ARG:-}")
start_traced on --OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" --OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf "${sampler[@]}"
# measure_pid pid <wrk args...> -> "requests/s  CPU-microseconds-per-request" of that platform
measure_pid() {
  local pid=$1 before after rate; shift
  before=$(bench_cpu_us "$pid")
  rate=$(WRK_REQUESTS_FILE=$BENCH_WORK/requests wrk1 "$@")
  after=$(bench_cpu_us "$pid")
  echo "$rate $(echo "($after - $before) / $(cat "$BENCH_WORK/requests")" | bc -l)"
}
off_headers=(-H "x-api-key: $off_KEY" -H "x-gw-signature: $off_TOKEN")
on_headers=(-H "x-api-key: $on_KEY" -H "x-gw-signature: $on_TOKEN")
for _ in $(seq "$warmups"); do
  WRK_SECONDS=$((seconds + 1)) wrk1 "$off_PING" "${off_headers[@]}" >/dev/null
  WRK_SECONDS=$((seconds + 1)) wrk1 "$on_PING" "${on_headers[@]}" >/dev/null
  WRK_SECONDS=$((seconds + 1)) wrk1 "$off_ANONYMOUS" "${off_headers[@]}" >/dev/null
  WRK_SECONDS=$((seconds + 1)) wrk1 "$on_ANONYMOUS" "${on_headers[@]}" >/dev/null
done
rate_ratios=() cpu_off=() cpu_on=() traced_reused=()
for round in $(seq "$rounds"); do
  read -r po cpo < <(measure_pid "$off_PID" "$off_PING" "${off_headers[@]}")
  read -r pn cpn < <(measure_pid "$on_PID" "$on_PING" "${on_headers[@]}")
  read -r ao _ < <(measure_pid "$off_PID" "$off_ANONYMOUS" "${off_headers[@]}")
  read -r an _ < <(measure_pid "$on_PID" "$on_ANONYMOUS" "${on_headers[@]}")
  printf 'tracing round %2d: reused token off %7.0f/s %5.1f us  on %7.0f/s %5.1f us (%.3f)  anonymous off %7.0f/s on %7.0f/s  traced reused/anonymous %.3f\n' \
    "$round" "$po" "$cpo" "$pn" "$cpn" "$(echo "$pn / $po" | bc -l)" "$ao" "$an" "$(echo "$pn / $an" | bc -l)"
  rate_ratios+=("$(echo "$pn / $po" | bc -l)"); cpu_off+=("$cpo"); cpu_on+=("$cpn"); traced_reused+=("$(echo "$pn / $an" | bc -l)")
done
traced=$(printf '%s\n' "${rate_ratios[@]}" | bench_median)
co=$(printf '%s\n' "${cpu_off[@]}" | bench_median)
cn=$(printf '%s\n' "${cpu_on[@]}" | bench_median)
tr=$(printf '%s\n' "${traced_reused[@]}" | bench_median)
exported=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); t=s.get("/v1/traces",{}); print(t.get("requests",0), t.get("bytes",0))' "$BENCH_WORK/otlp.json" 2>/dev/null || echo "0 0")
printf 'tracing: CPU per reused-token call off %.1f us, on %.1f us; OTLP trace exports received: %s requests, %s bytes\n' "$co" "$cn" ${exported}
sampling=${BENCH_TRACES_SAMPLER:-default sampling}
bench_result gateway.tracing-throughput "Reused token: tracing on ($sampling, OTLP) vs off" "$traced" x 0.90 min \
  "median of $rounds alternating ${seconds}-s rounds on two platforms sharing one core; the traced one exported $(cut -d' ' -f1 <<<"$exported") OTLP trace requests"
bench_result gateway.tracing-cpu "Reused token: platform CPU per call, tracing off vs on" "$(echo "$co / $cn" | bc -l)" x "" min \
  "CPU per call $(printf %.1f "$cn") us traced vs $(printf %.1f "$co") us untraced; 1.0 means tracing costs nothing"
bench_result gateway.tracing-reused-token "Reused token vs anonymous, both traced" "$tr" x 0.92 min \
  "the first figure of this script, measured on the traced platform"
kill "$off_PID" "$on_PID" "$sink_pid" 2>/dev/null || true
