'use strict';
// TransactionalBatch (x-ms-cosmos-batch-atomic: True) and bulk (atomic False) in the SDK's wire
// format. Each operation reuses the package's single-document operations; atomicity comes from an
// undo log: on the first failure every applied write is reverted (and the container's LSN counter
// restored), the failing operation keeps its status and all others get 424 Failed Dependency, as on
// Cosmos. The wire status is then 207 Multi-Status, which the SDK turns into the failing status.
// Cosmos DB's limits apply (limits.js): a body over 2,202,010 bytes is refused with 413 and more than
// 100 operations with 400, before anything runs; an operation whose item is too large gets 413.
// Each operation carries its modelled charge and the batch the sum of them (charges.js); a failed operation costs
// what a refused request does, and the operations rolled back or not run (424) nothing.
const {
  LIB, send, sendError, isTrue, parsePartitionKey,
} = require('./common');
const { decodeBatchRequest, encodeBatchResponse } = require('./hybridrow');
const {
  CosmosLimitError, MAX_BATCH_BODY_BYTES, assertRequestBody, assertBatchOperations,
} = require('./limits');

const docOps = require(`${LIB}/handler/_document-operations`);
const { patch } = require('./patch');
const {
  writeCharge, readCharge, policyOf, REFUSED,
} = require('./charges');

// Microsoft.Azure.Documents.OperationType values.
const OP = {
  Create: 0, Patch: 1, Read: 2, Delete: 4, Replace: 5, Upsert: 20,
};
const KIND = {
  [OP.Create]: 'create', [OP.Patch]: 'patch', [OP.Delete]: 'delete', [OP.Replace]: 'replace', [OP.Upsert]: 'upsert',
};

function operationCharge(coll, op, result, before) {
  if (result.statusCode >= 400) return REFUSED;
  if (op.operationType === OP.Read) return result.statusCode === 304 ? REFUSED : readCharge(result.body);
  return writeCharge(KIND[op.operationType], before, result.body, policyOf(coll));
}

function execute(coll, op, input, current) {
  const body = input.resourceBody;
  switch (op.operationType) {
    case OP.Create: return docOps.createOperation(coll, input);
    case OP.Upsert: return docOps.upsertOperation(coll, input);
    case OP.Replace: return docOps.replaceOperation(coll, input);
    case OP.Delete: return docOps.deleteOperation(coll, input);
    case OP.Read:
      if (current && op.ifNoneMatch && op.ifNoneMatch === current._etag) return { statusCode: 304 };
      if (current && op.ifMatch && op.ifMatch !== current._etag) return { statusCode: 412 };
      return docOps.readOperation(coll, input);
    case OP.Patch:
      return patch(coll, {
        ...input, operations: body && body.operations, condition: body && body.condition,
      });
    default:
      return { statusCode: 400, body: { message: `operation type ${op.operationType} is not supported in a batch` } };
  }
}

function undoWrite(coll, { id, pk, before }) {
  if (coll.document(id, pk).read()) coll.documents.delete(id, pk);
  if (before) coll.documents._restore(before);
}

async function batch(coll, req, res, raw) {
  let ops;
  try {
    assertRequestBody(raw, MAX_BATCH_BODY_BYTES);
    try {
      ops = decodeBatchRequest(raw);
    } catch (err) {
      sendError(res, 400, `cannot parse batch request: ${err.message}`);
      return;
    }
    assertBatchOperations(ops.length);
  } catch (err) {
    if (!(err instanceof CosmosLimitError)) throw err;
    sendError(res, err.statusCode, err.message);
    return;
  }
  const atomic = isTrue(req, 'x-ms-cosmos-batch-atomic');
  const continueOnError = !atomic && isTrue(req, 'x-ms-cosmos-batch-continue-on-error');
  const undo = [];
  const lsnBefore = coll._lsn || 0;
  const results = [];
  let failed = -1;
  for (let i = 0; i < ops.length; i += 1) {
    if (failed >= 0 && !continueOnError) {
      results.push({ statusCode: 424, requestCharge: 0 });
      continue;
    }
    const op = ops[i];
    const pkHeader = op.partitionKey ?? req.headers['x-ms-documentdb-partitionkey'];
    const pk = parsePartitionKey(pkHeader);
    let result;
    let before;
    try {
      const body = op.resourceBody ? JSON.parse(op.resourceBody.toString('utf8')) : undefined;
      const id = op.id ?? body?.id;
      before = coll.document(id, pk).read();
      result = execute(coll, op, {
        id, partitionKey: pkHeader, ifMatch: op.ifMatch, resourceBody: body,
      }, before);
      if (result.statusCode < 300 && op.operationType !== OP.Read) undo.push({ id, pk, before });
    } catch (err) {
      result = { statusCode: err instanceof CosmosLimitError ? err.statusCode : 400, body: { message: err.message } };
    }
    const ok = result.statusCode < 400;
    if (!ok && failed < 0) failed = i;
    const doc = result.body && result.body._etag ? result.body : null;
    results.push({
      statusCode: result.statusCode,
      eTag: ok && doc ? doc._etag : undefined,
      resourceBody: ok && doc && !op.minimalReturnPreference ? Buffer.from(JSON.stringify(doc)) : undefined,
      requestCharge: operationCharge(coll, op, result, before),
    });
  }
  if (atomic && failed >= 0) {
    for (let i = undo.length - 1; i >= 0; i -= 1) undoWrite(coll, undo[i]);
    coll._lsn = lsnBefore;
    results.forEach((r, i) => {
      if (i !== failed) Object.assign(r, { statusCode: 424, eTag: undefined, resourceBody: undefined, requestCharge: 0 });
    });
  }
  const total = results.reduce((sum, r) => sum + r.requestCharge, 0);
  const status = atomic && failed >= 0 ? 207 : 200;
  send(res, status, encodeBatchResponse(results), { 'x-ms-request-charge': String(Math.round(total * 100) / 100) });
}

module.exports = { batch };
