'use strict';
// Single-document writes: create, upsert (POST .../docs), replace (PUT .../docs/{id}) and patch
// (PATCH .../docs/{id}). They reuse the package's operations, as batch.js does; they are answered here
// so that a write over Cosmos DB's limits gets 413 RequestEntityTooLarge with nothing written (the
// package would answer 500), and so is delete, so that each answer carries its modelled request charge (charges.js).
const {
  LIB, send, sendError, isTrue, parsePartitionKey,
} = require('./common');
const { CosmosLimitError, MAX_REQUEST_BYTES, assertRequestBody } = require('./limits');

const docOps = require(`${LIB}/handler/_document-operations`);
const { patch } = require('./patch');
const { writeCharge, policyOf, REFUSED } = require('./charges');

const KIND = { POST: 'create', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' };

function apply(coll, req, body, id) {
  const partitionKey = req.headers['x-ms-documentdb-partitionkey'];
  const ifMatch = req.headers['if-match'];
  if (req.method === 'DELETE') return docOps.deleteOperation(coll, { id, partitionKey, ifMatch });
  if (req.method === 'POST') {
    return isTrue(req, 'x-ms-documentdb-is-upsert')
      ? docOps.upsertOperation(coll, { partitionKey, ifMatch, resourceBody: body })
      : docOps.createOperation(coll, { resourceBody: body });
  }
  if (req.method === 'PUT') {
    if (!coll.document(id, parsePartitionKey(partitionKey)).read()) return { statusCode: 404, body: {} };
    return docOps.replaceOperation(coll, { partitionKey, ifMatch, resourceBody: body });
  }
  // PATCH: the .NET SDK sends { operations, condition? }; a bare array is accepted as well.
  const operations = Array.isArray(body) ? body : body && body.operations;
  if (!Array.isArray(operations)) {
    return { statusCode: 400, body: { code: 'BadRequest', message: 'Invalid patch request: check syntax of patch specification.' } };
  }
  return patch(coll, {
    id, partitionKey, ifMatch, operations, condition: Array.isArray(body) ? undefined : body.condition,
  });
}

function writeDocument(coll, req, res, raw, id) {
  let result;
  let before;
  try {
    // An item body is judged by the item rule (system properties a client sends back do not count);
    // a patch body is a list of operations, judged as a request.
    if (req.method === 'PATCH') assertRequestBody(raw, MAX_REQUEST_BYTES);
    let body;
    try {
      body = req.method === 'DELETE' ? undefined : JSON.parse(raw.toString('utf8'));
    } catch (err) {
      sendError(res, 400, `The request body is not valid JSON: ${err.message}`);
      return;
    }
    const targetId = id ?? body?.id;
    before = targetId === undefined ? undefined : coll.document(targetId, parsePartitionKey(req.headers['x-ms-documentdb-partitionkey'])).read();
    result = apply(coll, req, body, id);
  } catch (err) {
    if (!(err instanceof CosmosLimitError)) throw err;
    sendError(res, err.statusCode, err.message);
    return;
  }
  const doc = result.body;
  const charge = result.statusCode >= 300 ? REFUSED
    : writeCharge(KIND[req.method], before, doc, policyOf(coll));
  send(res, result.statusCode, result.statusCode === 204 ? undefined : doc, {
    ...(doc && doc._etag ? { etag: doc._etag } : {}), 'x-ms-request-charge': String(charge),
  });
}

module.exports = { writeDocument };
