import type { ConnectorContext } from '../sdk/index.ts';
import { definePlugin, type SinkTask } from '../sdk/index.ts';
import { createHttpSink, httpSinkConfig } from '../transports/http-sink.ts';

export const returnSinkConfig = httpSinkConfig;

const PATH = '/api/return-authorizations';

/**
 * The hub's return orders (SalesOrderEvents with orderType RE) → the provider's `POST /api/return-authorizations`, one
 * per record, the body written by the connector's from-canonical mapping (default
 * `logistics/return-authorization.from-canonical.yaml`; an event it yields nothing for is skipped). The record's
 * idempotency key (`[<group>/]<connector>:<ce_id>`) goes in `Idempotency-Key`, so a redelivered command is applied once. A 409
 * `duplicate-return` (that RMA number was authorised before, e.g. by a later event of the same return order) is
 * done, not an error; any other 4xx is dead-lettered with the provider's problem details in the reason.
 */
export function createReturnSink(
  config: ReturnType<typeof returnSinkConfig.parse>,
  context: ConnectorContext,
): SinkTask {
  return createHttpSink(
    {
      config,
      request: async (record) => {
        const [document] = await context.toSystem(record.value);
        if (!document) return null;
        return { method: 'POST', path: PATH, body: JSON.parse(document.toString('utf8')) as unknown };
      },
      alreadyApplied: (refusal) =>
        refusal.status === 409 && refusal.responseBody.includes('duplicate-return')
          ? 'return already authorized under this RMA number'
          : undefined,
    },
    context,
  );
}

export const returnSink = definePlugin({
  type: 'logistics-return-sink',
  kind: 'sink',
  description:
    "The hub's return orders (SalesOrderEvent, orderType RE) as return authorizations to the logistics provider's API (idempotent by ce_id, retried, refused ones dead-lettered).",
  config: returnSinkConfig,
  defaults: {
    mapping: 'logistics/return-authorization.from-canonical.yaml',
    topics: ['canonical.sales-order'],
  },
  createSink: (config, context) => createReturnSink(config, context),
});
