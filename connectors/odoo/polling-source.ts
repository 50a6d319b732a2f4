import { z } from 'zod';
import type { ConnectorContext, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import {
  type Cursor,
  createPollSource,
  type Page,
  type PollSource,
  type PollSourceOptions,
  pollSourceConfig,
} from '../transports/poll.ts';
import { SeenVersions } from '../transports/poll-seen.ts';
import { targetUrl } from '../transports/target-url.ts';
import { type CountryStates, createCountryStates } from './country-states.ts';
import { EmittedVersions } from './emitted-versions.ts';
import { createOdooClient, type OdooClient } from './jsonrpc.ts';
import { fetchPartners } from './partners.ts';
import { RememberedAddresses } from './remembered-addresses.ts';
import { fetchOrdersOfChangedLines, fetchSaleOrders, isoDateTime, newestLineChange } from './sale-orders.ts';

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

/** What a page read needs beside the cursor: the client, and what the connector keeps across pages. */
interface Run {
  client: OdooClient;
  /** res.country.state codes read so far (a partner's region). */
  states: CountryStates;
  /** The address children of each customer as published and committed (remembered-addresses.ts). */
  addresses: RememberedAddresses;
}

type FetchPage = (run: Run, cursor: Cursor, signal: AbortSignal, pageSize: number) => Promise<Page>;

/** The models the source can poll, each with how its pages are read. */
const MODELS: Record<'sale.order' | 'res.partner', FetchPage> = {
  'sale.order': ({ client }, cursor, signal, pageSize) => fetchSaleOrders(client, cursor, signal, pageSize),
  'res.partner': ({ client, states, addresses }, cursor, signal, pageSize) =>
    fetchPartners(client, cursor, signal, pageSize, states, addresses),
};

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
        'Models polled, each with its own cursor (source partition = the model): `sale.order` → SalesOrderEvents (format odoo-sale-order; with a second poll of `sale.order.line` by its write_date, partition `sale.order.line`, which reads again the orders of lines written alone), `res.partner` → CustomerEvents (format odoo-res-partner, archived partners included).',
      ),
  });

export type OdooPollingSourceConfig = z.output<typeof odooPollingSourceConfig>;

/** The partition of the line poll, which sale.order brings along. */
const LINES = 'sale.order.line';

interface ModelSource {
  /** The source partition: the model, or `sale.order.line` for the poll of order lines. */
  partition: string;
  source: PollSource;
  emitted: EmittedVersions;
  /**
   * The model whose versions its documents are, when a document may be read from another record's row (an order
   * from its line's, a company from its address's): sale.order for the order and line polls, res.partner.
   */
  versionOf?: 'sale.order' | 'res.partner';
  /**
   * The line poll with no position of its own nor of the orders (a first start, a reset): it starts at the newest
   * line change, asked at its first poll, as the order poll's first pass reads every order with its lines as they are.
   */
  firstStart?: boolean;
  /** A poll under way, kept across calls so nothing it returns is lost when another model answered first. */
  pending?: Promise<void>;
  /** What the poll under way returned, once it did. */
  result?: SourceDocument[];
  /** How it failed: thrown by the next poll (kept, so a failure while no one waits is not an unhandled rejection). */
  error?: unknown;
}

/**
 * The sale.order and res.partner versions published lately: an order whose lines were saved with it (the web
 * client's save writes both, stamped alike) is read by both polls, the same version, and published once; the other
 * poll's read stores its position only, so that after a restart the version is in both polls' overlap versions. A
 * company read from its own row and again from its address's (in the overlap) is the same version too. In memory,
 * the newest RECENT_VERSIONS.
 */
const RECENT_VERSIONS = 10_000;

/**
 * A document's version, `<model>:<id>@<write_date>#<digest>` of the record it is (the order, the company), whichever
 * row it was read from: the delivery id of a document read from its own row.
 */
function documentVersion(model: string, document: SourceDocument): string {
  const [record] = JSON.parse(document.bytes.toString('utf8')) as [{ id: number; write_date: string }];
  const updatedAt = new Date(isoDateTime(record.write_date)).toISOString();
  return `${model}:${SeenVersions.key(String(record.id), updatedAt, document.bytes)}`;
}

/**
 * Odoo changes by polling `write_date` through the poll transport (keyset pages, overlap window), one poll per model
 * (a sale.order with its lines, a res.partner), each its own source partition. A document's CloudEvents id is the
 * version (`<model>:<id>@<write_date>#<digest>`), and the versions of the overlap window ride in the position, so
 * neither an edit is lost nor a version sent twice across restarts. The models are polled side by side: an idle
 * one waiting for its next pass never holds back the other.
 *
 * sale.order comes with a second poll, of `sale.order.line` by its own write_date (partition `sale.order.line`, the
 * same paging, overlap and position rules): Odoo stamps a line written alone, not its order (unless the order's
 * stored totals change), so the order poll misses such changes; the line poll reads the orders of the changed lines
 * again (fetchOrdersOfChangedLines). A position from before the line poll (none for `sale.order.line`) starts it at
 * the order cursor's time.
 */
