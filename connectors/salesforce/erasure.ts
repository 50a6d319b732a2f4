/**
 * The hub's erasure command (schemas/erasure.ts) in Salesforce: the record is deleted over REST
 * (`DELETE /sobjects/<type>/<id>`, which moves it to the Recycle Bin for 15 days) and then removed for good with the
 * SOAP API's `emptyRecycleBin` (the REST API has no call for it), in that order, as two steps of one put.
 */
import { XMLParser } from 'fast-xml-parser';
import { NonRetriableError, quotedText } from '../../lib/errors.ts';
import { erasureTargets } from '../../schemas/erasure.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { type Skipped, skipped } from '../sdk/index.ts';
import type { HttpRefusedError, HttpSinkRequest } from '../transports/http-sink.ts';

const TYPE_BY_PREFIX: Record<string, 'Account' | 'Contact'> = { '001': 'Account', '003': 'Contact' };
const SOAP_PATH = /^\/services\/Soap\/u\//;

/** The sObject type of a Salesforce id the command names: its idType (AccountId / ContactId), else its key prefix. */
export function sobjectTypeOf(id: string, idType: string | null | undefined): 'Account' | 'Contact' | null {
  if (idType === 'AccountId') return 'Account';
  if (idType === 'ContactId') return 'Contact';
  return TYPE_BY_PREFIX[id.slice(0, 3)] ?? null;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The SOAP request body of `emptyRecycleBin(ids)` (partner WSDL), the OAuth token as session id. */
export function emptyRecycleBinBody(sessionId: string, ids: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">',
    `<soapenv:Header><urn:SessionHeader><urn:sessionId>${escapeXml(sessionId)}</urn:sessionId></urn:SessionHeader></soapenv:Header>`,
    `<soapenv:Body><urn:emptyRecycleBin>${ids.map((id) => `<urn:ids>${escapeXml(id)}</urn:ids>`).join('')}</urn:emptyRecycleBin></soapenv:Body>`,
    '</soapenv:Envelope>',
  ].join('');
}

/**
 * The two steps that erase the records, or null when Salesforce holds none: `records` are the command's own
 * Salesforce ids, or (a record the hub created by the golden id) those `findByGoldenId` finds.
 */
export async function erasureSteps(options: {
  event: CustomerEvent;
  apiVersion: string;
  clientName: string;
  findByGoldenId: (goldenId: string) => Promise<Array<{ type: 'Account' | 'Contact'; id: string }>>;
}): Promise<HttpSinkRequest[] | Skipped> {
  const { event, apiVersion } = options;
  const named = erasureTargets(event, 'salesforce')
    .map((s) => ({ type: sobjectTypeOf(s.id, s.idType), id: s.id }))
    .filter((r): r is { type: 'Account' | 'Contact'; id: string } => r.type !== null);
  const records =
    named.length > 0 || (event.customer.sourceIds ?? []).length > 0
      ? named
      : await options.findByGoldenId(event.customer.customerId ?? '');
  if (records.length === 0) return skipped('the erasure names no Salesforce record');
  return [
    ...records.map((r) => ({
      method: 'DELETE',
      path: `/services/data/${apiVersion}/sobjects/${r.type}/${encodeURIComponent(r.id)}`,
      headers: { 'sforce-call-options': `client=${options.clientName}` },
    })),
    {
      method: 'POST',
      path: `/services/Soap/u/${apiVersion.slice(1)}`,
      headers: { 'content-type': 'text/xml; charset=UTF-8', soapaction: '""' },
      // The session id is the attempt's bearer token: built at each attempt, so a token renewed since (by the
      // DELETE's 401, or this call's own INVALID_SESSION_ID fault) is the one sent.
      body: (headers: Headers) =>
        emptyRecycleBinBody(
          (headers.get('authorization') ?? '').replace(/^Bearer /, ''),
          records.map((r) => r.id),
        ),
    },
  ];
}

/** A DELETE of a record already deleted (in the Recycle Bin) or gone: the step is done. */
export function alreadyDeleted(refusal: HttpRefusedError, request: HttpSinkRequest): string | undefined {
  if (request.method !== 'DELETE' || refusal.status !== 404) return undefined;
  return /ENTITY_IS_DELETED|NOT_FOUND/.test(refusal.responseBody)
    ? 'record already deleted: on to the Recycle Bin'
    : undefined;
}

const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, trimValues: true });

/**
 * Reads `emptyRecycleBin`'s answer (HTTP 200, a result per id): a record no longer in the Recycle Bin
 * (INVALID_ID_FIELD, ENTITY_IS_DELETED: purged before, by a first delivery of this command) is done; any other
 * error refuses the record.
 */
export function checkEmptyRecycleBin(text: string, request: HttpSinkRequest, connector: string): void {
  if (!SOAP_PATH.test(request.path)) return;
  const parsed = parser.parse(text) as {
    Envelope?: { Body?: { emptyRecycleBinResponse?: { result?: unknown } } };
  };
  const response = parsed.Envelope?.Body?.emptyRecycleBinResponse;
  if (!response)
    throw new NonRetriableError(
      `${connector}: emptyRecycleBin answered without a result: ${quotedText(text, 200)}`,
    );
  const results = [response.result ?? []].flat() as Array<{
    id?: string;
    success?: string;
    errors?: { statusCode?: string; message?: string } | Array<{ statusCode?: string; message?: string }>;
  }>;
  for (const r of results) {
    if (r.success === 'true') continue;
    const errors = [r.errors ?? []].flat();
    if (errors.every((e) => e.statusCode === 'INVALID_ID_FIELD' || e.statusCode === 'ENTITY_IS_DELETED'))
      continue;
    throw new NonRetriableError(
      `${connector}: emptyRecycleBin refused ${r.id ?? 'a record'}: ${errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ')}`,
    );
  }
}
