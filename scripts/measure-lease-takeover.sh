#!/usr/bin/env bash
# Measures how long projection pauses after the instance running the change feed processors (the local Functions
# host) is killed with -9 and a new one starts: from the kill to a new write being visible in the inventory view.
# Usage: scripts/measure-lease-takeover.sh   (after a Release build: dotnet build InventoryFunctions.sln -c Release)
set -u
cd "$(dirname "$0")/.."
. scripts/devstack.sh
logs="$(mktemp -d)"
CP=18181; HP=17171
node "$DEVSTACK/cosmos-dev-server.js" --port $CP --host 127.0.0.1 >/dev/null 2>&1 &
cos=$!
node "$DEVSTACK/node_modules/azurite/dist/src/azurite.js" --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
  --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 --blobPort 21000 --queuePort 21001 --tablePort 21002 >/dev/null 2>&1 &
azu=$!
sleep 3
export FUNCTIONS_WORKER_RUNTIME=dotnet-isolated
export CosmosDb="AccountEndpoint=http://127.0.0.1:$CP/;AccountKey=$EMULATOR_KEY;"
ST="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:21000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:21001/devstoreaccount1;TableEndpoint=http://127.0.0.1:21002/devstoreaccount1;"
export AzureWebJobsStorage="$ST" PoisonQueueStorage="$ST"
export CosmosDatabaseName=inventory EventsContainerName=events ProjectionsContainerName=projections LeasesContainerName=leases
export PoisonQueueName=projection-poison RebuildQueueName=projection-rebuilds ProjectionStatusSchedule="0 0 0 1 1 *"
LH=src/InventoryFunctions.LocalHost/bin/Release/net10.0/InventoryFunctions.LocalHost.dll
APP=src/InventoryFunctions/bin/Release/net10.0
dotnet $LH provision --script-root $APP >/dev/null 2>&1
start_host() { dotnet $LH --script-root $APP --urls "http://127.0.0.1:$HP" >"$logs/host$1.log" 2>&1 & echo $!; }
wait_view() { # $1 version
  local t0=$(date +%s.%N)
  while true; do
    v=$(curl -s "http://127.0.0.1:$HP/api/inventories/p1" | python3 -c 'import sys,json; print(json.load(sys.stdin).get("version",0))' 2>/dev/null || echo 0)
    [ "${v:-0}" -ge "$1" ] && break
    sleep 0.2
  done
  echo "$(date +%s.%N) - $t0" | bc
}
h=$(start_host 1)
until curl -sf "http://127.0.0.1:$HP/api/health" >/dev/null; do sleep 0.5; done
sleep 5
curl -s -X POST "http://127.0.0.1:$HP/api/inventories/p1/items" -H 'content-type: application/json' -d '{"itemId":"sword","quantity":1}' >/dev/null
echo "first view after $(wait_view 1) s"
kill -9 $h; sleep 0.5
killed=$(date +%s.%N)
h=$(start_host 2)
until curl -sf "http://127.0.0.1:$HP/api/health" >/dev/null; do sleep 0.2; done
echo "host back after $(echo "$(date +%s.%N) - $killed" | bc) s"
curl -s -X POST "http://127.0.0.1:$HP/api/inventories/p1/items" -H 'content-type: application/json' -d '{"itemId":"sword","quantity":1}' >/dev/null
wait_view 2 >/dev/null
echo "projection resumed $(echo "$(date +%s.%N) - $killed" | bc) s after the kill"
kill $h; sleep 2; kill $cos $azu; rm -rf "$logs"
