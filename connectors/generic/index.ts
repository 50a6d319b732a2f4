import { type ConnectorPlugin, definePlugin } from '../sdk/index.ts';
import { createFileDropSource, fileDropOffsetProblem, fileSourceConfig } from '../transports/file-drop.ts';
import { createWebhookSource, webhookOffsetProblem } from '../transports/webhook.ts';
import { webhookSourceConfig } from '../transports/webhook-config.ts';
import { createFileSink, fileSinkConfig, fileSinkProblems } from './file-sink.ts';
import { createGenericHttpSink, genericHttpSinkConfig } from './http-sink.ts';

/**
 * Connectors for any format the hub reads or writes: a drop folder, a webhook, a folder written to and an HTTP
 * endpoint. A partner's X12 or EDIFACT feed, or a CSV table for a target, needs no code: name the format and the
 * mapping in the connector file. The system connectors (connectors/<system>/) build on the same transports with
 * their systems' defaults.
 */
export const fileSource = definePlugin({
  type: 'file-source',
  kind: 'source',
  description:
    'Reads documents of one format from a drop folder; big files are streamed and split into messages; X12 and EDIFACT interchanges may be answered with 997 and CONTRL acknowledgments.',
  config: fileSourceConfig,
  createSource: (config, context) => createFileDropSource(config, context),
  checkOffset: (_partition, offset) => fileDropOffsetProblem(offset),
});

export const webhookSource = definePlugin({
  type: 'webhook-source',
  kind: 'source',
  description:
    'Receives documents of one format over HTTP POST at /webhooks/<connector>, signed; 2xx once on Kafka.',
  config: webhookSourceConfig,
  createSource: (config, context) => createWebhookSource(config, context),
  checkOffset: webhookOffsetProblem,
});

export const httpSink = definePlugin({
  type: 'http-sink',
  kind: 'sink',
  description:
    'Canonical records of the topics named to any HTTP endpoint as CloudEvents, or with a from-canonical mapping each document it writes (as its writer’s media type), in order per key, each once (idempotency key); retries, circuit breaker, dead letters.',
  config: genericHttpSinkConfig,
  createSink: (config, context) => createGenericHttpSink(config, context),
});

export const fileSink = definePlugin({
  type: 'file-sink',
  kind: 'sink',
  description:
    'Writes canonical records of the topics named as documents into a folder, one file per document its from-canonical mapping writes (csv, json, any format with a writer); a redelivery overwrites its own file.',
  config: fileSinkConfig,
  requiresMapping: true,
  checkConfig: fileSinkProblems,
  createSink: (config, context) => createFileSink(config, context),
});

export const genericPlugins: ConnectorPlugin[] = [fileSource, webhookSource, httpSink, fileSink];
