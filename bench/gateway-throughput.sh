#!/usr/bin/env bash
# Gateway throughput, side by side in one run (DESIGN.md section 6): authenticated calls (GET /merchant-registry/v1/ping
# with x-api-key + an RS256 x-gw-signature token reused until it expires, as the protocol allows) against the
# anonymous endpoint of the same gateway (GET /merchant-registry/v1/gateway). Both requests carry the same headers
# (the anonymous endpoint ignores them), so the ratio measures authentication, not the bytes of a longer request.
# Many short rounds alternate A/B after a warm-up, so bursts of CPU steal on a shared machine hit both; the median of
# the per-round ratios is the result (the ratio of the sums is printed too). Bar: >= 0.85. Traffic goes to 127.0.0.1.
#
#   bench/gateway-throughput.sh [seconds-per-round=3] [rounds=12] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}; rounds=${2:-12}; connections=${3:-32}

command -v wrk >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq wrk >/dev/null; }
command -v openssl >/dev/null || { echo "openssl is needed to sign the token" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $platform 2>/dev/null; wait $platform 2>/dev/null; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
portal=$(port); production=$(port); sandbox=$(port)

dotnet build src/CommerceServices.Platform -c Release -nologo -v quiet -clp:ErrorsOnly >&2
dotnet src/CommerceServices.Platform/bin/Release/net10.0/CommerceServices.Platform.dll \
  --Platform:PortalUrl=http://127.0.0.1:$portal --Platform:ProductionGatewayUrl=http://127.0.0.1:$production \
  --Platform:SandboxGatewayUrl=http://127.0.0.1:$sandbox --Platform:DataDirectory="$work/data" \
  --Platform:OperatorToken=bench --Gateway:RateLimitPerSecond=100000000 --Gateway:RateLimitBurst=100000000 \
  --Logging:LogLevel:Default=Warning >"$work/platform.log" 2>&1 &
platform=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$portal/healthz" >/dev/null && break; sleep 0.2; done

api() { curl -sf -H "Authorization: Bearer bench" -H 'content-type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
account=$(api -d '{"email":"bench@example.com"}' "http://127.0.0.1:$portal/api/v1/accounts" | json '["id"]')
api -d '{"environment":"sandbox"}' "http://127.0.0.1:$portal/api/v1/accounts/$account/keys" > "$work/key.json"
api_key=$(json '["apiKey"]' < "$work/key.json")
json '["privateKey"]' < "$work/key.json" > "$work/private.pem"

b64url() { openssl base64 -e -A | tr '+/' '-_' | tr -d '='; }
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"exp":%d}' $(( $(date +%s) + 290 )) | b64url)
token="$header.$payload.$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$work/private.pem" | b64url)"
base="http://127.0.0.1:$sandbox/merchant-registry/v1"
curl -sf -H "x-api-key: $api_key" -H "x-gw-signature: $token" "$base/ping" >/dev/null || { echo "authenticated call failed" >&2; exit 1; }

run() { # url [headers...] -> requests/sec; fails on any error or non-2xx answer
  local url=$1; shift
  local out; out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" "$url")
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "errors during the run:" >&2; echo "$out" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

headers=(-H "x-api-key: $api_key" -H "x-gw-signature: $token")
for _ in 1 2; do # warm-up: tiered JIT and PGO settle over the first seconds
  wrk -t2 -c"$connections" -d4s "${headers[@]}" "$base/gateway" >/dev/null
  wrk -t2 -c"$connections" -d4s "${headers[@]}" "$base/ping" >/dev/null
done
anonymous=0; authenticated=0; ratios=()
for round in $(seq "$rounds"); do
  a=$(run "$base/gateway" "${headers[@]}"); b=$(run "$base/ping" "${headers[@]}")
  printf 'round %d: anonymous %10.0f req/s   authenticated %10.0f req/s   ratio %.3f\n' "$round" "$a" "$b" "$(echo "$b / $a" | bc -l)"
  anonymous=$(echo "$anonymous + $a" | bc -l); authenticated=$(echo "$authenticated + $b" | bc -l)
  ratios+=("$(echo "$b / $a" | bc -l)")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')
printf 'ratio of sums: %.3f\n' "$(echo "$authenticated / $anonymous" | bc -l)"
printf 'gateway authenticated/anonymous throughput, median ratio: %.3f (bar: >= 0.85)\n' "$median"
