#!/usr/bin/env bash
# Benchmarks: appends, reads against history length (next to the naive replay), time travel, projection lag, Cosmos DB requests per
# operation, and BenchmarkDotNet micro-benchmarks; writes docs/benchmarks/report.md with SVG charts.
#
#   ./bench.sh                 short mode (default): at most ~3 minutes on 2 cores, against the local stack
#   ./bench.sh --full          bigger samples
#   ./bench.sh --base-url https://<app>.azurewebsites.net/api --token <bearer token>
#                              load a deployed app instead (Cosmos request counts are then not available)
#   ./bench.sh --help          every option
#   ./bench.sh --soak [MINUTES] [RATE]
#                              fault soak (not in CI): the fault load test for MINUTES (default 5) with RATE (default
#                              0.15) of the app's Cosmos requests failed; reports commands, client retries, faults
#                              injected per kind, and the final consistency check
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

if [ "${1:-}" = "--soak" ]; then
  minutes="${2:-5}" rate="${3:-0.15}"
  log "Fault soak: ${minutes} min at a fault rate of ${rate} (tests/InventoryFunctions.IntegrationTests/FaultLoadTests.cs)"
  FAULT_SOAK_SECONDS=$((minutes * 60)) FAULT_SOAK_RATE="$rate" exec dotnet test tests/InventoryFunctions.IntegrationTests -c Release -nologo \
    --filter "FullyQualifiedName~FaultLoadTests" --logger "console;verbosity=detailed"
fi

log "Building the benchmarks (Release)"
dotnet build bench/InventoryFunctions.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >&2

log "Running: the load phases print a line per phase with counts"
exec dotnet run --project bench/InventoryFunctions.Benchmarks -c Release --no-build --no-launch-profile -- "$@"
