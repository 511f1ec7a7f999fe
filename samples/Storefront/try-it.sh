#!/usr/bin/env bash
# Makes a merchant on the local platform for the sample storefront, with the management API and the operator token:
# an account entitled to Payment Services and Recommendations, a sandbox key pair and a testing data space. Starts the
# sample recommendations service (samples/RecommendationsService, http://127.0.0.1:5095) when it is not running, and
# registers it with the platform when it is not registered. Prints what to enter on the storefront's Commerce Services
# Connector page. Run from the clone, with the platform running.
set -euo pipefail
cd "$(dirname "$0")/../.."

portal=${COMMERCE_SERVICES_URL:-http://127.0.0.1:5080}
token=${COMMERCE_SERVICES_TOKEN:-$(cat data/operator-token 2>/dev/null || true)}
if [[ -z $token ]]; then
  echo "No operator token: start the platform first (dotnet run --project src/CommerceServices.Platform)," >&2
  echo "or set COMMERCE_SERVICES_TOKEN." >&2
  exit 1
fi

api() { curl -fsS -H "Authorization: Bearer $token" -H 'content-type: application/json' "$@"; }
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

# The second service behind the gateway: its own process and SQLite file, started once, registered once.
recommendations=${RECOMMENDATIONS_URL:-http://127.0.0.1:5095}
mkdir -p samples/Storefront/data
if ! curl -fsS "$recommendations/healthz" >/dev/null 2>&1; then
  echo "Starting the recommendations service on $recommendations (the first start builds it; log in samples/Storefront/data/recommendations.log)…" >&2
  nohup setsid dotnet run --project samples/RecommendationsService -- --urls "$recommendations" \
    --Recommendations:DataDirectory="$PWD/samples/Storefront/data/recommendations" --CommerceServices:Gateway:Authority="$portal" \
    >samples/Storefront/data/recommendations.log 2>&1 </dev/null &
  echo $! > samples/Storefront/data/recommendations.pid
  for _ in $(seq 240); do curl -fsS "$recommendations/healthz" >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS "$recommendations/healthz" >/dev/null || { echo "The recommendations service did not start; see samples/Storefront/data/recommendations.log." >&2; exit 1; }
fi
if ! api "$portal/api/v1/services/recommendations" >/dev/null 2>&1; then
  api -d "{\"id\":\"recommendations\",\"name\":\"Recommendations\",\"pathPrefix\":\"/recommendations/v1\",\"upstreams\":[\"$recommendations\"],\"dataSpace\":\"required\",\"lifecycleUrl\":\"$recommendations/lifecycle\",\"healthPath\":\"/healthz\"}" \
    "$portal/api/v1/services" >/dev/null
fi

account=$(api -d "{\"email\":\"storefront-$(date +%s)@example.com\",\"name\":\"Sample storefront\"}" "$portal/api/v1/accounts" | field '["id"]')
api -X PUT "$portal/api/v1/accounts/$account/entitlements/payments" >/dev/null
api -X PUT "$portal/api/v1/accounts/$account/entitlements/recommendations" >/dev/null
project=$(api "$portal/api/v1/accounts/$account/projects" | field '[0]["id"]')
data_space=$(api -d "{\"projectId\":\"$project\",\"name\":\"storefront\",\"type\":\"testing\"}" \
  "$portal/api/v1/accounts/$account/data-spaces" | field '["id"]')

# The private key is in this answer only (R7): it goes straight into a file only you can read.
umask 077
key_json=$(api -d '{"environment":"sandbox"}' "$portal/api/v1/accounts/$account/keys")
api_key=$(field '["apiKey"]' <<<"$key_json")
field '["privateKey"]' <<<"$key_json" > samples/Storefront/data/sandbox.pem

cat <<TEXT
Account          $account (entitled to Payment Services and Recommendations)
Sandbox API key  $api_key
Private key      samples/Storefront/data/sandbox.pem (upload it, or paste its contents)
Data space       storefront ($data_space), testing

Open http://127.0.0.1:5090/admin, sign in as admin with the password the storefront printed at its first start
(also in samples/Storefront/data/admin-password), then Payment Services › Configure Commerce Services.
After two or three orders, a product page (http://127.0.0.1:5090/products/mug) shows "Customers also bought", from
the recommendations service at $recommendations behind the same gateway and key pair
(stop it with: kill -- -\$(cat samples/Storefront/data/recommendations.pid)).
TEXT
