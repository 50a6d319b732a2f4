import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
import { changeStreamOffsetProblem } from '../transports/snapshot.ts';
import { createHubspotContactWebhookSource, hubspotContactWebhookConfig } from './contact-webhook-source.ts';
import { createHubspotUpsertSink, hubspotUpsertSinkConfig } from './upsert-sink.ts';

/** HubSpot CRM: contact changes in by webhook, CustomerEvents out by batch upsert. */
export const hubspotContactWebhookSource = definePlugin({
  type: 'hubspot-contact-webhook-source',
  kind: 'source',
  description: 'HubSpot contact webhooks (v3 signature) → CustomerEvents, one per event; 200 once on Kafka.',
  config: hubspotContactWebhookConfig,
  createSource: (config, context) => createHubspotContactWebhookSource(config, context),
  checkOffset: changeStreamOffsetProblem,
});

export const hubspotUpsertSink = definePlugin({
  type: 'hubspot-upsert-sink',
  kind: 'sink',
  description:
    "CustomerEvents → HubSpot contacts batch upsert by eai_golden_id (batch update by the record id when known), private-app token; the hub's erasure command → GDPR delete.",
  config: hubspotUpsertSinkConfig,
  createSink: (config, context) => createHubspotUpsertSink(config, context),
});

export const hubspotPlugins: ConnectorPlugin[] = [hubspotContactWebhookSource, hubspotUpsertSink];
