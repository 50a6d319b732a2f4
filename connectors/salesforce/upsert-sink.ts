import { z } from 'zod';
import { NonRetriableError } from '../../lib/errors.ts';
import { isErasureCommand } from '../../schemas/erasure.ts';
import type { ConnectorContext, SinkRecord, Skipped } from '../sdk/index.ts';
import { httpBatchConfig } from '../transports/http-batch.ts';
import {
  createHttpSink,
  type HttpRefusedError,
  type HttpSink,
  type HttpSinkRequest,
} from '../transports/http-sink.ts';
import { httpSinkConfig } from '../transports/http-sink-config.ts';
import { createSalesforceAuth, salesforceOrgConfig } from './auth.ts';
import { MAX_COLLECTION_RECORDS, salesforceBatching } from './collections.ts';
import { alreadyDeleted, checkEmptyRecycleBin, erasureSteps } from './erasure.ts';
import { createRecordReader } from './record-reader.ts';
import { salesforceRetriable } from './retriable.ts';

export const salesforceUpsertSinkConfig = httpSinkConfig
  .omit({ authHeader: true, baseUrl: true })
  .extend(salesforceOrgConfig.shape)
  .extend({
    ...httpBatchConfig(
      MAX_COLLECTION_RECORDS,
      MAX_COLLECTION_RECORDS,
      'records of one sObject Collections upsert by external id; a write by Id goes alone, as the collection takes external ids only',
      'Salesforce',
    ),
    clientName: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, "_", "." and "-", at most 40')
      .default('eai-hub')
      .describe(
        'Sent as `Sforce-Call-Options: client=<clientName>` on every write: the change events of these writes carry it in changeOrigin, which is how the echo is recognised.',
      ),
  });

export type SalesforceUpsertSinkConfig = z.output<typeof salesforceUpsertSinkConfig>;

/** The upsert path the mapping wrote into the body's `attributes.url` (`/sobjects/Account/External_Id__c/C-1`). */
function upsertPathOf(body: Buffer, connector: string): string {
  const url = (JSON.parse(body.toString('utf8')) as { attributes?: { url?: unknown } }).attributes?.url;
  if (typeof url !== 'string' || !/^\/sobjects\/\w+\/\w+\/[^/]+$/.test(url))
    throw new NonRetriableError(
      `${connector}: the mapping wrote no upsert url (attributes.url /sobjects/<type>/<field>/<value>)`,
    );
  return url;
}

/**
 * CustomerEvents → `PATCH /services/data/<v>/sobjects/<Account|Contact>/<key field>/<value>`, those by an external id
 * up to `batchSize` a request as sObject Collections upserts (`salesforceBatching`), the body written by the connector's mapping (salesforce/sobject.from-canonical.yaml: by Id when the
 * event carries the Salesforce id, else by External_Id__c = the customerId). OAuth client credentials through the
 * HTTP sink's `authorize` hook (a 401 renews the token once); `Sforce-Call-Options: client=<clientName>` on every
 * write marks its change events. The hub's erasure command (schemas/erasure.ts) deletes the record and empties it
 * from the Recycle Bin (erasure.ts). `refusedAsSkipped` names refusals that mean the record is not for this org
 * (logged and counted as skipped, not dead-lettered). A spent API limit (403 REQUEST_LIMIT_EXCEEDED) or a record
 * locked by another transaction (400 UNABLE_TO_LOCK_ROW) is retried, not dead-lettered (retriable.ts).
 */
export function createSalesforceUpsertSink(
  config: SalesforceUpsertSinkConfig,
  context: ConnectorContext,
  refusedAsSkipped?: (refusal: HttpRefusedError, request: HttpSinkRequest) => string | undefined,
): HttpSink {
  const {
    instanceUrl,
    clientId,
    clientSecret,
    apiVersion,
    authTimeoutMs,
    clientName,
    batchSize,
    batchWaitMs,
    ...http
  } = config;
  const auth = createSalesforceAuth(
    { instanceUrl, clientId, clientSecret, apiVersion, authTimeoutMs },
    context.name,
  );
  const reader = createRecordReader({
    instanceUrl,
    apiVersion,
    timeoutMs: http.timeoutMs,
    retries: http.retry.retries,
    connector: context.name,
    auth,
    signal: context.signal,
    attemptFailed: context.attemptFailed,
  });
  /** The Account or Contact the hub created under a golden id (External_Id__c), if any. */
  async function findByGoldenId(goldenId: string) {
    const found: Array<{ type: 'Account' | 'Contact'; id: string }> = [];
    if (!goldenId) return found;
    for (const type of ['Account', 'Contact'] as const) {
      const body = await reader.read(`${type}/External_Id__c`, goldenId);
      const id = body ? (JSON.parse(body.toString('utf8')) as { Id?: unknown }).Id : undefined;
      if (typeof id === 'string') found.push({ type, id });
    }
    return found;
  }
  async function request(record: SinkRecord): Promise<HttpSinkRequest | HttpSinkRequest[] | Skipped | null> {
    if (isErasureCommand(record.value))
      return erasureSteps({
        event: record.value,
        apiVersion,
        clientName,
        findByGoldenId,
      });
    const bodies = await context.toSystem(record.value);
    if (bodies.length === 0) return null;
    if (bodies.length > 1)
      throw new NonRetriableError(
        `${context.name}: the mapping wrote ${bodies.length} bodies for one record; expected one`,
      );
    const body = bodies[0]!;
    return {
      method: 'PATCH',
      path: `/services/data/${apiVersion}${upsertPathOf(body, context.name)}`,
      headers: { 'content-type': 'application/json', 'sforce-call-options': `client=${clientName}` },
      body,
    };
  }
  return createHttpSink(
    {
      config: { ...http, baseUrl: instanceUrl },
      request,
      // Upserts by external id in hand together go in one sObject Collections upsert (collections.ts).
      batch: salesforceBatching(batchSize, batchWaitMs, context.name, {
        alone: refusedAsSkipped !== undefined,
      }),
      authorize: async ({ renew, signal }) => ({
        authorization: `Bearer ${await auth.token({ renew, signal })}`,
      }),
      alreadyApplied: alreadyDeleted,
      refusedAsSkipped,
      // 403 REQUEST_LIMIT_EXCEEDED (the org's API limit spent) and 400 UNABLE_TO_LOCK_ROW wait, not dead-letter.
      retriableAnswer: salesforceRetriable,
      checkAnswer: (text, sent) => checkEmptyRecycleBin(text, sent, context.name),
      // The SOAP API says an expired session with HTTP 500 and the fault sf:INVALID_SESSION_ID, not 401.
      sessionExpired: (status, text) => status === 500 && text.includes('INVALID_SESSION_ID'),
    },
    context,
  );
}
