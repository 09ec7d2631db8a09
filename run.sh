#!/usr/bin/env bash
# Runs the app locally: Cosmos DB + Azurite stand-ins (unless CosmosDb / AzureWebJobsStorage are set),
# the database and containers, then the local Functions host (src/InventoryFunctions.LocalHost: runs the same built
# worker over the Functions host protocol, and serves the development token issuer at /dev-issuer) on
# http://localhost:7071; USE_CORE_TOOLS=1 runs `func start` instead (then AuthIssuer must name an issuer you have).
# Ctrl+C or SIGTERM stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/devstack.sh
. scripts/devstack.sh

HTTP_PORT="${HTTP_PORT:-7071}"
COSMOS_PORT="${COSMOS_PORT:-8081}"
started=()

stop_all() {
  trap - EXIT INT TERM
  if [ ${#started[@]} -gt 0 ]; then
    log "Stopping ${#started[@]} processes"
    # Newest first: the host drains before the servers it talks to go away.
    local i pid
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do
      pid=${started[i]}
      pkill -TERM -P "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    done
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

require dotnet "install the .NET 10 SDK"
ensure_devstack_installed
select_cosmosdb_extension
[ -f src/InventoryFunctions/local.settings.json ] || {
  cp local.settings.sample.json src/InventoryFunctions/local.settings.json
  log "Created src/InventoryFunctions/local.settings.json from local.settings.sample.json"
}

log "Building"
dotnet build src/InventoryFunctions -nologo -v q -clp:ErrorsOnly >&2
dotnet build src/InventoryFunctions.LocalHost -nologo -v q -clp:ErrorsOnly >&2
localhost="src/InventoryFunctions.LocalHost/bin/Debug/net10.0/InventoryFunctions.LocalHost.dll"
app_output="src/InventoryFunctions/bin/Debug/net10.0"

if [ -z "${CosmosDb:-}" ]; then
  port_in_use "$COSMOS_PORT" && { echo "error: port $COSMOS_PORT is taken; set COSMOS_PORT, or CosmosDb to use that Cosmos DB" >&2; exit 1; }
  node "$DEVSTACK/cosmos-dev-server.js" --port "$COSMOS_PORT" --host 127.0.0.1 --parent-pid $$ >/dev/null &
  started+=($!)
  wait_for_port "$COSMOS_PORT" 20 "Cosmos DB dev server" "$!"
  export CosmosDb="AccountEndpoint=http://127.0.0.1:$COSMOS_PORT/;AccountKey=$EMULATOR_KEY;"
  log "Cosmos DB dev server on http://127.0.0.1:$COSMOS_PORT (in memory)"
else
  log "Using the Cosmos DB account from \$CosmosDb"
fi

if [ -z "${AzureWebJobsStorage:-}" ]; then
  port_in_use 10001 && { echo "error: port 10001 is taken (Azurite?); set AzureWebJobsStorage to use that storage" >&2; exit 1; }
  node "$DEVSTACK/node_modules/azurite/dist/src/azurite.js" --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >/dev/null &
  started+=($!)
  wait_for_port 10001 30 "Azurite" "$!"
  export AzureWebJobsStorage="UseDevelopmentStorage=true"
  log "Azurite on 127.0.0.1:10000-10002 (in memory)"
else
  log "Using the storage account from \$AzureWebJobsStorage"
fi
export PoisonQueueStorage="${PoisonQueueStorage:-$AzureWebJobsStorage}"

dotnet "$localhost" provision --script-root "$app_output" >&2

if [ "${USE_CORE_TOOLS:-}" = 1 ] && command -v func >/dev/null 2>&1; then
  log "Starting the Functions host (func start)"
  (cd src/InventoryFunctions && exec func start --port "$HTTP_PORT") &
else
  log "Starting the local Functions host (it runs the app's worker, $app_output/InventoryFunctions.dll, and the development token issuer)"
  dotnet "$localhost" --script-root "$app_output" --urls "http://localhost:$HTTP_PORT" >&2 &
fi
host=$!
started+=("$host")
wait_for_port "$HTTP_PORT" 120 "Functions host" "$host"

api="http://localhost:$HTTP_PORT/api"
issuer="http://localhost:$HTTP_PORT/dev-issuer"
# A player token for player-1 (who owns inventory player-1), valid 24 h, from the development issuer.
token=$(curl -fsS -X POST "$issuer/token" -H 'Content-Type: application/json' \
  -d '{"sub":"player-1","lifetimeSeconds":86400}' 2>/dev/null | sed -E 's/.*"access_token":"([^"]+)".*/\1/' || true)

cat <<TXT

InventoryFunctions is running at $api (tokens from the development issuer at $issuer)

  export TOKEN=${token:-"<not fetched: POST $issuer/token as below and take access_token>"}

  curl $api/health
  curl -X POST $api/inventories/player-1/items -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"itemId":"sword","quantity":2}'
  curl -H "Authorization: Bearer \$TOKEN" $api/inventories/player-1/events
  # another role: {"sub":"support-1","roles":["Inventory.Support"]} (or Inventory.Server, Inventory.Admin)
  curl -X POST $issuer/token -H 'Content-Type: application/json' -d '{"sub":"support-1","roles":["Inventory.Support"]}'

  explorer: $api/explorer?inventory=player-1#access_token=${token:-\$TOKEN}

Press Ctrl+C to stop.
TXT
wait "$host"
