#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs what the tests need (PostgreSQL server binaries, Chromium),
# builds, runs all test projects, and ends with one line "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
log() { printf '==> [%3d s] %s\n' "$((SECONDS - started))" "$*" >&2; }

install_packages() {
  if [[ $(id -u) -ne 0 ]]; then
    log "missing: $* (run as root, or install them yourself)"
    return 1
  fi
  if [[ -z ${APT_UPDATED:-} ]]; then
    apt-get update -qq >/dev/null && APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The storage tests start a throwaway PostgreSQL themselves (tests/CommerceServices.Testing/PostgresServer.cs);
# they need the server binaries. COMMERCE_TEST_POSTGRES=<connection string> points them at an existing server instead.
if [[ -z ${COMMERCE_TEST_POSTGRES:-} ]] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing PostgreSQL server binaries"
  install_packages postgresql || exit 1
fi

# The scale-out tests put three nodes behind HAProxy (deploy/local-cluster.sh, bench/soak.sh).
if ! command -v haproxy >/dev/null 2>&1; then
  log "installing HAProxy"
  install_packages haproxy || exit 1
fi

# The benchmarks' quick run drives the gateway with wrk (bench/run-all.sh --quick).
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  install_packages wrk || exit 1
fi

# The gateway's compatibility test signs a token with openssl, an implementation independent of ours.
if ! command -v openssl >/dev/null 2>&1; then
  log "installing openssl"
  install_packages openssl || exit 1
fi

# The portal's browser tests drive Debian's Chromium with Playwright (tests/CommerceServices.Portal.BrowserTests);
# Playwright's own browser download is never used.
if [[ ! -x /usr/bin/chromium ]]; then
  log "installing chromium"
  install_packages chromium || exit 1
fi

# The test command must leave the clone as it found it (no data folder, key, store or package in the work tree).
in_git=
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  in_git=1
  git_status_before=$(git status --porcelain --untracked-files=all)
fi

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

# The platform's tests are the longest part: they are built first and start at once, while the rest of the solution
# builds. Job control gives the background lane a process group of its own, so a failed build can stop all of it.
set -m
log "restoring and building the platform's tests"
if ! dotnet restore CommerceServices.slnx -v quiet ||
  ! dotnet build tests/CommerceServices.Platform.Tests --no-restore -nologo -v quiet -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

# The test processes live seconds to minutes: the JIT's second tier (recompiling hot methods, after instrumenting them)
# costs them more CPU than it saves (measured on the payment fault tests: 15% less CPU with it held back, 6% without the
# instrumented tier). The builds are not affected.
# Workstation GC for every .NET process of the run (the platform and the samples ship with server GC, whose threads
# spin for work on every core: dozens of processes share two cores here), as the test helpers set for theirs.
export DOTNET_TC_CallCountingDelayMs=5000 DOTNET_TieredPGO=0 DOTNET_gcServer=0

# Side by side from here, in two lanes, so that both cores stay busy. The platform's tests (the longest project; much
# of it waits on processes and deadlines) start at once in the background lane; the foreground lane builds the rest of
# the solution, then takes the jobs below in turn, and the background lane joins in once the platform's tests are done:
# each job runs once, in whichever lane is free. The longest come first, so the last to finish are short. Each has its
# own ports, folders and databases.
jobs=(benchmarks Storefront.BrowserTests Portal.BrowserTests Cli.Tests Connector.Tests walkthrough Packages.Tests Service.Tests Protocol.Tests)
steps=$results/steps # per counted step <id>.passed or <id>.failed, per failed test run <project>.run-failed, claims
mkdir -p "$steps"
test_args=("$@")

# test_project <project>: dotnet test, its output in <project>.log and its results in <project>.trx; the summary line
# printed, and on a failure the whole log and each failed test's message. The test counts come from the .trx files.
test_project() {
  local name=${1##*/} output
  output=$results/$name.log
  log "testing $name"
  if dotnet test "$1" --no-build -nologo -v quiet --logger "trx;LogFileName=$name.trx" --results-directory "$results" "${test_args[@]}" >"$output" 2>&1; then
    grep -E '^(Passed|Failed)!' "$output"
  else
    cat "$output"
    failed_tests "$results/$name.trx"
    touch "$steps/$name.run-failed" # its failed tests are counted from its .trx; a run without results fails too
  fi
}

# failed_tests <trx>: each failed test with its message and the top of its stack trace (quiet logs show only names).
failed_tests() {
  [[ -e $1 ]] || return 0
  python3 - "$1" <<'PY' >&2
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
    print(f"--- FAILED {result.get('testName')} ({result.get('duration')})")
    for part, limit in (("Message", 60), ("StackTrace", 12)):
        node = result.find(f".//t:ErrorInfo/t:{part}", ns)
        if node is not None and node.text:
            print("\n".join(node.text.strip().splitlines()[:limit]))
PY
}

# counted <id> <what> <command...>: a step that counts as one test.
counted() {
  local id=$1 what=$2; shift 2
  log "running $what"
  if "$@"; then
    touch "$steps/$id.passed"
    log "passed: $what"
  else
    touch "$steps/$id.failed"
    log "FAILED: $what"
    return 1
  fi
}

# Every benchmark, briefly: proves each still runs; its figures are not judged.
quick_benchmarks() {
  BENCH_CONFIGURATION=Debug BENCH_BUILT=1 bench/run-all.sh --quick >"$results/bench-quick.log" 2>&1 && return 0
  tail -30 "$results/bench-quick.log" >&2
  return 1
}

run_job() {
  case $1 in
    benchmarks) counted benchmarks "every benchmark briefly (bench/run-all.sh --quick)" quick_benchmarks ;;
    walkthrough) counted walkthrough "the README walkthrough (build/run-walkthrough.sh)" build/run-walkthrough.sh ;;
    *) test_project "tests/CommerceServices.$1" ;;
  esac
}

