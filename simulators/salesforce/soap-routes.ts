import express, { type Request, type Response, type Router } from 'express';
import { XMLParser } from 'fast-xml-parser';
import type { SimContext } from '../common/types.ts';
import { isValidId, KEY_PREFIX, to18 } from './ids.ts';
import { purgeRecord } from './records.ts';
import type { SObjectType } from './schema.ts';
import type { SalesforceState } from './state.ts';

const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, trimValues: true });
const ENVELOPE = 'http://schemas.xmlsoap.org/soap/envelope/';
const PARTNER = 'urn:partner.soap.sforce.com';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ENVELOPE}" xmlns="${PARTNER}"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

/** A SOAP fault as Salesforce sends one: HTTP 500, `sf:<code>` and the message. */
function fault(res: Response, code: string, message: string): void {
  res
    .status(500)
    .type('text/xml')
    .send(
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ENVELOPE}" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${escapeXml(`${code}: ${message}`)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
    );
}

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * The SOAP API (partner WSDL, `/services/Soap/u/<version>`) for the one call the REST API lacks:
 * `emptyRecycleBin(ids)`, which removes deleted records for good (up to 200 per call). The session is the OAuth
 * access token in the SessionHeader, as Salesforce accepts it. Per id a result: success, or an error when the
 * record is not in the Recycle Bin. A purged record's change events go with it (Salesforce keeps events 72 hours
 * on its event bus whatever happens to the record; the simulator keeps nothing of an erased record).
 */
export function soapRoutes(router: Router, sim: SimContext<SalesforceState>): void {
  router.post(
    '/services/Soap/u/:version',
    express.text({ type: ['text/xml', 'application/soap+xml'], limit: '5mb' }),
    (req: Request, res: Response) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = parser.parse(typeof req.body === 'string' ? req.body : '') as Record<string, unknown>;
      } catch {
        fault(res, 'INVALID_SOAP', 'the request is not well-formed XML');
        return;
      }
      const env = (parsed.Envelope ?? {}) as Record<string, Record<string, unknown> | undefined>;
      const session = (env.Header?.SessionHeader as Record<string, unknown> | undefined)?.sessionId;
      if (typeof session !== 'string' || !sim.state.tokens[session]) {
        fault(res, 'INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
        return;
      }
      const call = (env.Body?.emptyRecycleBin ?? undefined) as Record<string, unknown> | undefined;
      if (!call) {
        const name = Object.keys(env.Body ?? {})[0] ?? 'nothing';
        fault(res, 'INVALID_OPERATION', `the simulator answers emptyRecycleBin only, not ${name}`);
        return;
      }
      const ids = list(call.ids).map(String);
      if (ids.length > 200) {
        fault(res, 'EXCEEDED_ID_LIMIT', 'emptyRecycleBin takes at most 200 ids');
        return;
      }
      const purged: string[] = [];
      const results = ids.map((raw) => {
        const type = (Object.keys(KEY_PREFIX) as SObjectType[]).find((t) => raw.startsWith(KEY_PREFIX[t]));
        const id = isValidId(raw) ? to18(raw) : raw;
        const record = type ? sim.state.records[type][id] : undefined;
        if (!type || !record || record.IsDeleted !== true) {
          return `<result><errors><message>${escapeXml(`The record ${raw} is not in the Recycle Bin`)}</message><statusCode>INVALID_ID_FIELD</statusCode></errors><id>${escapeXml(raw)}</id><success>false</success></result>`;
        }
        purgeRecord(sim.state, type, record);
        purged.push(id);
        return `<result><id>${id}</id><success>true</success></result>`;
      });
      if (purged.length > 0) {
        const gone = new Set(purged);
        sim.state.cdc.events = sim.state.cdc.events.filter((event) => {
          const header = (event.payload.ChangeEventHeader ?? {}) as { recordIds?: string[] };
          return !(header.recordIds ?? []).some((id) => gone.has(id));
        });
        for (const id of purged) {
          const type = (Object.keys(KEY_PREFIX) as SObjectType[]).find((t) => id.startsWith(KEY_PREFIX[t]));
          sim.recordEffect(req, { entityType: type ?? 'unknown', entityId: id, operation: 'purge' });
        }
      }
      res
        .type('text/xml')
        .send(envelope(`<emptyRecycleBinResponse>${results.join('')}</emptyRecycleBinResponse>`));
    },
  );
}
