#!/usr/bin/env bash
# Benchmarks: appends, reads against history length (next to the naive replay), time travel, projection lag, Cosmos DB requests per
# operation, and BenchmarkDotNet micro-benchmarks; writes docs/benchmarks/report.md with SVG charts.
#
#   ./bench.sh                 short mode (default): at most ~3 minutes on 2 cores, against the local stack
#   ./bench.sh --full          bigger samples
#   ./bench.sh --base-url https://<app>.azurewebsites.net/api --key <function key>
#                              load a deployed app instead (Cosmos request counts are then not available)
#   ./bench.sh --help          every option
#
# The local stack (Cosmos DB dev server, Azurite, the app's worker processes under the local Functions host) runs on free
# loopback ports, like the integration tests; nothing needs to be started first.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/devstack.sh
. scripts/devstack.sh

require dotnet "install the .NET 10 SDK"
# Against a deployed app (--base-url) the local stand-ins are not needed.
remote=false
for arg in "$@"; do [ "$arg" = "--base-url" ] && remote=true; done
if [ "$remote" = false ]; then
  ensure_devstack_installed
fi
select_cosmosdb_extension

log "Building the benchmarks (Release)"
dotnet build bench/InventoryFunctions.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >&2

log "Running: the load phases print a line per phase with counts"
exec dotnet run --project bench/InventoryFunctions.Benchmarks -c Release --no-build --no-launch-profile -- "$@"