export function createOdooPollingSource(
  config: OdooPollingSourceConfig,
  context: ConnectorContext,
): SourceTask {
  const { url, db, username, password, timeoutMs, api, models, ...poll } = config;
  const client = createOdooClient({ url, db, username, password, timeoutMs, api }, context);
  const run: Run = { client, states: createCountryStates(client), addresses: new RememberedAddresses() };
  /** res.partner documents polled and not committed yet: the addresses a position carries count them in. */
  let uncommittedPartners: SourceDocument[] = [];
  /** Whether the warning that the addresses no longer fit in the position was logged (once a run). */
  let tooManyAddressesSaid = false;
  const pollOf = (partition: string, fetchPage: PollSourceOptions['fetchPage']): ModelSource => ({
    partition,
    ...(partition === 'sale.order' || partition === LINES
      ? { versionOf: 'sale.order' as const }
      : partition === 'res.partner'
        ? { versionOf: 'res.partner' as const }
        : {}),
    emitted: new EmittedVersions(poll.overlapMs),
    source: createPollSource(
      { config: { ...poll, entity: partition, cursor: 'updated-since' }, fetchPage },
      context,
    ),
  });
  const sources: ModelSource[] = models.flatMap((model) => [
    pollOf(model, (cursor, signal, pageSize) => MODELS[model](run, cursor, signal, pageSize)),
    ...(model === 'sale.order'
      ? [
          pollOf(LINES, (cursor, signal, pageSize) =>
            fetchOrdersOfChangedLines(client, cursor, signal, pageSize),
          ),
        ]
      : []),
  ]);
  const published = new Set<string>();

  /** A poll's next documents; the line poll's first one after a first start only fixes where it starts. */
  async function next(entry: ModelSource): Promise<SourceDocument[]> {
    if (!entry.firstStart) return entry.source.poll();
    const newest = (await newestLineChange(client, context.signal)) ?? poll.initialUpdatedSince;
    const since = new Date(Math.max(Date.parse(newest), Date.parse(poll.initialUpdatedSince))).toISOString();
    await entry.source.start(new Map([[LINES, { updatedSince: since }]]));
    entry.firstStart = false;
    // Committed as it is, so a restart before the first line change resumes there too.
    return [
      {
        bytes: Buffer.alloc(0),
        name: 'sale.order.line start',
        position: { partition: LINES, offset: { updatedSince: since } },
        positionOnly: true,
      },
    ];
  }

  return {
    async start(positions) {
      run.addresses.restore(positions.get('res.partner'));
      uncommittedPartners = [];
      for (const entry of sources) {
        const own = positions.get(entry.partition);
        entry.emitted.restore(own);
        entry.firstStart = false;
        if (entry.partition !== LINES || own !== undefined) {
          await entry.source.start(positions);
          continue;
        }
        // No line cursor: a position from before the line poll resumes the lines where the orders stand; none at all
        // (a first start) waits for the newest line change (next).
        const orders = positions.get('sale.order') as { updatedSince?: unknown } | undefined;
        if (typeof orders?.updatedSince === 'string')
          await entry.source.start(new Map([[LINES, { updatedSince: orders.updatedSince }]]));
        else {
          await entry.source.start(new Map());
          entry.firstStart = true;
        }
      }
    },
    async poll() {
      for (const entry of sources) {
        entry.pending ??= next(entry).then(
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
        for (const document of entry.emitted.filter(entry.result)) {
          if (entry.versionOf && !document.positionOnly) {
            // The order's (the company's) version, whichever poll (row) read it; published once. The other read of it
            // stores its position only: its cursor and overlap versions, so after a restart it is not published either.
            const version =
              entry.partition === 'sale.order'
                ? document.deliveryId!
                : documentVersion(entry.versionOf, document);
            if (published.has(version)) {
              documents.push({ ...document, positionOnly: true });
              continue;
            }
            published.add(version);
            if (published.size > RECENT_VERSIONS) published.delete(published.values().next().value!);
            document.id = version;
          } else if (document.deliveryId) document.id = document.deliveryId;
          documents.push(document);
        }
        entry.result = undefined;
        entry.pending = undefined;
      }
      // The address children each customer is published with ride in the res.partner position (after this batch), so
      // a restart still knows which to look for when one is unlinked.
      const partners = documents.filter((document) => document.position?.partition === 'res.partner');
      const lastPartner = partners.at(-1);
      if (lastPartner?.position) {
        uncommittedPartners.push(...partners);
        const addresses = run.addresses.after(uncommittedPartners).encode();
        if (addresses === null && !tooManyAddressesSaid) {
          tooManyAddressesSaid = true;
          context.logger.warn(
            { addresses: run.addresses.size },
            'too many invoice and delivery addresses to keep in the position: one unlinked while the hub is stopped is not seen after the restart (one unlinked while it runs is)',
          );
        }
        lastPartner.position = {
          partition: 'res.partner',
          offset: { ...(lastPartner.position.offset as Record<string, Json>), addresses },
        };
      }
      return documents;
    },
    async commit(documents, outcome) {
      // Each poll's transport takes its own documents; one with none in the batch has nothing to acknowledge or read again.
      for (const { partition, source, emitted } of sources) {
        const mine = documents.filter((document) => document.position?.partition === partition);
        if (mine.length === 0) continue;
        if (partition === 'res.partner') {
          uncommittedPartners = uncommittedPartners.filter((document) => !mine.includes(document));
          if (outcome.ok) run.addresses.apply(mine);
        }
        if (!outcome.ok) {
          // Read again by the transport: they must pass then.
          emitted.forget(mine);
          for (const document of mine) if (document.id) published.delete(document.id);
        }
        await source.commit(mine, outcome);
      }
    },
    async stop() {
      for (const { source } of sources) await source.stop();
    },
  };
}
