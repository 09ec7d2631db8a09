'use strict';
// A request-unit model: every answer carries an x-ms-request-charge estimated from the operation, the size of the
// documents it reads or writes (their JSON without system properties, as limits.js measures them) and the number of
// their values the container's indexing policy indexes. Cosmos DB does not publish its formula; these constants are
// fitted on the figures below (session consistency, one region), and reproduce every one of them within
// ±30 % (or to the whole RU for figures published rounded), which is this model's stated error:
// tests/CosmosDevServer.Tests/RequestChargeTests.cs checks each point. Use it to compare designs and to size a
// bill, not to predict a charge to the decimal.
//
// Sources (read 2026-12-04):
//  [MS-RU]    https://learn.microsoft.com/azure/cosmos-db/request-units: "A point read for a 1-KB item is ... one RU".
//  [MS-COST]  https://learn.microsoft.com/azure/cosmos-db/optimize-cost-reads-writes: point read 1 KB = 1 RU,
//             100 KB = 10 RU.
//  [MS-TP]    Microsoft's request-units article (earlier revision, in MicrosoftDocs translations), indexing "None",
//             session: read 1 KB = 1, 4 KB = 1.3, 64 KB = 10 RU; write 1 KB = 5, 4 KB = 7, 64 KB = 48 RU.
//  [CALIPERS] deepub/CosmosSQLCalipers output/analysis/all_consistency_levels_07012020/README.md, measured in
//             West US, session, only the partition key indexed, payloads of 1,000-400,000 bytes, rounded to whole RU:
//             create = delete 7/8/10/24/49/99/186, replace = upsert 13/14/19/46/97/197/370, point read
//             1/1/2/5/10/20/41, single-partition SELECT of that item 3/3/3/4/7/10/17.
//  [DP420]    MicrosoftLearning/dp-420-cosmos-db-dev lab 23 (instructions/23-index-optimization.md, sample.json: 7
//             properties + 75 tags of 2, about 7 KB) and its issue #29: upsert of a new item 48.38 RU with the
//             default policy (/* indexed), 8.38 RU with 2 paths indexed, 7.05 RU with indexing "none".
//  [PATCH]    https://learn.microsoft.com/azure/cosmos-db/partial-document-update-faq: patch "is normalized into
//             request unit billing in the same way as other database operations. Users shouldn't expect a
//             significant reduction in RU."
//  [BATCH]    Azure/azure-cosmos-dotnet-v3 #695 ("the Request Charge is for the entire Batch operation") and PR #925
//             ("Each operation will get its specific cost"): a batch is charged the sum of its operations'.
//  [EQUINOX]  jet/equinox tests/Equinox.Cosmos.Integration/CosmosCoreIntegration.fs: a 404 point read costs 1 RU
//             "by definition", and a read answered 304 Not Modified "only pay[s] one RU".
//  [CF]       MicrosoftDocs/azure-docs #99609: the change feed's RU cost is not documented (open since 2022).

const { itemBytes } = require('./limits');

const KB = 1024;

/** Point read: 0.9 + 0.1 RU per KB, at least 1 [MS-RU, MS-COST, MS-TP, CALIPERS]. */
const READ_BASE = 0.9;
const READ_PER_KB = 0.1;
const READ_MIN = 1;

/** Failed requests (404, 412, 409, 4xx) and 304 Not Modified: 1 RU [EQUINOX]. */
const REFUSED = 1;

/**
 * Write of a new document (create, upsert of a new id) and delete, with nothing indexed: 4.5 + 0.46 RU per KB
 * [MS-TP 1 KB = 5; CALIPERS 1-400 KB; DP420 "none" 7.05 at ~7 KB].
 */
const WRITE_BASE = 4.5;
const WRITE_PER_KB = 0.46;

/**
 * Indexing, per document written: 0.81 RU once anything is indexed + 0.258 RU per indexed value
 * [DP420: (48.38 − 8.38) / (157 − 2) values = 0.258; 8.38 − 7.05 − 2 × 0.258 = 0.81].
 */
const INDEX_BASE = 0.81;
const INDEX_PER_VALUE = 0.258;

/** Replace (and upsert or patch of an existing document) costs twice the write of the new version [CALIPERS, PATCH]. */
const REPLACE_FACTOR = 2;

