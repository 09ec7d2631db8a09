'use strict';
// Partial document update (patch), single or inside a batch: the package's operations, after the checks on
// paths that Cosmos DB makes and the package does not, so that this stand-in is never more lenient:
//  - a path is a JSON Pointer (RFC 6901, as https://learn.microsoft.com/azure/cosmos-db/partial-document-update
//    says): '~' must be written ~0 and '/' inside a name ~1; any other '~' is refused with 400
//    (Azure/azure-cosmos-dotnet-v3#2921: a path ending in '~' → 400 "One of the specified inputs is invalid");
//  - a path segment of digits only is read as a number, and one of 20 digits or more is refused with 400
//    "Token('…') has length longer than expected" (Azure/azure-cosmos-dotnet-v3#4817, #5154);
//  - an operation whose parent is missing is refused with 400 ("can only create a child object of an existing
//    node ... and cannot create path recursively", Azure/azure-cosmos-dotnet-v3#4201); the package would set the
//    last segment on the nearest ancestor instead. A parent that an earlier operation of the same patch writes is
//    left to the package.
// The package already refuses more than 10 operations, a missing path for remove/replace, an increment of a
// non-number and system properties, each with 400.
const { LIB, parsePartitionKey } = require('./common');

const { patchOperation } = require(`${LIB}/handler/_patch-operations`);

const MAX_DIGITS_SEGMENT = 19;

function pathError(operations) {
  for (let i = 0; i < operations.length; i += 1) {
    const { path, from } = operations[i] || {};
    for (const pointer of [path, from]) {
      if (typeof pointer !== 'string') continue;
      if (/~(?![01])/.test(pointer)) return `For Operation(${i}): '~' in path '${pointer}' must be escaped as ~0 or ~1.`;
      const long = pointer.split('/').find((s) => /^[0-9]+$/.test(s) && s.length > MAX_DIGITS_SEGMENT);
      if (long) return `For Operation(${i}): Token('${long}') has length longer than expected.`;
    }
  }
  return null;
}

function segments(pointer) {
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentError(document, operations) {
  const written = [];
  for (let i = 0; i < operations.length; i += 1) {
    const { path } = operations[i] || {};
    if (typeof path !== 'string' || !path.startsWith('/')) continue;
    const parent = segments(path).slice(0, -1);
    const parentPointer = `/${parent.join('/')}`;
    const touched = written.some((w) => parentPointer === w || parentPointer.startsWith(`${w}/`));
    written.push(path);
    if (touched || parent.length === 0) continue;
    let node = document;
    for (const segment of parent) {
      node = node !== null && typeof node === 'object' ? node[segment] : undefined;
    }
    if (node === null || typeof node !== 'object') {
      return `For Operation(${i}): Given Operation can only create a child object of an existing node(array or object) and cannot create path recursively, no path found beyond: '${parentPointer}'.`;
    }
  }
  return null;
}

/** The package's patchOperation, preceded by Cosmos DB's path checks (400, nothing written). */
function patch(coll, input) {
  const operations = Array.isArray(input.operations) ? input.operations : [];
  const current = coll.document(input.id, parsePartitionKey(input.partitionKey, input.id)).read();
  const invalid = pathError(operations) || (current ? parentError(current, operations) : null);
  if (invalid) return { statusCode: 400, body: { code: 'BadRequest', message: invalid } };
  return patchOperation(coll, input);
}

module.exports = { patch };
