import { z } from 'zod';
import type { ConnectorContext, SourceTask, WebhookRequest } from '../sdk/index.ts';
import { withInitialSnapshot } from '../transports/snapshot.ts';
import { createWebhookSource, WebhookBodyError, type WebhookPart } from '../transports/webhook.ts';
import { webhookSourceConfig } from '../transports/webhook-config.ts';
import { createSalesforceAuth, salesforceOrgConfig } from './auth.ts';
import { withGapRereads } from './gap-reread.ts';
import { withOverflowRereads } from './overflow-reread.ts';
import { personContactQuery, withoutPersonContactEvents } from './person-contacts.ts';
import { createRecordReader, createSalesforceGet } from './record-reader.ts';
import { createSalesforceSnapshotPager, createSoqlPages, salesforceSnapshotConfig } from './snapshot.ts';

/** The format of the pushed change events (formats/salesforce-cdc). */
export const CDC_FORMAT = 'salesforce-cdc';

export const salesforceCdcSourceConfig = webhookSourceConfig
  .omit({ json: true, deliveryIdHeader: true })
  .extend(salesforceOrgConfig.shape)
  .extend({
    rereadTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        "Deadline of one REST read of a record a GAP event names, or of the query telling person accounts' hidden Contacts apart, in ms.",
      ),
    rereadRetries: z
      .number()
      .int()
      .nonnegative()
      .default(3)
      .describe(
        "Retries of a failed REST read (5xx, 429, network); then the GAP event's request is answered 503.",
      ),
    snapshot: salesforceSnapshotConfig,
    overflow: z
      .object({
        reread: z
          .boolean()
          .default(true)
          .describe(
            "Read an Account or Contact GAP_OVERFLOW's records (those changed since its commit time, by SOQL) in the background; false: the event is only published (RESYNC_REQUESTED for the entity).",
          ),
        pageSize: z
          .number()
          .int()
          .min(200)
          .max(2000)
          .default(1000)
          .describe("Records per page: SOQL's `Sforce-Query-Options: batchSize` (200–2000)."),
        lookbackMs: z
          .number()
          .int()
          .nonnegative()
          .default(600_000)
          .describe(
            "How long before the event's commit time the read starts (`SystemModstamp >=` that), in ms: a long transaction's records are stamped when written, before its commit (10 minutes: a synchronous request's limit). The records changed in between are read too (UPDATED again, harmless).",
          ),
        timeoutMs: z.number().int().positive().default(30_000).describe('Deadline of one page read, in ms.'),
        retries: z
          .number()
          .int()
          .nonnegative()
          .default(4)
          .describe(
            'Retries of a page read that failed transiently (5xx, 429, network); then the read waits (5 s doubling to 2 min) and tries the page again, the change stream going on meanwhile.',
          ),
      })
      .prefault({})
      .describe(
        'GAP_OVERFLOW (a transaction changed over 100,000 records: no ids): its entity read by SOQL since the commit time, as a background job resumed after a restart.',
      ),
  });

export type SalesforceCdcSourceConfig = z.output<typeof salesforceCdcSourceConfig>;

const header = z.looseObject({
  ChangeEventHeader: z.looseObject({
    transactionKey: z.string().min(1),
    sequenceNumber: z.number().int(),
  }),
});
/**
 * A Pub/Sub-style envelope `{channel, replayId, payload}` (as the relay pushes them), a Streaming API (CometD)
 * message `{channel, data: {schema, payload, event: {replayId}}}` (as EMP-Connector and CometD clients hand them on),
 * or a bare payload.
 */
const event = z.union([
  z.looseObject({ payload: header }),
  z.looseObject({ data: z.looseObject({ payload: header }) }),
  header,
]);

/** One change event per request, or a JSON array of them. */
export const cdcBody = z.union([event, z.array(event).min(1, 'empty list of change events')]);

/**
 * One `salesforce-cdc` document per change event, its delivery id `transactionKey:sequenceNumber` (the format's
 * document id): the same on every redelivery of the event, unique across transactions.
 */
export function splitChangeEvents(_request: WebhookRequest, body: unknown): WebhookPart[] {
  type Header = { ChangeEventHeader?: { transactionKey: string; sequenceNumber: number } };
  const events = (Array.isArray(body) ? body : [body]) as Array<
    Header & { payload?: Header; data?: { payload?: Header } }
  >;
  return events.map((e) => {
    const eventHeader = (e.data?.payload ?? e.payload ?? e).ChangeEventHeader;
    if (!eventHeader) throw new WebhookBodyError('missing ChangeEventHeader', '$.payload');
    const id = `salesforce:${eventHeader.transactionKey}:${eventHeader.sequenceNumber}`;
    return { bytes: Buffer.from(JSON.stringify(e)), format: CDC_FORMAT, deliveryId: id, name: id };
  });
}

export function createSalesforceCdcSource(
  config: SalesforceCdcSourceConfig,
  context: ConnectorContext,
): SourceTask {
  const {
    instanceUrl,
    clientId,
    clientSecret,
    apiVersion,
    authTimeoutMs,
    rereadTimeoutMs,
    rereadRetries,
    snapshot,
    overflow,
    ...webhook
  } = config;
  const auth = createSalesforceAuth(
    { instanceUrl, clientId, clientSecret, apiVersion, authTimeoutMs },
    context.name,
  );
  const rest = {
    instanceUrl,
    apiVersion,
    timeoutMs: rereadTimeoutMs,
    retries: rereadRetries,
    connector: context.name,
    auth,
    signal: context.signal,
  };
  const source = createWebhookSource(
    { ...webhook, json: true, bodySchema: cdcBody, split: splitChangeEvents },
    context,
  );
  const reader = createRecordReader(rest);
  const gaps = withGapRereads(source, reader, context.logger);
  const overflowPages = (resource: 'query' | 'queryAll') =>
    createSoqlPages({
      apiVersion,
      pageSize: overflow.pageSize,
      logger: context.logger,
      what: 'GAP_OVERFLOW read',
      get: createSalesforceGet({ ...rest, timeoutMs: overflow.timeoutMs, retries: overflow.retries }),
      resource,
    });
  const changes = overflow.reread
    ? withOverflowRereads(
        gaps,
        {
          fields: reader.fields,
          page: overflowPages('query'),
          // The records the transaction deleted, from the Recycle Bin, each published as a DELETE.
          deleted: overflowPages('queryAll'),
          lookbackMs: overflow.lookbackMs,
        },
        context,
      )
    : gaps;
  const persons = (task: SourceTask) =>
    withoutPersonContactEvents(
      task,
      personContactQuery(createSalesforceGet(rest), apiVersion),
      context.logger,
    );
  if (snapshot.mode === 'never') return persons(changes);
  const pager = createSalesforceSnapshotPager({
    config: snapshot,
    apiVersion,
    logger: context.logger,
    get: createSalesforceGet({ ...rest, timeoutMs: snapshot.timeoutMs, retries: snapshot.retries }),
  });
  return persons(withInitialSnapshot(changes, pager, snapshot, context));
}
