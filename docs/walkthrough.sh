#!/usr/bin/env bash
# The README walkthrough, executable: from a running platform to an instance whose connection is verified.
# The README shows these same commands; build/test.sh runs this script against a platform it starts, so the two
# cannot drift apart.
#
# Start the platform first, in another terminal, from the repository root:
#     dotnet run --project src/CommerceServices.Platform
# then run ./docs/walkthrough.sh from anywhere. Every file it makes (the packed CLI, private keys, the connector's
# store) goes into one scratch folder outside the repository, printed at the end.
#
# Defaults match the platform's defaults; override them to point elsewhere:
#   PLATFORM_DATA     the platform's data folder, for the generated operator token   (default: data, in the repository)
#   COMMERCE_SERVICES_URL   the portal and management API                            (default: http://127.0.0.1:5080)
#   SANDBOX_GATEWAY   the sandbox gateway                                            (default: http://127.0.0.1:5082)
#   WALKTHROUGH_DIR   the scratch folder                                             (default: a new temporary folder)
set -euo pipefail
umask 077 # every file made here is readable by its owner only: two of them are private keys
cd "$(dirname "$0")/.."

PLATFORM_DATA=${PLATFORM_DATA:-data}
SANDBOX_GATEWAY=${SANDBOX_GATEWAY:-http://127.0.0.1:5082}
export COMMERCE_SERVICES_URL=${COMMERCE_SERVICES_URL:-http://127.0.0.1:5080}
say() { printf '\n### %s\n' "$*"; }

say "1. The operator token the platform generated, for the CLI"
COMMERCE_SERVICES_TOKEN=$(cat "$PLATFORM_DATA/operator-token")
export COMMERCE_SERVICES_TOKEN
scratch=${WALKTHROUGH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/commerce-walkthrough.XXXXXX")}
mkdir -p "$scratch"

say "2. The CLI as a .NET tool (installed into the scratch folder; README: --global for everyday use)"
dotnet pack src/CommerceServices.Cli -o "$scratch/packages"
# Its own package cache: a tool of the same version installed before is not reused. A pack that names no version is a
# pre-release (1.1.0-dev.<time of the pack>, Directory.Build.props), which 'dotnet tool install' takes only when asked.
NUGET_PACKAGES="$scratch/nuget" dotnet tool install CommerceServices.Cli --tool-path "$scratch/tools" --add-source "$scratch/packages" --prerelease
export PATH="$scratch/tools:$PATH"
cd "$scratch"
# json KEY…: one member of the JSON document on stdin (a number indexes an array), e.g. json 0 id
json() { python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1:]: d = d[int(k)] if k.isdigit() else d[k]
print(d)' "$@"; }

say "3. An account, entitled to Payment Services"
ACCOUNT=$(commerce-services accounts create --email "shop-$(date +%s)-$RANDOM@example.com" --name "Example Shop" --json | json id)
commerce-services entitlements grant --account "$ACCOUNT" --service payments

say "4. A sandbox key pair; the private key goes to a new owner-only file, never to the platform's storage"
API_KEY=$(commerce-services keys create --account "$ACCOUNT" --environment sandbox --private-key-out sandbox.pem --json | json apiKey)
commerce-services keys list --account "$ACCOUNT"

say "5. Rolling the pair: the old one keeps working for the grace period; revoking it ends that at once"
OLD_KEY=$API_KEY
API_KEY=$(commerce-services keys roll --account "$ACCOUNT" --environment sandbox --grace 1h --private-key-out sandbox-new.pem --json | json apiKey)
commerce-services keys delete --account "$ACCOUNT" --api-key "$OLD_KEY"
mv sandbox-new.pem sandbox.pem
# The private key file is the owner's alone (mode 0600), however it was made.
python3 -c 'import os, sys; sys.exit(os.stat("sandbox.pem").st_mode & 0o077 != 0)' || { echo "sandbox.pem is readable by others" >&2; exit 1; }
commerce-services audit list --account "$ACCOUNT"

say "6. A data space in the default project, within the quota"
PROJECT=$(commerce-services projects list --account "$ACCOUNT" --json | json 0 id)
commerce-services quota --account "$ACCOUNT"
DATA_SPACE=$(commerce-services data-spaces create --account "$ACCOUNT" --project "$PROJECT" --name storefront --type testing --json | json id)
commerce-services data-spaces list --account "$ACCOUNT"

say "7. The same management API with curl: read what the CLI made"
curl -sf -H "Authorization: Bearer $COMMERCE_SERVICES_TOKEN" "$COMMERCE_SERVICES_URL/api/v1/accounts/$ACCOUNT"; echo
curl -sf -H "Authorization: Bearer $COMMERCE_SERVICES_TOKEN" "$COMMERCE_SERVICES_URL/api/v1/accounts/$ACCOUNT/keys"; echo

say "8. A signed call to the sandbox gateway with nothing but curl and openssl, with the pair from step 5"
b64url() { openssl base64 -e -A | tr '+/' '-_' | tr -d '='; }
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"exp":%d}' $(( $(date +%s) + 300 )) | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign sandbox.pem | b64url)
curl -sf -H "x-api-key: $API_KEY" -H "x-gw-signature: $header.$payload.$signature" "$SANDBOX_GATEWAY/merchant-registry/v1/ping"; echo

say "9. The instance side: the connector's store, configured with the pair and the data space"
commerce-services connector configure --store shop-data --environment sandbox --api-key "$API_KEY" \
    --private-key-file sandbox.pem --project "$PROJECT" --data-space "$DATA_SPACE" --sandbox-gateway "$SANDBOX_GATEWAY"
STATE=$(commerce-services connector status --store shop-data --json | json state)
commerce-services connector status --store shop-data   # exit code 0 only when verified

say "10. Payment Services through that store (none yet), and a link that makes someone a user of the account's portal"
commerce-services payments list --store shop-data
commerce-services users invite --account "$ACCOUNT" --email "merchant-$(date +%s)-$RANDOM@example.com"

say "Done: the connection is $STATE. Files: $scratch"
[[ $STATE == verified ]]
