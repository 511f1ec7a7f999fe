#!/usr/bin/env bash
# Runs docs/walkthrough.sh against a real platform process started here: the built platform binary, on free loopback
# ports, with its own data folder in a temporary directory, so a platform a developer has running (on the default
# ports, with ./data) never interferes. Exits 0 when the walkthrough reached 'verified'. Called by build/test.sh
# after the build; the logs of a failed run are printed (WALKTHROUGH_SHOW=1 prints the walkthrough's output always).
set -uo pipefail
cd "$(dirname "$0")/.."

platform_dll=src/CommerceServices.Platform/bin/Debug/net10.0/CommerceServices.Platform.dll
if [[ ! -f $platform_dll ]]; then
  echo "run-walkthrough: $platform_dll is missing; build the solution first" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/commerce-walkthrough-test.XXXXXX")
platform_pid=
cleanup() {
  if [[ -n $platform_pid ]]; then
    kill "$platform_pid" 2>/dev/null
    wait "$platform_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Port 0 for each listener: the platform logs the addresses it got once it is ready.
dotnet "$platform_dll" \
  --Platform:DataDirectory="$work/platform-data" \
  --Platform:PortalUrl=http://127.0.0.1:0 \
  --Platform:ProductionGatewayUrl=http://127.0.0.1:0 \
  --Platform:SandboxGatewayUrl=http://127.0.0.1:0 \
  >"$work/platform.log" 2>&1 &
platform_pid=$!

ready=
for _ in $(seq 1 240); do
  ready=$(grep -o 'Platform ready\..*' "$work/platform.log" || true)
  [[ -n $ready ]] && break
  if ! kill -0 "$platform_pid" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
if [[ -z $ready ]]; then
  echo "run-walkthrough: the platform did not become ready; its log:" >&2
  cat "$work/platform.log" >&2
  exit 1
fi
portal=$(sed -n 's/.*management API: \(http:[^ ]*\).*/\1/p' <<<"$ready")
sandbox=$(sed -n 's/.*Sandbox gateway: \(http:[^ ]*\).*/\1/p' <<<"$ready")

PLATFORM_DATA="$work/platform-data" COMMERCE_SERVICES_URL="${portal%/}" SANDBOX_GATEWAY="${sandbox%/}" \
  WALKTHROUGH_DIR="$work/scratch" docs/walkthrough.sh >"$work/walkthrough.log" 2>&1
status=$?
[[ -n ${WALKTHROUGH_SHOW:-} ]] && cat "$work/walkthrough.log"
if [[ $status -ne 0 ]]; then
  echo "run-walkthrough: docs/walkthrough.sh failed (exit $status); its output:" >&2
  cat "$work/walkthrough.log" >&2
  echo "--- platform log" >&2
  cat "$work/platform.log" >&2
fi
exit $status
