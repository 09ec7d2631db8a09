'use strict';
// Azure Cosmos DB's per-item and per-request limits, so this stand-in is never more lenient than the
// service. Values from the service's own settings as the .NET SDK mirrors them
// (Azure/azure-cosmos-dotnet-v3 Microsoft.Azure.Cosmos/src/Batch/BatchConstants / Documents Constants:
// "should match ... from Server settings.xml") and https://learn.microsoft.com/azure/cosmos-db/concepts-limits:
//  - an item: 2 MB, the UTF-8 length of its JSON; the service allows maxResourceSize minus a padding for
//    its system properties, i.e. 2,097,151 bytes of the item's own properties (MaxResourceSizeInBytes);
//  - a transactional batch or bulk request: at most 100 operations and a body of 2,202,010 bytes
//    (maxBatchOperationsPerRequest, maxBatchRequestBodySize);
//  - a patch request body (its operations): 2 MB = 2,097,152 bytes ("Maximum request size").
// An item's size is that of its JSON as the server stores it, less the system properties: a client
// may send back the _rid/_self/_etag/_ts it read, and whitespace between tokens does not count.
// Cosmos answers 413 RequestEntityTooLarge for sizes and 400 BadRequest for the operation count, both
// with substatus 0 and nothing written.

const MAX_ITEM_BYTES = 2 * 1024 * 1024 - 1;
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const MAX_BATCH_BODY_BYTES = 2202010;
const MAX_BATCH_OPERATIONS = 100;

// Properties the server adds; they do not count against the item's size (the service's padding).
const SYSTEM_PROPERTIES = new Set(['_rid', '_self', '_etag', '_ts', '_attachments', '_lsn']);

class CosmosLimitError extends Error {
  constructor(statusCode, message) {
    super(message);
    this.statusCode = statusCode;
  }
}

function tooLarge(what) {
  return new CosmosLimitError(413, `Message: {"Errors":["Request size is too large"]} (${what})`);
}

/** UTF-8 length of the item's JSON without the system properties. */
function itemBytes(data) {
  const own = {};
  Object.keys(data).forEach((key) => {
    if (!SYSTEM_PROPERTIES.has(key)) own[key] = data[key];
  });
  return Buffer.byteLength(JSON.stringify(own), 'utf8');
}

function assertItemSize(data) {
  const bytes = itemBytes(data);
  if (bytes > MAX_ITEM_BYTES) throw tooLarge(`the item is ${bytes} bytes, the limit is ${MAX_ITEM_BYTES}`);
}

function assertRequestBody(raw, max) {
  if (raw.length > max) throw tooLarge(`the request body is ${raw.length} bytes, the limit is ${max}`);
}

function assertBatchOperations(count) {
  if (count > MAX_BATCH_OPERATIONS) {
    throw new CosmosLimitError(400, `Message: {"Errors":["Batch request has more operations than what is supported."]} (${count} operations, the limit is ${MAX_BATCH_OPERATIONS})`);
  }
}

/**
 * Every item write of the package (create, replace, and through them upsert, patch and batch
 * operations) is checked before anything changes: replace deletes the old version before it stores
 * the new one, so a check any later would lose the item.
 */
function enforceItemSize(Documents) {
  const { create, replace } = Documents.prototype;
  Documents.prototype.create = function checkedCreate(data) {
    assertItemSize(data);
    return create.call(this, data);
  };
  Documents.prototype.replace = function checkedReplace(data, original) {
    assertItemSize(data);
    return replace.call(this, data, original);
  };
}

module.exports = {
  MAX_ITEM_BYTES,
  MAX_REQUEST_BYTES,
  MAX_BATCH_BODY_BYTES,
  MAX_BATCH_OPERATIONS,
  CosmosLimitError,
  itemBytes,
  assertRequestBody,
  assertBatchOperations,
  enforceItemSize,
};
