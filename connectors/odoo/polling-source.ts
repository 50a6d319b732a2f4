import { z } from 'zod';
import type { ConnectorContext, SourceTask } from '../sdk/index.ts';
import { createPollSource, pollSourceConfig } from '../transports/poll.ts';
import { EmittedVersions } from './emitted-versions.ts';
import { createOdooClient } from './jsonrpc.ts';
import { fetchSaleOrders } from './sale-orders.ts';

export const odooConnectionConfig = z.object({
  url: z
    .url()
    .describe('Base URL of the Odoo server, e.g. `https://acme.odoo.com`; JSON-RPC goes to `/jsonrpc`.'),
  db: z.string().min(1).describe('The Odoo database name.'),
  username: z
    .string()
    .min(1)
    .describe('Login of the integration user; its writes carry its id in write_uid, which marks echoes.'),
  password: z
    .string()
    .min(1)
    .describe(
      'Password or API key of the integration user: a secret, give it as `$' + '{env:NAME}` (never logged).',
    ),
  timeoutMs: z.number().int().positive().default(30_000).describe('Deadline of one JSON-RPC call, in ms.'),
});

export const odooPollingSourceConfig = odooConnectionConfig.extend(
  pollSourceConfig.omit({ entity: true, cursor: true }).shape,
);

export type OdooPollingSourceConfig = z.output<typeof odooPollingSourceConfig>;

const ENTITY = 'sale.order';

/**
 * sale.order changes by polling `write_date` through the poll transport (keyset pages, overlap window), each order a
 * document with its lines. Its CloudEvents id is the version (`sale.order:<id>@<write_date>#<digest>`), and the
 * versions of the overlap window ride in the position, so neither an edit is lost nor a version sent twice across
 * restarts.
 */
export function createOdooPollingSource(
  config: OdooPollingSourceConfig,
  context: ConnectorContext,
): SourceTask {
  const { url, db, username, password, timeoutMs, ...poll } = config;
  const client = createOdooClient({ url, db, username, password, timeoutMs }, context);
  const emitted = new EmittedVersions(poll.overlapMs);
  const source = createPollSource(
    {
      config: { ...poll, entity: ENTITY, cursor: 'updated-since' },
      fetchPage: (cursor, signal, pageSize) => fetchSaleOrders(client, cursor, signal, pageSize),
    },
    context,
  );
  return {
    async start(positions) {
      emitted.restore(positions.get(ENTITY));
      await source.start(positions);
    },
    async poll() {
      const documents = emitted.filter(await source.poll());
      for (const document of documents) if (document.deliveryId) document.id = document.deliveryId;
      return documents;
    },
    commit: (documents, outcome) => source.commit(documents, outcome),
    stop: () => source.stop(),
  };
}
