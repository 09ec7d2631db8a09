# Shared by run.sh, test.sh and bench scripts: installs the local stand-ins and knows how to start them.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEVSTACK="$REPO_ROOT/tools/devstack"
# The official emulator's well-known key; the local dev server accepts any key.
EMULATOR_KEY="C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

log() { printf '==> %s\n' "$*" >&2; }

require() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is required but not on PATH ($2)" >&2; exit 1; }
}

# npm ci when node_modules is missing or older than the lock file.
ensure_devstack_installed() {
  require node "install Node.js 20+"
  require npm "install Node.js 20+"
  if [ ! -f "$DEVSTACK/node_modules/.package-lock.json" ] || [ "$DEVSTACK/package-lock.json" -nt "$DEVSTACK/node_modules/.package-lock.json" ]; then
    log "Installing the local Cosmos DB dev server and Azurite (npm ci in tools/devstack)"
    (cd "$DEVSTACK" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
}

# wait_for_port PORT SECONDS NAME PID
wait_for_port() {
  local port=$1 seconds=$2 name=$3 pid=$4 i
  for ((i = 0; i < seconds * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "error: $name exited before listening on port $port" >&2; return 1; fi
    sleep 0.1
  done
  echo "error: $name did not listen on port $port within ${seconds}s" >&2
  return 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Chooses the [CosmosDBTrigger] attribute the app builds against: the official extension package when the
# NuGet feed serves it, else the stand-in in build/CosmosDBExtensionStandIn. Probed once per clone; the answer
# lives in .artifacts/cosmosdb-extension ("official" or "stand-in"), read by build/CosmosDBExtension.props.
select_cosmosdb_extension() {
  local marker="$REPO_ROOT/.artifacts/cosmosdb-extension"
  if [ -n "${UseCosmosDBExtensionStandIn:-}" ]; then
    log "Cosmos DB trigger attribute: UseCosmosDBExtensionStandIn=$UseCosmosDBExtensionStandIn (from the environment)"
    return
  fi
  if [ ! -f "$marker" ]; then
    mkdir -p "$(dirname "$marker")"
    if dotnet restore "$REPO_ROOT/build/CosmosDBExtensionProbe" -nologo -v q >/dev/null 2>&1; then
      echo official >"$marker"
    else
      echo stand-in >"$marker"
    fi
  fi
  if [ "$(cat "$marker")" = "stand-in" ]; then
    log "Microsoft.Azure.Functions.Worker.Extensions.CosmosDB is not on this NuGet feed: building with the stand-in attribute (build/CosmosDBExtensionStandIn)"
  else
    log "Cosmos DB trigger attribute: official package Microsoft.Azure.Functions.Worker.Extensions.CosmosDB"
  fi
}