# lane <job...>: runs each job no other lane has claimed yet (mkdir is the claim: it succeeds once).
lane() {
  local job
  for job in "$@"; do
    if mkdir "$steps/claim-$job" 2>/dev/null; then
      run_job "$job"
    fi
  done
}

log "testing: the platform's tests in the background, the rest beside them"
(
  test_project tests/CommerceServices.Platform.Tests
  until [[ -e $steps/built ]]; do sleep 2; done
  lane "${jobs[@]}"
) &
background=$!
trap 'kill -- -"$background" 2>/dev/null' EXIT # an interrupted run stops the background lane too

log "building the rest of the solution"
if ! env -u DOTNET_TC_CallCountingDelayMs -u DOTNET_TieredPGO -u DOTNET_gcServer dotnet build CommerceServices.slnx --no-restore -nologo -v quiet -clp:ErrorsOnly; then
  kill -- -"$background" 2>/dev/null
  echo "0 passed, 1 failed"
  exit 1
fi
touch "$steps/built"
lane "${jobs[@]}"
log "waiting for the background lane"
wait "$background"

# No process the tests started from this clone's binaries outlives them (a platform, a service or a receiver left
# running keeps its ports, its CPU and its memory after the run).
no_process_left() {
  local left
  for _ in 1 2 3 4 5; do
    left=$(pgrep -af -- "$PWD/(src|samples|tests|bench)/[^ ]*/bin/") || return 0
    sleep 1
  done
  log "processes the tests left running:"
  printf '%s\n' "$left" >&2
  return 1
}
counted no-process-left "the check that no test process is left running" no_process_left

# git status is what it was before the test command ran (no data folder, key, store or package left in the clone).
git_status_unchanged() {
  local after
  after=$(git status --porcelain --untracked-files=all)
  [[ $after == "$git_status_before" ]] && return 0
  log "git status changed during the test command (files the tests left in the clone):"
  diff <(printf '%s\n' "$git_status_before") <(printf '%s\n' "$after") >&2
  return 1
}
[[ -z $in_git ]] || counted git-status "the check that git status is unchanged" git_status_unchanged

status=0
passed=0
failed=0
for trx in "$results"/*.trx; do
  [[ -e $trx ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done
shopt -s nullglob
for step in "$steps"/*.passed "$steps"/*.failed "$steps"/*.run-failed; do
  case $step in
    *.passed) passed=$((passed + 1)) ;;
    *.failed) failed=$((failed + 1)); status=1 ;;
    *.run-failed) status=1 ;;
  esac
done
for job in "${jobs[@]}"; do
  [[ -d $steps/claim-$job ]] || status=1 # a lane that stopped early left it undone
done

if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1 # the runner failed without a failing test (a crash, or no results): still a failure
fi
echo "$passed passed, $failed failed"
[[ $status -eq 0 && $failed -eq 0 ]]
