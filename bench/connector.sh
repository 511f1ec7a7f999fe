#!/usr/bin/env bash
# Connector benchmarks (DESIGN.md section 6: signing costs at most 5% of an unsigned client).
#   1. Signing ratio: the connector's signed client (IHttpClientFactory, retry + signing handlers, one token reused until
#      shortly before it expires) against a plain HttpClient sending the same headers as fixed headers, both calling
#      GET /merchant-registry/v1/ping, so the gateway does the same work for both. Bar: >= 0.95.
#   2. Speed-up over a Magento-style client on one service call (GET /merchant-registry/v1/registry, read from the
#      database): the connector makes one request with its reused token; the Magento-style client signs a fresh RS256
#      token and calls /ping, then signs another and makes the call, as the existing module does.
#   3. The signing handler alone (BenchmarkDotNet, SigningHandlerBenchmark): ns per request over a terminal handler with a
#      cached answer, with and without signing.
# Both clients run in one loadtool process, in alternating rounds after a warm-up; a result is the median of the
# per-round ratios. Client and platform share the host's cores, so client CPU is part of what is measured.
#
#   bench/connector.sh [seconds-per-round=3] [rounds=8] [workers=32]      BENCH_QUICK=1: a short run that proves it works
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/results.sh
source bench/lib/platform.sh
seconds=${1:-3}; rounds=${2:-8}; workers=${3:-32}; warmup=3; job=short
if [[ $BENCH_QUICK == 1 ]]; then seconds=1; rounds=1; warmup=0; job=dry; fi
trap bench_cleanup EXIT

bench_build --micro
bench_platform_start sqlite
bench_account connector-bench@example.com
bench_key sandbox

# median_ratio file mode-a mode-b -> median over rounds of (calls/s of a) / (calls/s of b); also prints each round
median_ratio() {
  python3 - "$@" <<'PY'
import json, statistics, sys
path, a, b = sys.argv[1:4]
rounds = {}
for line in open(path):
    r = json.loads(line)
    rounds.setdefault(r["round"], {})[r["mode"]] = r
ratios = []
for n in sorted(rounds):
    ra, rb = rounds[n][a], rounds[n][b]
    ratios.append(ra["callsPerSecond"] / rb["callsPerSecond"])
    print(f"round {n}: {a} {ra['callsPerSecond']:9.0f}/s p50 {ra['p50Ms']:.2f} ms   {b} {rb['callsPerSecond']:9.0f}/s p50 {rb['p50Ms']:.2f} ms   ratio {ratios[-1]:.3f}", file=sys.stderr)
sums = sum(rounds[n][a]["callsPerSecond"] for n in rounds) / sum(rounds[n][b]["callsPerSecond"] for n in rounds)
print(f"ratio of sums {sums:.3f}", file=sys.stderr)
print(f"{statistics.median(ratios):.4f}")
PY
}
clients() { loadtool clients --gateway "$SANDBOX" --api-key "$API_KEY" --private-key "$BENCH_WORK/private.pem" \
  --workers "$workers" --seconds "$seconds" --rounds "$rounds" --warmup-seconds "$warmup" "$@"; }

echo "== signing: connector vs unsigned client on /ping ($rounds x ${seconds}s, $workers workers)" >&2
clients --modes unsigned,connector >"$BENCH_WORK/signing.jsonl"
signing=$(median_ratio "$BENCH_WORK/signing.jsonl" connector unsigned)
bench_result connector.signing-ratio "Connector signing: signed client / unsigned client throughput (median ratio)" "$signing" x 0.95 min \
  "GET /ping, $workers workers, $rounds alternating rounds of ${seconds}s; token reused until 60 s before expiry"

echo "== service call: connector vs Magento-style client on /registry" >&2
clients --modes connector-service,magento-service >"$BENCH_WORK/service.jsonl"
speedup=$(median_ratio "$BENCH_WORK/service.jsonl" connector-service magento-service)
bench_result connector.magento-speedup "Connector vs Magento-style client (fresh token + ping per call): service calls/s speed-up" "$speedup" x "" min \
  "GET /registry; Magento-style = sign + /ping + sign + call per service call; both clients on the same 2 cores as the platform"

echo "== the signing handler alone (BenchmarkDotNet, job $job)" >&2
bench_platform_stop # the micro-benchmark gets the cores to itself
artifacts=$BENCH_WORK/bdn
dotnet bench/CommerceServices.Benchmarks/bin/$BENCH_CONFIGURATION/net10.0/CommerceServices.Benchmarks.dll --filter '*SigningHandlerBenchmark*' \
  --inProcess --job "$job" --exporters json --artifacts "$artifacts" >"$BENCH_WORK/bdn.log" 2>&1 \
  || { tail -40 "$BENCH_WORK/bdn.log" >&2; exit 1; }
read -r unsigned_ns signed_ns pipeline_ns < <(python3 - "$artifacts" <<'PY'
import glob, json, sys
report = json.load(open(glob.glob(sys.argv[1] + "/results/*SigningHandlerBenchmark*-report-full-compressed.json")[0]))
ns = {b["Method"]: b["Statistics"]["Median"] for b in report["Benchmarks"]}
print(f'{ns["FixedHeaders"]:.1f} {ns["SigningHandler"]:.1f} {ns["ConnectorPipeline"]:.1f}')
PY
)
added=$(python3 -c "print(f'{$signed_ns - $unsigned_ns:.1f}')")
echo "fixed headers $unsigned_ns ns, signing handler $signed_ns ns, retry + signing $pipeline_ns ns per request" >&2
bench_result connector.handler-ns "Signing handler alone: added cost per request (BenchmarkDotNet median)" "$added" ns "" max \
  "fixed headers ${unsigned_ns} ns vs signing handler ${signed_ns} ns vs retry+signing pipeline ${pipeline_ns} ns per request, terminal handler with a cached 200"
