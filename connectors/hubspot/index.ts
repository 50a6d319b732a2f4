import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
import { changeStreamOffsetProblem } from '../transports/snapshot.ts';
import { createHubspotContactWebhookSource, hubspotContactWebhookConfig } from './contact-webhook-source.ts';
import { PARKED_PARTITION, parkedOffsetProblem } from './sensitive-reread.ts';
import { createHubspotUpsertSink, hubspotUpsertSinkConfig } from './upsert-sink.ts';

/** HubSpot CRM: contact changes in by webhook, CustomerEvents out by batch upsert. */
export const hubspotContactWebhookSource = definePlugin({
  type: 'hubspot-contact-webhook-source',
  kind: 'source',
  description: 'HubSpot contact webhooks (v3 signature) → CustomerEvents, one per event; 200 once on Kafka.',
  config: hubspotContactWebhookConfig,
  createSource: (config, context) => createHubspotContactWebhookSource(config, context),
  // The snapshot's and the webhook's positions, and the re-reads parked at the daily API limit.
  checkOffset: (partition, offset) =>
    partition === PARKED_PARTITION
      ? parkedOffsetProblem(offset)
      : changeStreamOffsetProblem(partition, offset),
});

export const hubspotUpsertSink = definePlugin({
  type: 'hubspot-upsert-sink',
  kind: 'sink',
  description:
    "CustomerEvents → HubSpot contacts batch upsert by eai_golden_id (batch update by the record id when known), organisations to companies the same way with companies: true; private-app token; the hub's erasure command → GDPR delete.",
  config: hubspotUpsertSinkConfig,
  createSink: (config, context) => createHubspotUpsertSink(config, context),
});

export const hubspotPlugins: ConnectorPlugin[] = [hubspotContactWebhookSource, hubspotUpsertSink];
