'use strict';
// Loads @vercel/cosmosdb-server, patches its document store, and puts a dispatcher in front of its
// request handler. Routes the package gets wrong are answered here (point read, read feed, change
// feed, queries, batch, partition key ranges, and item writes and deletes, which must honour Cosmos DB's limits and
// carry a modelled request charge, charges.js); everything else (databases, containers) still goes to the package. The dispatcher also
// injects faults when fault mode is on (faults.js) and serves its control endpoint, /_dev/faults.
const { randomUUID } = require('crypto');
const {
  LIB, send, sendError, readBody, isTrue, parsePartitionKey, samePartition,
} = require('./common');

// Patches must be in place before the package's modules are used.
const pkUtil = require(`${LIB}/utils/get-partition-from-header`);
const Documents = require(`${LIB}/account/documents`).default;
const accountModule = require(`${LIB}/account`);
const { createHttpServer } = require(LIB);
const { query, readFeed } = require('./query');
const { changeFeed } = require('./changefeed');
const { batch } = require('./batch');
const { writeDocument } = require('./writes');
const { enforceItemSize } = require('./limits');
const { Faults } = require('./faults');
const { readCharge, REFUSED } = require('./charges');

// Falsy partition key values: the package parsed '[""]'/'[0]' into the document id and keyed its
// index on `partition || id`, so "" and 0 collided with other documents. Key on the exact JSON value.
pkUtil.parsePartitionKey = (header) => parsePartitionKey(header);
Documents.prototype._getId = function getId(keyPath, value, partition) {
  return `${partition === undefined ? '~' : JSON.stringify(partition)}|${keyPath}|${JSON.stringify(value)}`;
};

// Every document write (create, upsert, replace, patch, batch) goes through _set: stamp a
// per-container LSN for the change feed and a fresh quoted etag, as Cosmos does.
const rawSet = Documents.prototype._set;
Documents.prototype._set = function set(data) {
  const coll = this._parent;
  coll._lsn = (coll._lsn || 0) + 1;
  Object.assign(data, { _etag: `"${randomUUID()}"`, _lsn: coll._lsn });
  return rawSet.call(this, data);
};
Documents.prototype._restore = rawSet; // batch rollback puts a document back as it was
enforceItemSize(Documents);

// Capture the account the package creates on 'listening'; advertise http endpoints (the package
// says https even with --no-ssl, which only works with LimitToEndpoint).
let account;
const BaseAccount = accountModule.default;
accountModule.default = class Account extends BaseAccount {
  constructor(host, port) {
    super(host, port);
    const data = this.read();
    [...data.writableLocations, ...data.readableLocations].forEach((loc) => {
      loc.databaseAccountEndpoint = `http://${host}:${port}/`;
    });
    account = this;
  }
};

function pointRead(coll, req, res, body, id) {
  const pk = parsePartitionKey(req.headers['x-ms-documentdb-partitionkey']);
  const doc = coll.document(id, pk).read();
  if (!doc || doc.id !== id || !samePartition(coll.documents._getPartition(doc), pk)) {
    sendError(res, 404, 'Entity with the specified id does not exist in the system.');
  } else if (req.headers['if-none-match'] === doc._etag) {
    send(res, 304, undefined, { etag: doc._etag, 'x-ms-request-charge': String(REFUSED) });
  } else {
    send(res, 200, doc, { etag: doc._etag, 'x-ms-request-charge': String(readCharge(doc)) });
  }
}

// One range covering everything; the id must be the string "0" (leases are keyed by it).
function partitionKeyRanges(coll, req, res) {
  if (req.headers['if-none-match']) {
    send(res, 304, undefined, { etag: '"1"' });
    return;
  }
  const { _rid } = coll.read();
  const range = {
    id: '0', minInclusive: '', maxExclusive: 'FF', ridPrefix: 0, throughputFraction: 1, status: 'online',
    parents: [], _rid: `${_rid}pkr0`, _etag: '"1"', _ts: 0,
  };
  send(res, 200, { _rid, PartitionKeyRanges: [range], _count: 1 }, { etag: '"1"', 'x-ms-item-count': '1' });
}

const ROUTE = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/(docs|pkranges)(?:\/([^/]+))?$/;

