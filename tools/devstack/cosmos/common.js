'use strict';
const { randomUUID } = require('crypto');

const LIB = '@vercel/cosmosdb-server/lib';

// The request charge defaults to 1 RU, what a refused request or a metadata read costs; handlers that do work set their
// own (charges.js).
function send(res, status, body, headers = {}) {
  const binary = Buffer.isBuffer(body);
  res.writeHead(status, {
    'content-type': binary ? 'application/octet-stream' : 'application/json',
    'x-ms-activity-id': randomUUID(),
    'x-ms-request-charge': '1',
    ...headers,
  });
  res.end(body === undefined || status === 304 ? undefined : binary ? body : JSON.stringify(body));
}

const errors = {
  400: 'BadRequest', 404: 'NotFound', 405: 'MethodNotAllowed', 408: 'RequestTimeout', 409: 'Conflict',
  412: 'PreconditionFailed', 413: 'RequestEntityTooLarge', 429: 'TooManyRequests', 500: 'InternalServerError',
  503: 'ServiceUnavailable',
};
function sendError(res, status, message, headers = {}) {
  send(res, status, { code: errors[status] || 'Error', message }, headers);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function isTrue(req, name) {
  return String(req.headers[name] || '').toLowerCase() === 'true';
}

// Partition key value from the x-ms-documentdb-partitionkey header ('["p"]', '[0]', '[""]', '[null]',
// '[{}]' for PartitionKey.None). Returns undefined for None/absent, which matches a document without
// the partition key property (Items._getPartition returns undefined for it).
function parsePartitionKey(header) {
  if (header === undefined || header === null || header === '') return undefined;
  const v = typeof header === 'string' ? JSON.parse(header) : header;
  const first = Array.isArray(v) ? v[0] : v;
  if (first !== null && typeof first === 'object' && Object.keys(first).length === 0) return undefined;
  return first;
}

function hasPartitionKeyHeader(req) {
  return req.headers['x-ms-documentdb-partitionkey'] !== undefined;
}

/** Documents of a collection, optionally only those of the partition key named in the request. */
function documentsOf(coll, req) {
  const docs = [...coll.documents._data.values()].map((item) => item.read());
  if (!hasPartitionKeyHeader(req)) return docs;
  const pk = parsePartitionKey(req.headers['x-ms-documentdb-partitionkey']);
  return docs.filter((d) => samePartition(coll.documents._getPartition(d), pk));
}

function samePartition(a, b) {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}

module.exports = {
  LIB, send, sendError, readBody, isTrue, parsePartitionKey, documentsOf, samePartition,
};
