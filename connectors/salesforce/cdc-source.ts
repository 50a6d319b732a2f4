import { z } from 'zod';
import type { ConnectorContext, SourceTask, WebhookRequest } from '../sdk/index.ts';
import { withInitialSnapshot } from '../transports/snapshot.ts';
import { createWebhookSource, WebhookBodyError, type WebhookPart } from '../transports/webhook.ts';
import { webhookSourceConfig } from '../transports/webhook-config.ts';
import { createSalesforceAuth, salesforceOrgConfig } from './auth.ts';
import { withGapRereads } from './gap-reread.ts';
import { personContactQuery, withoutPersonContactEvents } from './person-contacts.ts';
import { createRecordReader, createSalesforceGet } from './record-reader.ts';
import { createSalesforceSnapshotPager, salesforceSnapshotConfig } from './snapshot.ts';

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
  });

export type SalesforceCdcSourceConfig = z.output<typeof salesforceCdcSourceConfig>;

const header = z.looseObject({
  ChangeEventHeader: z.looseObject({
    transactionKey: z.string().min(1),
    sequenceNumber: z.number().int(),
  }),
});
/** A Pub/Sub-style envelope `{channel, replayId, payload}` (as the relay pushes them), or a bare payload. */
const event = z.union([z.looseObject({ payload: header }), header]);

/** One change event per request, or a JSON array of them. */
export const cdcBody = z.union([event, z.array(event).min(1, 'empty list of change events')]);

/**
 * One `salesforce-cdc` document per change event, its delivery id `transactionKey:sequenceNumber` (the format's
 * document id): the same on every redelivery of the event, unique across transactions.
 */
export function splitChangeEvents(_request: WebhookRequest, body: unknown): WebhookPart[] {
  type Header = { ChangeEventHeader?: { transactionKey: string; sequenceNumber: number } };
  const events = (Array.isArray(body) ? body : [body]) as Array<Header & { payload?: Header }>;
  return events.map((e) => {
    const eventHeader = (e.payload ?? e).ChangeEventHeader;
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
  const changes = withGapRereads(source, createRecordReader(rest), context.logger);
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