// The handler for a route answered here (called as handler(coll, req, res, body, id)), or null to
// let the package answer.
function route(req, m) {
  if (!m) return null;
  const [, , , kind, id] = m;
  if (req.method === 'GET') {
    if (kind === 'pkranges') return partitionKeyRanges;
    if (id) return pointRead;
    return req.headers['a-im'] ? changeFeed : readFeed;
  }
  if (kind !== 'docs') return null;
  if (req.method === 'PUT' || req.method === 'PATCH' || req.method === 'DELETE') return id ? writeDocument : null;
  if (req.method !== 'POST' || id) return null;
  if (isTrue(req, 'x-ms-cosmos-is-batch-request')) return batch;
  if (isTrue(req, 'x-ms-documentdb-isquery') || req.headers['content-type'] === 'application/query+json') return query;
  return writeDocument;
}

const faults = new Faults();

// GET the rule and counts; POST/PUT a rule (fault mode on, counts zeroed); DELETE (off, counts kept).
async function faultControl(req, res) {
  const raw = await readBody(req);
  try {
    if (req.method === 'POST' || req.method === 'PUT') faults.configure(JSON.parse(raw.toString('utf8')));
    else if (req.method === 'DELETE') faults.configure(null);
    else if (req.method !== 'GET') {
      sendError(res, 405, 'use GET, POST, PUT or DELETE');
      return;
    }
  } catch (err) {
    sendError(res, 400, `invalid fault rule: ${err.message}`);
    return;
  }
  send(res, 200, faults.state());
}

// Answers as the fault asks; returns true when the request must not be handled any further.
async function injectFault({ kind, retryAfterMs }, req, res) {
  if (kind === 'drop') {
    req.socket.destroy();
    return true;
  }
  if (kind === 'lost-response') {
    // The handler runs and applies the request; whatever it answers is swallowed and the
    // connection is cut instead.
    res.setHeader = () => res;
    res.writeHead = () => res;
    res.write = () => true;
    res.end = () => {
      res.socket?.destroy();
      return res;
    };
    return false;
  }
  await readBody(req); // drain, so the connection stays usable
  const message = 'Injected by the dev server\'s fault mode.';
  const nothingDone = { 'x-ms-request-charge': '0' };
  if (kind === '429') {
    sendError(res, 429, `Message: {"Errors":["Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later."]} ${message}`, {
      'x-ms-retry-after-ms': String(retryAfterMs), 'x-ms-substatus': '3200', ...nothingDone,
    });
  } else if (kind === '503') {
    sendError(res, 503, `Message: {"Errors":["Service is currently unavailable."]} ${message}`, nothingDone);
  } else {
    sendError(res, 408, `Message: {"Errors":["Request timed out."]} ${message}`, nothingDone);
  }
  return true;
}

async function dispatch(req, res, fallback) {
  const path = new URL(req.url, 'http://localhost').pathname.replace(/^\/\//, '/').replace(/\/+$/, '');
  if (process.env.COSMOS_DEV_DEBUG) console.error(req.method, path, JSON.stringify(req.headers));
  if (path === '/_dev/faults') {
    await faultControl(req, res);
    return;
  }
  const fault = faults.pick(req, path);
  if (fault && await injectFault(fault, req, res)) return;
  const m = ROUTE.exec(path);
  const handler = route(req, m);
  if (!handler) {
    fallback(req, res);
    return;
  }
  const body = await readBody(req);
  const coll = account.database(decodeURIComponent(m[1])).collection(decodeURIComponent(m[2]));
  if (!coll.read()) sendError(res, 404, 'Resource Not Found');
  else await handler(coll, req, res, body, m[4] && decodeURIComponent(m[4]));
}

/** server.faults: the fault mode (configure(rule) / configure(null), state()). */
function createServer() {
  const server = createHttpServer({ keepAlive: true }); // keep-alive instead of 'Connection: close'
  server.faults = faults;
  const [packageHandler] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    dispatch(req, res, packageHandler).catch((err) => {
      console.error(err);
      if (!res.headersSent) sendError(res, 500, err.message);
      else res.end();
    });
  });
  server.keepAliveTimeout = 120000; // longer than client idle timeouts, so the client closes first
  return server;
}

module.exports = { createServer };
