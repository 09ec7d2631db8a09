'use strict';
// The .NET SDK sends TransactionalBatch/bulk requests as a HybridRow RecordIO stream and only
// parses a response body in the same format (first byte 0x81), so JSON is not an option here.
// Only the two batch schemas are handled (Azure/azure-cosmos-dotnet-v3
// Microsoft.Azure.Cosmos/src/Batch/HybridRowBatchSchemas.json); layout rules from microsoft/HybridRow.
//
// Stream  = segment row, then per record: record-header row + body row.
// Row     = 0x81, int32 schema id, presence bits (one per nullable fixed/variable column),
//           fixed columns, variable columns (varuint length + bytes, only if present),
//           sparse fields (layout code, varuint path token = schema property index + 1, value).
const zlib = require('zlib');

const VERSION = 0x81;
const SEGMENT_SCHEMA = 2147473648;
const RECORD_SCHEMA = 2147473649;
const OPERATION_SCHEMA = 2145473648;
const RESULT_SCHEMA = 2145473649;

// BatchOperation: 2 fixed int32 + 5 variable columns (7 presence bits, one byte).
const OP_VARIABLE = ['partitionKey', 'effectivePartitionKey', 'id', 'binaryId', 'resourceBody'];
const OP_SPARSE = { 8: 'indexingDirective', 9: 'ifMatch', 10: 'ifNoneMatch', 11: 'timeToLiveInSeconds', 12: 'minimalReturnPreference' };
const TEXT = new Set(['partitionKey', 'id', 'indexingDirective', 'ifMatch', 'ifNoneMatch']);
// LayoutCode values used by the batch schemas.
const CODE = { False: 2, True: 3, Int32: 7, UInt32: 11, Float64: 16, Utf8: 20, Binary: 21 };

function readVarUInt(buf, pos) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

function varUInt(n) {
  const bytes = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

function header(schemaId) {
  const b = Buffer.alloc(5);
  b[0] = VERSION;
  b.writeInt32LE(schemaId | 0, 1);
  return b;
}

function decodeOperation(row) {
  if (row[0] !== VERSION || row.readInt32LE(1) !== OPERATION_SCHEMA) throw new Error('not a BatchOperation row');
  const bits = row[5];
  const op = {};
  if (bits & 1) op.operationType = row.readInt32LE(6);
  if (bits & 2) op.resourceType = row.readInt32LE(10);
  let pos = 14;
  OP_VARIABLE.forEach((name, i) => {
    if (!(bits & (1 << (i + 2)))) return;
    let len;
    [len, pos] = readVarUInt(row, pos);
    const bytes = row.subarray(pos, pos + len);
    op[name] = TEXT.has(name) ? bytes.toString('utf8') : bytes;
    pos += len;
  });
  while (pos < row.length) {
    const code = row[pos++];
    let token;
    [token, pos] = readVarUInt(row, pos);
    const name = OP_SPARSE[token] || `token${token}`;
    if (code === CODE.True || code === CODE.False) op[name] = code === CODE.True;
    else if (code === CODE.Int32) { op[name] = row.readInt32LE(pos); pos += 4; }
    else if (code === CODE.Utf8 || code === CODE.Binary) {
      let len;
      [len, pos] = readVarUInt(row, pos);
      op[name] = code === CODE.Utf8 ? row.toString('utf8', pos, pos + len) : row.subarray(pos, pos + len);
      pos += len;
    } else throw new Error(`unsupported sparse layout code ${code}`);
  }
  return op;
}

/** Parses a RecordIO stream of BatchOperation rows. */
function decodeBatchRequest(buf) {
  if (buf[0] !== VERSION || buf.readInt32LE(1) !== SEGMENT_SCHEMA) throw new Error('not a RecordIO segment');
  let pos = buf.readInt32LE(6); // the segment's own length (its first fixed column)
  const ops = [];
  while (pos < buf.length) {
    if (buf.readInt32LE(pos + 1) !== RECORD_SCHEMA) throw new Error('expected a RecordIO record header');
    const len = buf.readInt32LE(pos + 5);
    pos += 13;
    ops.push(decodeOperation(buf.subarray(pos, pos + len)));
    pos += len;
  }
  return ops;
}

/** results: [{ statusCode, subStatusCode?, eTag?, resourceBody?: Buffer, requestCharge? }] */
function encodeBatchResponse(results) {
  const segment = Buffer.concat([header(SEGMENT_SCHEMA), Buffer.from([1]), Buffer.alloc(4)]);
  segment.writeInt32LE(segment.length, 6);
  const parts = [segment];
  for (const r of results) {
    const fixed = Buffer.alloc(9);
    const etag = r.eTag ? Buffer.from(r.eTag, 'utf8') : null;
    const body = r.resourceBody || null;
    fixed[0] = 0b11 | (etag ? 0b100 : 0) | (body ? 0b1000 : 0);
    fixed.writeInt32LE(r.statusCode, 1);
    fixed.writeInt32LE(r.subStatusCode || 0, 5);
    const row = [header(RESULT_SCHEMA), fixed];
    if (etag) row.push(varUInt(etag.length), etag);
    if (body) row.push(varUInt(body.length), body);
    const charge = Buffer.alloc(10);
    charge[0] = CODE.Float64;
    charge[1] = 6; // requestCharge is the 6th BatchResult property
    charge.writeDoubleLE(r.requestCharge ?? 1, 2);
    row.push(charge);
    const rowBuf = Buffer.concat(row);
    const rec = Buffer.concat([header(RECORD_SCHEMA), Buffer.alloc(8)]);
    rec.writeInt32LE(rowBuf.length, 5);
    rec.writeUInt32LE(zlib.crc32(rowBuf), 9);
    parts.push(rec, rowBuf);
  }
  return Buffer.concat(parts);
}

module.exports = { decodeBatchRequest, encodeBatchResponse };
