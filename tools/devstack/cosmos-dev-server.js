#!/usr/bin/env node
'use strict';
// Local Cosmos DB dev server: a development/test stand-in for the official Cosmos DB emulator
// (which needs Docker), never used in production. In-memory @vercel/cosmosdb-server plus a
// compatibility layer (./cosmos) so the official .NET SDK works against it in Gateway mode:
// 404 point reads, query plans, TransactionalBatch, a real change feed. See README.md.
//
//   node cosmos-dev-server.js --port 8081 --host 127.0.0.1 [--parent-pid N] [--faults JSON]
//
// Plain HTTP. Prints one line 'cosmos-dev-server listening on http://HOST:PORT/' when ready
// (--port 0 picks a free port and prints it). Exits on SIGTERM/SIGINT, or within a second after
// the --parent-pid process is gone, so a crashed test run leaves no orphan. --faults (or the
// COSMOS_DEV_FAULTS environment variable) starts in fault mode; see cosmos/faults.js and README.md.

// Signal handlers first: loading the package takes a moment and a stop may come meanwhile.
let server = null;
function shutdown() {
  if (server) {
    server.close();
    server.closeAllConnections();
  }
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

function parseArgs(argv) {
  const args = {
    port: 8081, host: '127.0.0.1', parentPid: 0, faults: process.env.COSMOS_DEV_FAULTS || '',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const value = argv[i + 1];
    if (argv[i] === '--port') args.port = parseInt(value, 10);
    else if (argv[i] === '--host') args.host = value;
    else if (argv[i] === '--parent-pid') args.parentPid = parseInt(value, 10);
    else if (argv[i] === '--faults') args.faults = value;
    else {
      console.error(`unknown argument ${argv[i]}`);
      process.exit(2);
    }
    i += 1;
  }
  return args;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

const args = parseArgs(process.argv.slice(2));
const { createServer } = require('./cosmos/server');

server = createServer();
if (args.faults) {
  try {
    server.faults.configure(JSON.parse(args.faults));
  } catch (err) {
    console.error(`cosmos-dev-server: invalid fault rule (--faults / COSMOS_DEV_FAULTS): ${err.message}`);
    process.exit(2);
  }
}
server.on('error', (err) => {
  console.error(`cosmos-dev-server: ${err.message}`);
  process.exit(1);
});
server.listen(args.port, args.host, () => {
  const { port } = server.address();
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  process.stdout.write(`cosmos-dev-server listening on http://${host}:${port}/\n`);
});

if (args.parentPid > 0) {
  setInterval(() => {
    if (!isAlive(args.parentPid)) shutdown();
  }, 1000).unref();
}
