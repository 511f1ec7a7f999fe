# Shared by the bench/ scripts: where results go and how one is recorded. Source it; it defines nothing else.
#
# Every benchmark appends one JSON object per measured figure to $BENCH_RESULTS (a JSON-lines file; run-all.sh sets
# it, a script run alone writes to artifacts/bench/results.jsonl). render.py turns that file into the table of docs/benchmarks.md
# and chart. BENCH_QUICK=1 (run-all.sh --quick, what the test command uses) asks each script for a short run that only
# proves it works: its figures are recorded but marked quick, and no bar is judged on them.
BENCH_RESULTS=${BENCH_RESULTS:-artifacts/bench/results.jsonl}
BENCH_QUICK=${BENCH_QUICK:-0}
mkdir -p "$(dirname "$BENCH_RESULTS")"

# bench_result id label value unit [bar] [direction: min|max] [detail]
#   id: stable name (gateway.reused-token); label: what a reader sees; value: the figure; unit: x, %, req/s, ms, MB...
#   bar: the target, if any; direction: min when the value must reach the bar, max when it must stay under it.
bench_result() {
  python3 - "$BENCH_RESULTS" "$BENCH_QUICK" "$@" <<'PY'
import json, sys
path, quick, id_, label, value, unit = sys.argv[1:7]
bar = sys.argv[7] if len(sys.argv) > 7 and sys.argv[7] else None
direction = sys.argv[8] if len(sys.argv) > 8 and sys.argv[8] else "min"
detail = sys.argv[9] if len(sys.argv) > 9 else ""
record = {"id": id_, "label": label, "value": float(value), "unit": unit, "bar": float(bar) if bar else None,
          "direction": direction, "detail": detail, "quick": quick == "1"}
with open(path, "a") as f:
    f.write(json.dumps(record) + "\n")
print(f"result: {label}: {float(value):g} {unit}" + (f" (bar {'>=' if direction == 'min' else '<='} {bar})" if bar else ""))
PY
}

# median of the numbers on stdin, one per line
bench_median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) exit 1; print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# a free TCP port on 127.0.0.1
# A free loopback port outside the ephemeral range, which connections and port-0 listeners of other processes use.
bench_port() { python3 deploy/free_port.py; }
