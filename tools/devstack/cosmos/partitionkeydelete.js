'use strict';
// Delete all items by partition key (the .NET SDK's Container.DeleteAllItemsByPartitionKeyStreamAsync: a request to
// dbs/{db}/colls/{coll}/operations/partitionkeydelete naming the partition in x-ms-documentdb-partitionkey). On Azure it
// needs the account capability DeleteAllItemsByPartitionKey, and without it the request is refused with 400; here the
// capability is off unless the server was started with --capabilities DeleteAllItemsByPartitionKey (or
// COSMOS_DEV_CAPABILITIES), so code that forgets the capability fails here as it would there. Azure deletes in the
// background and hides the documents at once; here they are deleted before the answer, which a client cannot tell
// apart (it must poll until the partition reads empty either way).
const { send, sendError, parsePartitionKey, samePartition } = require('./common');
const { writeCharge, policyOf } = require('./charges');

const CAPABILITY = 'DeleteAllItemsByPartitionKey';
const ROUTE = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/operations\/partitionkeydelete$/;

function partitionKeyDelete(capabilities) {
  return function handler(coll, req, res) {
    if (!capabilities.has(CAPABILITY)) {
      sendError(res, 400, `Message: {"Errors":["Delete all items by partition key is not enabled on this account: enable the capability ${CAPABILITY}."]}`,
        { 'x-ms-request-charge': '0' });
      return;
    }
    if (req.headers['x-ms-documentdb-partitionkey'] === undefined) {
      sendError(res, 400, 'PartitionKey value must be supplied for this operation.');
      return;
    }
    const pk = parsePartitionKey(req.headers['x-ms-documentdb-partitionkey']);
    const docs = [...coll.documents._data.values()].map((item) => item.read())
      .filter((d) => samePartition(coll.documents._getPartition(d), pk));
    const policy = policyOf(coll);
    let charge = 0;
    for (const doc of docs) {
      coll.documents.delete(doc.id, pk);
      charge += writeCharge('delete', doc, undefined, policy);
    }
    // The request's own charge is small; the deletes are billed against the background budget on Azure.
    send(res, 200, undefined, { 'x-ms-request-charge': String(Math.max(1, Math.round(charge * 100) / 100)) });
  };
}

module.exports = { partitionKeyDelete, PARTITION_KEY_DELETE_ROUTE: ROUTE, CAPABILITY };
