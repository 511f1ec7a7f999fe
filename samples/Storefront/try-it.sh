#!/usr/bin/env bash
# Makes a merchant on the local platform for the sample storefront, with the management API and the operator token:
# an account entitled to Payment Services and Recommendations, a sandbox key pair and a testing data space. Starts the
# sample recommendations service (samples/RecommendationsService, http://127.0.0.1:5095) when it is not running, and
# registers it with the platform when it is not registered. Prints what to enter on the storefront's Commerce Services
# Connector page, and a one-time link to sign in to the account's portal. Run from the clone, with the platform running.
set -euo pipefail
cd "$(dirname "$0")/../.."

portal=${COMMERCE_SERVICES_URL:-http://127.0.0.1:5080}
data=${STOREFRONT_DATA:-samples/Storefront/data} # where the storefront keeps its state (Storefront:DataDirectory)
storefront=${STOREFRONT_URL:-http://127.0.0.1:5090}
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
mkdir -p "$data"
data_abs=$(cd "$data" && pwd)
if ! curl -fsS "$recommendations/healthz" >/dev/null 2>&1; then
  echo "Starting the recommendations service on $recommendations (the first start builds it; log in $data/recommendations.log)…" >&2
  nohup setsid dotnet run --project samples/RecommendationsService -- --urls "$recommendations" \
    --Recommendations:DataDirectory="$data_abs/recommendations" --CommerceServices:Gateway:Authority="$portal" \
    >"$data/recommendations.log" 2>&1 </dev/null &
  echo $! > "$data/recommendations.pid"
  for _ in $(seq 240); do curl -fsS "$recommendations/healthz" >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS "$recommendations/healthz" >/dev/null || { echo "The recommendations service did not start; see $data/recommendations.log." >&2; exit 1; }
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

# A one-time link that makes you a user of the account's portal (keys, data spaces, activity), valid 7 days.
email="merchant-$(date +%s)@example.com"
invitation=$(api -d "{\"email\":\"$email\"}" "$portal/api/v1/accounts/$account/invitations" | field '["url"]')

# The private key is in this answer only (R7): it goes straight into a file only you can read.
umask 077
key_json=$(api -d '{"environment":"sandbox"}' "$portal/api/v1/accounts/$account/keys")
api_key=$(field '["apiKey"]' <<<"$key_json")
field '["privateKey"]' <<<"$key_json" > "$data/sandbox.pem"

# The shop's webhook endpoint: payment events of the sandbox mark its orders (a refund made with the API shows on the
# order page). Its secret is in this answer only; the storefront reads it from data/webhooks.json without a restart.
webhook_json=$(api -d "{\"url\":\"$storefront/commerce-services/webhooks\",\"environment\":\"sandbox\",\"events\":[\"payment.*\"],\"description\":\"Sample storefront\"}" \
  "$portal/api/v1/accounts/$account/webhooks")
webhook=$(field '["endpoint"]["id"]' <<<"$webhook_json")
field '["secret"]' <<<"$webhook_json" | STOREFRONT_DATA="$data" python3 -c '
import json, os, sys
path = os.path.join(os.environ["STOREFRONT_DATA"], "webhooks.json")
try:
    secrets = json.load(open(path))["CommerceServices"]["Webhooks"]["Secrets"]
except (OSError, ValueError, KeyError):
    secrets = []
# The newest first; a few earlier ones stay, so endpoints made by earlier runs still verify.
secrets = ([sys.stdin.read().strip()] + secrets)[:5]
json.dump({"CommerceServices": {"Webhooks": {"Secrets": secrets}}}, open(path + ".tmp", "w"), indent=2)
os.replace(path + ".tmp", path)'

cat <<TEXT
Account          $account (entitled to Payment Services and Recommendations)
Sandbox API key  $api_key
Private key      $data/sandbox.pem (upload it, or paste its contents)
Data space       storefront ($data_space), testing
Webhooks         $webhook: payment events to $storefront/commerce-services/webhooks
                 (secret in $data/webhooks.json; the storefront reads it by itself)

Open http://127.0.0.1:5090/admin, sign in as admin with the password the storefront printed at its first start
(also in samples/Storefront/data/admin-password), then Payment Services › Configure Commerce Services.

Account portal   $invitation
                 open it once, choose a password of 12 characters or more: you are $email,
                 a user of this account (its keys, data spaces and activity)

After two or three orders, a product page (http://127.0.0.1:5090/products/mug) shows "Customers also bought", from
the recommendations service at $recommendations behind the same gateway and key pair
(stop it with: kill -- -\$(cat $data/recommendations.pid)).
TEXT
