'use strict';
// Opt-in fault injection: answers a chosen fraction of data-plane requests the way Azure Cosmos DB
// fails under load or during failovers, so tests see what production sees.
//
//   { "rate": 0.1,                       fraction of matching requests to fault, 0..1
//     "kinds": ["429","503","408","drop","lost-response"],   one is picked uniformly per fault
//     "seed": 42,                        PRNG seed (default: random, reported back), for repeatable runs
//     "retryAfterMs": 50,                x-ms-retry-after-ms on 429s
//     "maxFaults": 10,                   stop after this many faults (default: no limit)
//     "match": { "operations": ["create", ...], "containers": ["events"] } }
//
// Kinds: "429" TooManyRequests with x-ms-substatus 3200 and x-ms-retry-after-ms; "503"
// ServiceUnavailable; "408" RequestTimeout (nothing applied); "drop": the connection is destroyed
// before the request is applied; "lost-response": the request IS applied, then the connection is
// destroyed instead of the response (the case that makes idempotency keys necessary).
// Operations: the document operations below; "metadata" (account, databases, containers, partition
// key ranges) is only faulted when named, so a client can always start.
const { randomInt } = require('crypto');

const KINDS = ['429', '503', '408', 'drop', 'lost-response'];
const DOCUMENT_OPERATIONS = [
  'create', 'upsert', 'replace', 'patch', 'delete', 'read', 'readfeed', 'changefeed', 'query', 'queryplan', 'batch',
];
const OPERATIONS = [...DOCUMENT_OPERATIONS, 'metadata'];

const DOCS = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/docs(?:\/([^/]+))?$/;
const COLL = /^\/dbs\/[^/]+\/colls\/([^/]+)(?:\/|$)/;

function isTrue(req, name) {
  return String(req.headers[name] || '').toLowerCase() === 'true';
}

/** The operation a request performs, as named in a fault rule's match.operations. */
function operationOf(req, path) {
  const m = DOCS.exec(path);
  if (!m) return 'metadata';
  const id = m[3];
  switch (req.method) {
    case 'GET':
      if (id) return 'read';
      return req.headers['a-im'] ? 'changefeed' : 'readfeed';
    case 'PUT': return 'replace';
    case 'PATCH': return 'patch';
    case 'DELETE': return 'delete';
    case 'POST':
      if (isTrue(req, 'x-ms-cosmos-is-query-plan-request')) return 'queryplan';
      if (isTrue(req, 'x-ms-documentdb-isquery') || req.headers['content-type'] === 'application/query+json') return 'query';
      if (isTrue(req, 'x-ms-cosmos-is-batch-request')) return 'batch';
      return isTrue(req, 'x-ms-documentdb-is-upsert') ? 'upsert' : 'create';
    default: return 'metadata';
  }
}

function containerOf(path) {
  const m = COLL.exec(path);
  return m ? decodeURIComponent(m[1]) : undefined;
}

// mulberry32: small, fast, and seedable, which Math.random is not.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fail(message) {
  const err = new Error(message);
  err.invalidFaults = true;
  throw err;
}

function stringList(value, name, allowed) {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) {
    fail(`${name} must be a non-empty array of strings`);
  }
  const unknown = allowed ? value.filter((v) => !allowed.includes(v)) : [];
  if (unknown.length > 0) fail(`${name}: unknown ${unknown.join(', ')} (known: ${allowed.join(', ')})`);
  return value;
}

/** Validates a fault rule and fills in its defaults; throws (err.invalidFaults) on a bad rule. */
function normalize(spec) {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail('the fault rule must be a JSON object');
  const known = ['rate', 'kinds', 'seed', 'retryAfterMs', 'maxFaults', 'match'];
  const extra = Object.keys(spec).filter((k) => !known.includes(k));
  if (extra.length > 0) fail(`unknown properties: ${extra.join(', ')} (known: ${known.join(', ')})`);
  const { rate } = spec;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) fail('rate must be a number from 0 to 1');
  const kinds = stringList(spec.kinds, 'kinds', KINDS) || ['429'];
  const seed = spec.seed === undefined ? randomInt(2 ** 31) : spec.seed;
  if (!Number.isInteger(seed)) fail('seed must be an integer');
  const retryAfterMs = spec.retryAfterMs === undefined ? 50 : spec.retryAfterMs;
  if (!Number.isInteger(retryAfterMs) || retryAfterMs < 0) fail('retryAfterMs must be a non-negative integer');
  const { maxFaults } = spec;
  if (maxFaults !== undefined && (!Number.isInteger(maxFaults) || maxFaults < 0)) fail('maxFaults must be a non-negative integer');
  const match = spec.match === undefined ? {} : spec.match;
  if (match === null || typeof match !== 'object' || Array.isArray(match)) fail('match must be an object');
  const extraMatch = Object.keys(match).filter((k) => k !== 'operations' && k !== 'containers');
  if (extraMatch.length > 0) fail(`match: unknown properties: ${extraMatch.join(', ')} (known: operations, containers)`);
  return {
    rate,
    kinds,
    seed,
    retryAfterMs,
    ...(maxFaults === undefined ? {} : { maxFaults }),
    match: {
      operations: stringList(match.operations, 'match.operations', OPERATIONS) || DOCUMENT_OPERATIONS,
      ...(match.containers === undefined ? {} : { containers: stringList(match.containers, 'match.containers') }),
    },
  };
}

function emptyCounts() {
  return { matched: 0, injected: Object.fromEntries(KINDS.map((k) => [k, 0])), total: 0 };
}

class Faults {
  constructor() {
    this.rule = null;
    this.random = null;
    this.counts = emptyCounts();
  }

  /** Turns fault mode on with a new rule (and zeroed counts), or off with null (counts are kept). */
  configure(spec) {
    if (spec === null) {
      this.rule = null;
      return;
    }
    const rule = normalize(spec);
    this.rule = rule;
    this.random = prng(rule.seed);
    this.counts = emptyCounts();
  }

  state() {
    return { enabled: this.rule !== null, rule: this.rule, counts: this.counts };
  }

  /** The fault to inject for this request ({ kind, retryAfterMs }), or null. */
  pick(req, path) {
    const { rule } = this;
    if (!rule) return null;
    if (!rule.match.operations.includes(operationOf(req, path))) return null;
    if (rule.match.containers && !rule.match.containers.includes(containerOf(path))) return null;
    this.counts.matched += 1;
    if (rule.maxFaults !== undefined && this.counts.total >= rule.maxFaults) return null;
    if (this.random() >= rule.rate) return null;
    const kind = rule.kinds[Math.floor(this.random() * rule.kinds.length)];
    this.counts.injected[kind] += 1;
    this.counts.total += 1;
    return { kind, retryAfterMs: rule.retryAfterMs };
  }
}

module.exports = { Faults, KINDS, OPERATIONS };
