#!/usr/bin/env bash
# Soak (DESIGN.md section 6, reliability): mixed traffic through the balancer of deploy/local-cluster.sh for a while,
# then the count of unexpected answers and each node's resident memory at the start (after warm-up) and at the end.
# Traffic, all through HAProxy: signed gateway calls (ping, registry) on the sandbox gateway, sandbox payments
# (authorized with a test card, each with an Idempotency-Key) in a testing data space, management calls on the portal, and a key rolled every few seconds whose new key is used
# at once. Every answer must be the expected 2xx; anything else (or a failed connection) is an error.
#
#   bench/soak.sh [seconds=600]        exits non-zero when any error was seen
#
# SOAK_PAUSE=seconds: each worker waits that long after each of its requests (default 0: as fast as curl goes). The
# test command's 60-second soak uses a pause, so that it checks the answers over time without taking both cores from
# the tests running beside it.
# CLUSTER_DIR, NODES, PLATFORM_DLL and NODE_ARGS are passed on to deploy/local-cluster.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
pause=${SOAK_PAUSE:-0}
export CLUSTER_DIR=${CLUSTER_DIR:-$(mktemp -d)/cluster}
work=$(mktemp -d)
cleanup() {
  local status=$?
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  deploy/local-cluster.sh down || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
command -v openssl >/dev/null || { echo "openssl is needed to sign tokens" >&2; exit 1; }

deploy/local-cluster.sh up
# shellcheck disable=SC1091
source "$CLUSTER_DIR/cluster.env"

api() { curl -sS --fail-with-body -H "Authorization: Bearer $OPERATOR_TOKEN" -H 'content-type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
b64url() { openssl base64 -e -A | tr '+/' '-_' | tr -d '='; }
sign() { # private-key-file -> RS256 token valid 4 minutes
  local header payload
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"exp":%d}' $(($(date +%s) + 240)) | b64url)
  printf '%s.%s.%s' "$header" "$payload" "$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$1" | b64url)"
}
new_key() { # account environment name [grace] -> writes $work/name.key and $work/name.pem
  local body path=keys
  body="{\"environment\":\"$2\"}"
  if [[ -n ${4:-} ]]; then path=keys/roll; body="{\"environment\":\"$2\",\"graceSeconds\":$4}"; fi
  api -d "$body" "$PORTAL_URL/api/v1/accounts/$1/$path" >"$work/$3.json"
  json '["privateKey"]' <"$work/$3.json" >"$work/$3.pem.new"
  json '["apiKey"]' <"$work/$3.json" >"$work/$3.key.new"
  mv "$work/$3.pem.new" "$work/$3.pem"; mv "$work/$3.key.new" "$work/$3.key"
}

account=$(api -d '{"email":"soak@example.com"}' "$PORTAL_URL/api/v1/accounts" | json '["id"]')
api -X PUT "$PORTAL_URL/api/v1/accounts/$account/entitlements/payments" >/dev/null
project=$(api "$PORTAL_URL/api/v1/accounts/$account/projects" | json '[0]["id"]')
space=$(api -d "{\"projectId\":\"$project\",\"name\":\"till\",\"type\":\"testing\"}" "$PORTAL_URL/api/v1/accounts/$account/data-spaces" | json '["id"]')
new_key "$account" sandbox sandbox
new_key "$account" production production
roller=$(api -d '{"email":"soak-roller@example.com"}' "$PORTAL_URL/api/v1/accounts" | json '["id"]')
new_key "$roller" sandbox rolled

# One line per request: "<worker> <http status>"; a failed connection is status 000.
check() { # worker expected-status curl-args... ; appends to the worker's log
  local worker=$1 expected=$2; shift 2
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true)
  echo "$status" >>"$work/status/$worker"
  if [[ $status != "$expected" ]]; then echo "$(date +%T) $worker: $status (expected $expected) $*" >>"$work/errors.log"; fi
  if [[ $pause != 0 ]]; then sleep "$pause"; fi
}
gateway_worker() { # name
  local token="" signed=-1000
  while :; do
    if ((SECONDS - signed > 60)); then token=$(sign "$work/sandbox.pem"); signed=$SECONDS; fi
    check "$1" 200 -H "x-api-key: $(cat "$work/sandbox.key")" -H "x-gw-signature: $token" "$SANDBOX_URL/merchant-registry/v1/ping"
    check "$1" 200 -H "x-api-key: $(cat "$work/sandbox.key")" -H "x-gw-signature: $token" "$SANDBOX_URL/merchant-registry/v1/registry"
  done
}
payments_worker() {
  local token="" signed=-1000 n=0
  while :; do
    if ((SECONDS - signed > 60)); then token=$(sign "$work/sandbox.pem"); signed=$SECONDS; fi
    n=$((n + 1))
    check payments 201 -H "x-api-key: $(cat "$work/sandbox.key")" -H "x-gw-signature: $token" -H "x-data-space-id: $space" \
      -H "Idempotency-Key: soak-$$-$n" -H 'content-type: application/json' \
      -d "{\"reference\":\"soak-$n\",\"amount\":1999,\"currency\":\"EUR\",\"card\":{\"number\":\"4111111111111111\",\"expMonth\":12,\"expYear\":2034,\"cvc\":\"737\"}}" \
      "$SANDBOX_URL/payments/v1/payments"
  done
}
management_worker() {
  while :; do
    check management 200 -H "Authorization: Bearer $OPERATOR_TOKEN" "$PORTAL_URL/api/v1/accounts/$account"
    check management 200 -H "Authorization: Bearer $OPERATOR_TOKEN" "$PORTAL_URL/api/v1/accounts/$account/keys"
    check management 200 -H "Authorization: Bearer $OPERATOR_TOKEN" "$PORTAL_URL/api/v1/accounts/$account/quota"
  done
}
roll_worker() { # rolls a key every 5 s and signs with the new one at once, on every node through the balancer
  while :; do
    if new_key "$roller" sandbox rolled 30 2>>"$work/errors.log"; then echo 201 >>"$work/status/roll"; else echo "$(date +%T) roll failed" >>"$work/errors.log"; fi
    local token; token=$(sign "$work/rolled.pem")
    for _ in 1 2 3 4 5 6; do
      check roll 200 -H "x-api-key: $(cat "$work/rolled.key")" -H "x-gw-signature: $token" "$SANDBOX_URL/merchant-registry/v1/ping"
    done
    sleep 5
  done
}
rss() { # -> "node1=123MB node2=..."
  local out="" i
  for ((i = 1; i <= ${NODES:-3}; i++)); do
    local pid; pid=$(cat "$CLUSTER_DIR/node$i.pid")
    local kb; kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    if [[ -n $kb ]]; then out+="node$i=$((kb / 1024))MB "; else out+="node$i=gone "; fi
  done
  echo "${out% }"
}

mkdir -p "$work/status"; touch "$work/errors.log"
gateway_worker gateway1 & gateway_worker gateway2 & payments_worker & management_worker & roll_worker &
warmup=$((seconds / 10 < 30 ? seconds / 10 : 30))
sleep "$warmup"
rss_start=$(rss)
sleep $((seconds - warmup))
rss_end=$(rss)
kill $(jobs -p) 2>/dev/null || true
wait 2>/dev/null || true

requests=$(cat "$work"/status/* | wc -l)
errors=$(grep -c . "$work/errors.log" || true)
echo "soak: ${seconds}s through HAProxy, $requests requests, errors: $errors"
echo "rss after ${warmup}s warm-up: $rss_start"
echo "rss at the end: $rss_end"
if ((errors > 0)); then head -20 "$work/errors.log"; exit 1; fi
