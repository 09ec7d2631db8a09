'use strict';
// Queries. The SDK (on Linux, without the native ServiceInterop) first POSTs a query-plan request
// (x-ms-cosmos-is-query-plan-request: True). The package would run that as a query. We answer with
// a plan that asks for no client-side work (no ORDER BY merge, aggregates, TOP, DISTINCT, OFFSET)
// over the full range: correct here because a container has exactly one partition key range, so
// the server sees every document and runs the whole query itself; the SDK then just pages.
const {
  LIB, send, sendError, isTrue, documentsOf,
} = require('./common');
const { pageCharge } = require('./charges');

// The package's query engine strips `undefined` from every result with a reduce that copies the array once per
// element ([...o, v]): quadratic in the rows a query returns, minutes for one inventory's 50,000-event log. This is
// the same function (same output, `undefined` dropped from arrays and objects, recursively), linear.
const engineHelpers = require(require.resolve('@zeit/cosmosdb-query/lib/helpers', { paths: [require.resolve(`${LIB}/index`)] }));
engineHelpers.stripUndefined = function stripUndefined(value) {
  if (Array.isArray(value)) {
    const kept = [];
    for (const v of value) if (typeof v !== 'undefined') kept.push(stripUndefined(v));
    return kept;
  }
  if (value && typeof value === 'object') {
    const kept = {};
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'undefined') kept[k] = stripUndefined(v);
    return kept;
  }
  return value;
};

const PASSTHROUGH_PLAN = {
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: 'None',
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: '',
    hasSelectValue: false,
    dCountInfo: null,
    hasNonStreamingOrderBy: false,
  },
  queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
};

const OFFSET_LIMIT = /\s+OFFSET\s+(@?\w+)\s+LIMIT\s+(@?\w+)\s*$/i;
const DISTINCT = /^(\s*SELECT\s+)DISTINCT\s+/i;

// The package's query engine (@zeit/cosmosdb-query) lacks OFFSET/LIMIT and DISTINCT; both are
// applied here to the engine's full result.
function runQuery(coll, docs, spec) {
  const parameters = spec.parameters || [];
  const param = (token) => {
    if (!token.startsWith('@')) return Number(token);
    const p = parameters.find((x) => x.name === token);
    return p ? Number(p.value) : NaN;
  };
  let sql = spec.query;
  let window = null;
  const ol = OFFSET_LIMIT.exec(sql);
  if (ol) {
    window = [param(ol[1]), param(ol[2])];
    sql = sql.slice(0, ol.index);
  }
  const distinct = DISTINCT.test(sql);
  if (distinct) sql = sql.replace(DISTINCT, '$1');
  const parent = coll.read();
  let result = coll.documents._getQuery(sql).exec(docs, {
    parameters,
    udf: coll.userDefinedFunctions.functions,
    compositeIndexes: (parent.indexingPolicy && parent.indexingPolicy.compositeIndexes) || [],
  }).result;
  if (distinct) {
    const seen = new Set();
    result = result.filter((r) => {
      const key = JSON.stringify(r);
      return seen.has(key) ? false : seen.add(key);
    });
  }
  if (window) result = result.slice(window[0], window[0] + window[1]);
  return result;
}

// Pages are slices of the full result; the continuation is the next offset. Each page re-runs the
// query (documents are in memory), so a page boundary is not a snapshot, as on Cosmos.
function sendPage(res, coll, req, items) {
  const max = parseInt(req.headers['x-ms-max-item-count'], 10);
  const token = /^off:(\d+)$/.exec(req.headers['x-ms-continuation'] || '');
  const start = token ? Number(token[1]) : 0;
  const end = max > 0 ? start + max : items.length;
  const page = items.slice(start, end);
  // One range executes the whole query, so it never needs client-side distribution: saying so keeps the SDK's
  // optimistic direct execution from asking for a query plan and restarting after the first page.
  const headers = {
    'x-ms-item-count': String(page.length),
    'x-ms-cosmos-query-requiresdistribution': 'false',
    'x-ms-request-charge': String(pageCharge(page)),
  };
  if (end < items.length) headers['x-ms-continuation'] = `off:${end}`;
  send(res, 200, { _rid: coll.read()._rid, Documents: page, _count: page.length }, headers);
}

function query(coll, req, res, body) {
  if (isTrue(req, 'x-ms-cosmos-is-query-plan-request')) {
    // The gateway computes a plan without touching documents: modelled as free.
    send(res, 200, PASSTHROUGH_PLAN, { 'x-ms-request-charge': '0' });
    return;
  }
  let spec;
  try {
    spec = JSON.parse(body.toString('utf8'));
  } catch (err) {
    sendError(res, 400, `invalid query body: ${err.message}`);
    return;
  }
  if (!spec || typeof spec.query !== 'string') {
    sendError(res, 400, 'missing query');
    return;
  }
  let items;
  try {
    items = runQuery(coll, documentsOf(coll, req), spec);
  } catch (err) {
    sendError(res, 400, `Syntax error or unsupported query: ${err.message}`);
    return;
  }
  sendPage(res, coll, req, items);
}

function readFeed(coll, req, res) {
  sendPage(res, coll, req, documentsOf(coll, req));
}

module.exports = { query, readFeed };
