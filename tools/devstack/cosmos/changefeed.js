'use strict';
// Change feed, latest-version mode (A-IM: Incremental feed). Every document write stamps a
// per-container, monotonically increasing _lsn (see server.js). Because only the latest version of
// each document is kept, "documents with _lsn > continuation, in _lsn order" is exactly the
// latest-version feed. The continuation travels in ETag / If-None-Match as a quoted LSN, as on Cosmos.
const { send, sendError, documentsOf } = require('./common');
const { pageCharge, REFUSED } = require('./charges');

function lsnOf(etag) {
  const n = parseInt(String(etag).replace(/"/g, ''), 10);
  return Number.isFinite(n) ? n : 0;
}

function changeFeed(coll, req, res) {
  const mode = String(req.headers['a-im']).toLowerCase();
  if (mode !== 'incremental feed') {
    sendError(res, 400, `change feed mode '${req.headers['a-im']}' is not supported by the dev server`);
    return;
  }
  const current = coll._lsn || 0;
  // The session token carries the range's latest LSN ("<range>:<version>#<lsn>"), as on Cosmos DB: the SDK's change
  // feed estimator subtracts the first pending document's _lsn from it to count the changes a lease has not read.
  const session = { 'x-ms-session-token': `0:-1#${current}`, 'x-ms-request-charge': String(REFUSED) };
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch === '*') { // start from now
    send(res, 304, undefined, { etag: `"${current}"`, 'x-ms-item-count': '0', ...session });
    return;
  }
  const after = ifNoneMatch ? lsnOf(ifNoneMatch) : 0;
  let changes = documentsOf(coll, req).filter((d) => d._lsn > after);
  const since = req.headers['if-modified-since'];
  if (since && !ifNoneMatch) {
    const seconds = Math.floor(Date.parse(since) / 1000); // _ts and the header both have 1 s precision
    changes = changes.filter((d) => d._ts >= seconds);
  }
  changes.sort((a, b) => a._lsn - b._lsn);
  const max = parseInt(req.headers['x-ms-max-item-count'], 10);
  if (max > 0) changes = changes.slice(0, max);
  if (changes.length === 0) {
    // Nothing newer in this range: advancing to the current LSN skips nothing.
    send(res, 304, undefined, { etag: `"${Math.max(after, current)}"`, 'x-ms-item-count': '0', ...session });
    return;
  }
  const etag = `"${changes[changes.length - 1]._lsn}"`;
  send(res, 200, { _rid: coll.read()._rid, Documents: changes, _count: changes.length }, {
    etag, 'x-ms-item-count': String(changes.length), ...session, 'x-ms-request-charge': String(pageCharge(changes)),
  });
}

module.exports = { changeFeed };
