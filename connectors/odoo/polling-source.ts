import { z } from 'zod';
import type { ConnectorContext, SourceDocument, SourceTask } from '../sdk/index.ts';
import { createPollSource, pollSourceConfig } from '../transports/poll.ts';
import { targetUrl } from '../transports/target-url.ts';
import { EmittedVersions } from './emitted-versions.ts';
import { createOdooClient } from './jsonrpc.ts';
import { fetchPartners } from './partners.ts';
import { fetchSaleOrders } from './sale-orders.ts';

export const odooConnectionConfig = z.object({
  url: targetUrl().describe(
    'Base URL of the Odoo server, e.g. `https://acme.odoo.com`; JSON-2 goes to `/json/2/<model>/<method>`, JSON-RPC to `/jsonrpc`.',
  ),
  db: z.string().min(1).describe('The Odoo database name.'),
  username: z
    .string()
    .min(1)
    .describe('Login of the integration user; its writes carry its id in write_uid, which marks echoes.'),
  password: z
    .string()
    .min(1)
    .describe(
      'API key of the integration user (Preferences → Account Security → New API Key), or its password over JSON-RPC only: JSON-2 takes API keys only. A secret: give it as `$' +
        '{env:NAME}` (never logged).',
    ),
  timeoutMs: z.number().int().positive().default(30_000).describe('Deadline of one Odoo call, in ms.'),
  api: z
    .enum(['auto', 'json2', 'jsonrpc'])
    .default('auto')
    .describe(
      "Odoo's External API: `json2` (Odoo 19+ and Odoo Online saas-19.x: `POST /json/2/<model>/<method>`, `password` must be an API key), `jsonrpc` (`POST /jsonrpc`, every version; deprecated since 19.0, removed in Odoo 22), or `auto`: JSON-2 when the server has it, else JSON-RPC (Odoo ≤ 18 answers 404 on /json/2; a `password` that Odoo 19 refuses as an API key is tried over JSON-RPC, with a warning), found by the first call and logged once.",
    ),
});

/** The models the source can poll, each with how its pages are read. */
const MODELS = {
  'sale.order': fetchSaleOrders,
  'res.partner': fetchPartners,
} as const;

export type OdooModel = keyof typeof MODELS;

export const odooPollingSourceConfig = odooConnectionConfig
  .extend(pollSourceConfig.omit({ entity: true, cursor: true }).shape)
  .extend({
    models: z
      .array(z.enum(Object.keys(MODELS) as [OdooModel, ...OdooModel[]]))
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'a model is listed twice')
      .default(['sale.order'])
      .describe(
        'Models polled, each with its own cursor (source partition = the model): `sale.order` → SalesOrderEvents (format odoo-sale-order), `res.partner` → CustomerEvents (format odoo-res-partner, archived partners included).',
      ),
  });

export type OdooPollingSourceConfig = z.output<typeof odooPollingSourceConfig>;

interface ModelSource {
  model: OdooModel;
  source: SourceTask;
  emitted: EmittedVersions;
  /** A poll under way, kept across calls so nothing it returns is lost when another model answered first. */
  pending?: Promise<void>;
  /** What the poll under way returned, once it did. */
  result?: SourceDocument[];
  /** How it failed: thrown by the next poll (kept, so a failure while no one waits is not an unhandled rejection). */
  error?: unknown;
}

/**
 * Odoo changes by polling `write_date` through the poll transport (keyset pages, overlap window), one poll per model
 * (a sale.order with its lines, a res.partner), each its own source partition. A document's CloudEvents id is the
 * version (`<model>:<id>@<write_date>#<digest>`), and the versions of the overlap window ride in the position, so
 * neither an edit is lost nor a version sent twice across restarts. The models are polled side by side: an idle
 * one waiting for its next pass never holds back the other.
 */
export function createOdooPollingSource(
  config: OdooPollingSourceConfig,
  context: ConnectorContext,
): SourceTask {
  const { url, db, username, password, timeoutMs, api, models, ...poll } = config;
  const client = createOdooClient({ url, db, username, password, timeoutMs, api }, context);
  const sources: ModelSource[] = models.map((model) => ({
    model,
    emitted: new EmittedVersions(poll.overlapMs),
    source: createPollSource(
      {
        config: { ...poll, entity: model, cursor: 'updated-since' },
        fetchPage: (cursor, signal, pageSize) => MODELS[model](client, cursor, signal, pageSize),
      },
      context,
    ),
  }));
  return {
    async start(positions) {
      for (const { model, source, emitted } of sources) {
        emitted.restore(positions.get(model));
        await source.start(positions);
      }
    },
    async poll() {
      for (const entry of sources) {
        entry.pending ??= entry.source.poll().then(
          (documents) => {
            entry.result = documents;
          },
          (error: unknown) => {
            entry.error = error ?? new Error('poll failed');
          },
        );
      }
      await Promise.race(sources.map((entry) => entry.pending));
      const documents: SourceDocument[] = [];
      for (const entry of sources) {
        if (entry.error !== undefined) {
          entry.pending = undefined;
          const error = entry.error;
          entry.error = undefined;
          throw error;
        }
        if (!entry.result) continue;
        documents.push(...entry.emitted.filter(entry.result));
        entry.result = undefined;
        entry.pending = undefined;
      }
      for (const document of documents) if (document.deliveryId) document.id = document.deliveryId;
      return documents;
    },
    async commit(documents, outcome) {
      // Each model's transport takes its own documents; one with none in the batch has nothing to acknowledge or read again.
      for (const { model, source } of sources) {
        const mine = documents.filter((document) => document.position?.partition === model);
        if (mine.length > 0) await source.commit(mine, outcome);
      }
    },
    async stop() {
      for (const { source } of sources) await source.stop();
    },
  };
}
