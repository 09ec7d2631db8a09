#!/usr/bin/env bash
# Runs every test project (unit and integration). Integration fixtures start their own Cosmos DB dev
# server and Azurite on free loopback ports. Ends with one line: "N passed, M failed[, K skipped]".
set -uo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/devstack.sh
. scripts/devstack.sh
# shellcheck source=scripts/browser.sh
. scripts/browser.sh

require dotnet "install the .NET 10 SDK"
ensure_devstack_installed
ensure_chromium
select_cosmosdb_extension

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

log "Building (Release)"
if ! dotnet build InventoryFunctions.sln -c Release -nologo -v q -clp:ErrorsOnly; then
  echo "0 passed, 1 failed (the build failed)"
  exit 1
fi

log "Testing"
dotnet test InventoryFunctions.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results"
status=$?

# Totals over every project's TRX report; a project that crashed leaves no report and counts as a failure.
passed=0 failed=0 skipped=0 reports=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  reports=$((reports + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total) executed=$(get executed) p=$(get passed) f=$(get failed) e=$(get error) t=$(get timeout) a=$(get aborted)
  passed=$((passed + p))
  failed=$((failed + f + e + t + a))
  skipped=$((skipped + total - executed))
done
projects=$(grep -l 'Microsoft.NET.Test.Sdk' tests/*/*.csproj | wc -l)
if [ "$reports" -lt "$projects" ]; then
  log "Only $reports of $projects test projects produced a report"
  failed=$((failed + projects - reports))
fi
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
[ $((passed + failed)) -eq 0 ] && { log "No test ran"; failed=1; }

# How much of the OpenAPI document the integration tests' answers covered (written when their test process ends).
coverage=.artifacts/openapi-coverage.txt
[ -f "$coverage" ] && [ "$coverage" -nt "$results" ] && cat "$coverage"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