/**
 * A page of a query, read feed or change feed: 2.6 + 0.037 RU per KB of documents returned [CALIPERS SELECT]. The
 * change feed's cost is undocumented [CF]: a page is priced as a query page, an empty poll (304) as a refusal.
 */
const PAGE_BASE = 2.6;
const PAGE_PER_KB = 0.037;

const SYSTEM_PATH = /^\/(_rid|_self|_etag|_ts|_attachments|_lsn)(\/|$)/;

function round(ru) {
  return Math.round(ru * 100) / 100;
}

function kilobytes(doc) {
  return itemBytes(doc) / KB;
}

/** '/a/b/?' → ['a', 'b'] exact; '/a/*' → ['a'] prefix. Array positions are written '[]'. */
function parsePolicyPath(path) {
  const trimmed = String(path).replace(/^\//, '');
  const parts = trimmed.split('/').map((p) => p.replace(/^"(.*)"$/, '$1'));
  const last = parts.pop();
  return { parts, prefix: last === '*' };
}

function matches(pattern, segments) {
  if (pattern.prefix ? segments.length < pattern.parts.length : segments.length !== pattern.parts.length) return false;
  return pattern.parts.every((p, i) => p === segments[i] || (p === '[]' && /^\d+$/.test(segments[i])));
}

/**
 * The indexing policy as the model reads it: mode "none" indexes nothing; no included path means "/*" (Cosmos DB's
 * default). Of the paths matching a value, the most specific decides; at equal depth an exclusion wins.
 */
function compilePolicy(policy) {
  if (policy && String(policy.indexingMode).toLowerCase() === 'none') return null;
  const included = (policy && policy.includedPaths && policy.includedPaths.length ? policy.includedPaths : [{ path: '/*' }])
    .map((p) => ({ ...parsePolicyPath(p.path), include: true }));
  const excluded = ((policy && policy.excludedPaths) || []).map((p) => ({ ...parsePolicyPath(p.path), include: false }));
  return [...included, ...excluded];
}

function isIndexed(compiled, segments) {
  let best = null;
  compiled.forEach((p) => {
    if (!matches(p, segments)) return;
    const depth = p.parts.length + (p.prefix ? 0 : 0.5);
    if (!best || depth > best.depth || (depth === best.depth && !p.include)) best = { depth, include: p.include };
  });
  return Boolean(best && best.include);
}

/** The number of the document's values (leaves of its JSON, array elements each) that the policy indexes. */
function indexedValues(doc, policy) {
  const compiled = compilePolicy(policy);
  if (!compiled || !doc) return 0;
  let count = 0;
  const visit = (value, segments) => {
    if (segments.length && SYSTEM_PATH.test(`/${segments[0]}`)) return;
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
      if (entries.length === 0 && segments.length && isIndexed(compiled, segments)) count += 1;
      entries.forEach(([key, v]) => visit(v, [...segments, key]));
    } else if (isIndexed(compiled, segments)) {
      count += 1;
    }
  };
  visit(doc, []);
  return count;
}

function writeOfNew(doc, policy) {
  const values = indexedValues(doc, policy);
  return WRITE_BASE + WRITE_PER_KB * kilobytes(doc) + (values > 0 ? INDEX_BASE + INDEX_PER_VALUE * values : 0);
}

/** A point read that found the document. */
function readCharge(doc) {
  return round(Math.max(READ_MIN, READ_BASE + READ_PER_KB * kilobytes(doc)));
}

/**
 * A successful write. kind: 'create', 'replace', 'upsert', 'patch' or 'delete'; before: the document it replaced or
 * deleted (undefined for a new one); after: the document stored.
 */
function writeCharge(kind, before, after, policy) {
  if (kind === 'delete') return round(writeOfNew(before, policy));
  const factor = before ? REPLACE_FACTOR : 1;
  return round(factor * writeOfNew(after, policy));
}

/** A page of documents returned by a query, a read feed or the change feed. */
function pageCharge(docs) {
  const bytes = docs.reduce((sum, d) => sum + (d !== null && typeof d === 'object' ? itemBytes(d) : Buffer.byteLength(JSON.stringify(d))), 0);
  return round(PAGE_BASE + PAGE_PER_KB * (bytes / KB));
}

function policyOf(coll) {
  return coll.read().indexingPolicy;
}

module.exports = {
  REFUSED, readCharge, writeCharge, pageCharge, indexedValues, policyOf,
};
