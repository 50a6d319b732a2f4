import { randomBytes } from 'node:crypto';
import type { Request, Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { sfError } from './errors.ts';
import { recordView } from './records.ts';
import type { SObjectType } from './schema.ts';
import { parseSoql, runSoql } from './soql.ts';
import type { SalesforceState } from './state.ts';

const DEFAULT_BATCH = 2000;

interface Cursor {
  /** `query` or `queryAll`: the resource its nextRecordsUrl names. */
  resource: string;
  type: SObjectType;
  fields: string[];
  ids: string[];
  batchSize: number;
}

/** `Sforce-Query-Options: batchSize=N` (200 to 2000; Salesforce treats it as a hint). */
function batchSizeOf(req: Request): number {
  const asked = Number(/batchSize=(\d+)/i.exec(req.get('sforce-query-options') ?? '')?.[1]);
  return Number.isInteger(asked) && asked > 0 ? Math.min(Math.max(asked, 200), DEFAULT_BATCH) : DEFAULT_BATCH;
}

/**
 * `GET .../query?q=` and `GET .../query/{locator}-{offset}`: results in batches with nextRecordsUrl. `GET
 * .../queryAll?q=` (and `.../queryAll/{locator}-{offset}`) reads the deleted records in the Recycle Bin too, as
 * Salesforce's queryAll does (`WHERE IsDeleted = true`: those alone); a record purged from it is gone.
 */
export function queryRoutes(router: Router, sim: SimContext<SalesforceState>): void {
  // Query locators live in memory only: like real ones, they do not outlive the server.
  const cursors = new Map<string, Cursor>();

  function page(version: string, locator: string, cursor: Cursor, offset: number) {
    const ids = cursor.ids.slice(offset, offset + cursor.batchSize);
    const records = ids
      .map((id) => sim.state.records[cursor.type][id])
      .filter((record) => record !== undefined)
      .map((record) => recordView(cursor.type, record, version, cursor.fields));
    const nextOffset = offset + ids.length;
    const done = nextOffset >= cursor.ids.length;
    if (done) cursors.delete(locator);
    return {
      totalSize: cursor.ids.length,
      done,
      ...(done
        ? {}
        : { nextRecordsUrl: `/services/data/${version}/${cursor.resource}/${locator}-${nextOffset}` }),
      records,
    };
  }

  for (const resource of ['query', 'queryAll']) {
    router.get(`/services/data/:version/${resource}`, (req, res) => {
      const q = req.query.q;
      if (typeof q !== 'string' || q.trim() === '')
        throw sfError(400, 'MALFORMED_QUERY', 'A query string must be provided.');
      const query = parseSoql(q);
      const ids = runSoql(query, Object.values(sim.state.records[query.type]), {
        all: resource === 'queryAll',
      }).map((record) => record.Id);
      const locator = `01g5g00000${randomBytes(6).toString('hex').slice(0, 8)}`;
      const cursor: Cursor = {
        resource,
        type: query.type,
        fields: query.fields,
        ids,
        batchSize: batchSizeOf(req),
      };
      cursors.set(locator, cursor);
      res.json(page(String(req.params.version), locator, cursor, 0));
    });

    router.get(`/services/data/:version/${resource}/:locatorAndOffset`, (req, res) => {
      const match = /^(01g\w+)-(\d+)$/.exec(String(req.params.locatorAndOffset));
      const cursor = match ? cursors.get(match[1]!) : undefined;
      if (!match || !cursor || cursor.resource !== resource)
        throw sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      res.json(page(String(req.params.version), match[1]!, cursor, Number(match[2])));
    });
  }
}
