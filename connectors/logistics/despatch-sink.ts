import { z } from 'zod';
import type { ConnectorContext } from '../sdk/index.ts';
import { definePlugin, type SinkTask } from '../sdk/index.ts';
import { createHttpSink, httpSinkConfig } from '../transports/http-sink.ts';

export const despatchSinkConfig = httpSinkConfig.extend({
  asnFormat: z
    .enum(['x12-856', 'edifact-desadv'])
    .default('x12-856')
    .describe(
      'The ASN the provider sends back for each despatch: `x12-856` or `edifact-desadv` (read it with `logistics-asn-file-source`).',
    ),
  partner: z
    .string()
    .regex(/^[A-Za-z0-9]{2,15}$/, 'partner must be 2 to 15 letters or digits (an EDI id)')
    .describe(
      "The hub's trading-partner id at the provider (2–15 letters or digits), used in the ASN envelopes.",
    ),
});

export type DespatchSinkConfig = z.output<typeof despatchSinkConfig>;

const PATH = '/api/despatch-requests';

/**
 * Confirmed sales orders → the provider's `POST /api/despatch-requests`, one per record, written by the
 * connector's from-canonical mapping (default `logistics/despatch-request.from-canonical.yaml`; an event it yields
 * nothing for is skipped). The record's idempotency key goes in `Idempotency-Key`, so a retry after a lost answer
 * is applied once. A 409 `duplicate-order` (the order was requested before, e.g. by a later event of the same
 * order) is done, not an error; any other 4xx is dead-lettered with the provider's problem details in the reason.
 */
export function createDespatchSink(config: DespatchSinkConfig, context: ConnectorContext): SinkTask {
  const { asnFormat, partner, ...http } = config;
  return createHttpSink(
    {
      config: http,
      request: async (record) => {
        const [document] = await context.toSystem(record.value);
        if (!document) return null;
        const body = JSON.parse(document.toString('utf8')) as Record<string, unknown>;
        return {
          method: 'POST',
          path: PATH,
          body: { ...body, format: body.format ?? asnFormat, partner: body.partner ?? partner },
        };
      },
      alreadyApplied: (refusal) =>
        refusal.status === 409 && refusal.responseBody.includes('duplicate-order')
          ? 'despatch already requested for this order'
          : undefined,
    },
    context,
  );
}

export const despatchSink = definePlugin({
  type: 'logistics-despatch-sink',
  kind: 'sink',
  description:
    "Confirmed canonical sales orders as despatch requests to the logistics provider's API (idempotent, retried, refused ones dead-lettered).",
  config: despatchSinkConfig,
  defaults: { mapping: 'logistics/despatch-request.from-canonical.yaml', topics: ['canonical.sales-order'] },
  createSink: (config, context) => createDespatchSink(config, context),
});
