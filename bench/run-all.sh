#!/usr/bin/env bash
# Runs every benchmark in one go and writes the results table and chart that docs/benchmarks.md shows.
#
#   bench/run-all.sh            full run (about half an hour on 2 cores): writes bench/results/results.{jsonl,md,svg}
#                               and puts the table in docs/benchmarks.md between the bench-results markers
#   bench/run-all.sh --quick    each benchmark briefly, only to prove it runs (the test command does this): results go
#                               to artifacts/bench/, nothing in the repository changes, no bar is judged
#   BENCH_CONFIGURATION=Debug   use the Debug build (the test command has just made it); figures then mean nothing
#
# Exits non-zero when a benchmark fails to run (not when a bar is missed: the table says so).
set -uo pipefail
cd "$(dirname "$0")/.."
quick=0; [[ ${1:-} == --quick ]] && quick=1
export BENCH_QUICK=$quick
if [[ $quick == 1 ]]; then out=artifacts/bench; else out=bench/results; fi
mkdir -p "$out"
export BENCH_RESULTS=$out/results.jsonl
export BENCH_CONFIGURATION=${BENCH_CONFIGURATION:-Release}
rm -f "$BENCH_RESULTS"

# BENCH_BUILT=1: the caller has just built the solution in $BENCH_CONFIGURATION (the test command does).
if [[ ${BENCH_BUILT:-0} != 1 ]]; then
  dotnet build src/CommerceServices.Platform -c "$BENCH_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2 &&
    dotnet build bench/CommerceServices.LoadTool -c "$BENCH_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2 &&
    dotnet build bench/CommerceServices.Benchmarks -c "$BENCH_CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >&2 || { echo "build failed" >&2; exit 1; }
fi
export BENCH_BUILT=1

# One primes file for the run: the scripts that seed key pairs (many-keys, operator-console) take theirs from the same
# generated keys instead of generating their own.
if [[ -z ${BENCH_PRIMES:-} ]]; then
  primes_dir=$(mktemp -d); trap 'rm -rf "$primes_dir"' EXIT
  export BENCH_PRIMES=$primes_dir/primes.txt
fi

failed=()
for bench in gateway proxy connector many-keys payments keygen operator-console webhooks; do
  echo "==> bench/$bench.sh" >&2
  started=$SECONDS
  if ! "bench/$bench.sh" >"$out/$bench.log" 2>&1; then
    failed+=("$bench"); echo "    FAILED; the end of $out/$bench.log:" >&2; tail -20 "$out/$bench.log" >&2
  fi
  grep '^result:' "$out/$bench.log" | sed 's/^/    /' >&2
  echo "    ($((SECONDS - started)) s)" >&2
done

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
heading="**$(date -u +%Y-%m-%d)**, $(nproc) cores ($cpu), $(if [[ $quick == 1 ]]; then echo 'quick run: proves the scripts run, figures mean nothing'; else echo 'bench/run-all.sh'; fi)"
python3 bench/lib/render.py "$BENCH_RESULTS" "$out/results.md" "$out/results.svg" "$heading" >&2

if [[ $quick == 0 ]]; then
  # docs/benchmarks.md shows the table of this run between its markers; the chart is bench/results/results.svg.
  python3 - "$out/results.md" <<'PY'
import re, sys
table = open(sys.argv[1]).read().strip()
readme = open("docs/benchmarks.md").read()
start, end = "<!-- bench-results:start -->", "<!-- bench-results:end -->"
if start in readme and end in readme:
    readme = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{table}\n{end}", readme, flags=re.S)
    open("docs/benchmarks.md", "w").write(readme)
PY
fi

if [[ ${#failed[@]} -gt 0 ]]; then echo "benchmarks that did not run: ${failed[*]}" >&2; exit 1; fi
echo "all benchmarks ran; results in $out/results.md" >&2
