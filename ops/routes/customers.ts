import { z } from 'zod';
import type { Logger } from '../../lib/logger.ts';
import {
  type CustomerActivity,
  decidePair,
  MasterDataConflictError,
  MasterDataNotFoundError,
  type MasterDataStore,
  mergeGolden,
  searchCustomers,
  unmergeById,
} from '../../masterdata/index.ts';
import { type AdminApi, HttpError } from '../api/index.ts';

/**
 * The customer master data routes of the admin API: a golden record with the source of each field, its members
 * and merge history; the cross-reference; search by name, email or phone with the matcher's own scoring; the
 * steward queue and a steward's decisions (accept / reject a pair, merge two golden records, unmerge); and the
 * customer 360 from the canonical events the hub has seen. Reads need `viewer`, decisions `operator`.
 *
 * A merged golden id answers with the golden record that holds it now (200, `requested` is the id asked for,
 * `Content-Location` the survivor's path): every id ever issued keeps working for clients that stored it.
 */
export interface CustomerRouteDeps {
  store: MasterDataStore;
  activity: CustomerActivity;
  /** An audit line per decision (who, what, which ids); never a customer's data. */
  logger?: Logger;
}

const tag = 'customers';
const goldenIdSchema = z
  .string()
  .regex(/^gc-[0-9a-f]{20}$/, 'must be a golden id: gc- and 20 hex digits')
  .describe('A golden id, e.g. `gc-1a2b3c4d5e6f70819203`.');
const goldenParams = z.object({ goldenId: goldenIdSchema });
const recordKey = z
  .object({
    system: z.string().min(1).max(100).describe('e.g. `sap`, `salesforce`.'),
    sourceId: z.string().min(1).max(200).describe("The record's id in that system."),
  })
  .meta({ id: 'CustomerRecordKey' });
const member = z.object({ system: z.string(), sourceId: z.string() });
const lineage = z
  .record(z.string(), z.object({ system: z.string(), sourceId: z.string(), rule: z.string() }))
  .describe('Per golden field: the member whose value won and the survivorship rule that chose it.');

const historySchema = z.object({
  id: z.number().int().describe('The merge number (`POST /customers/merges/{mergeId}/unmerge`).'),
  kind: z.enum(['merge', 'split', 'unmerge']),
  goldenId: z.string(),
  absorbed: z.array(z.string()).describe('Golden ids it absorbed (a merge) or restored (an unmerge).'),
  at: z.string(),
  actor: z.string().describe('`matcher`, `steward:<name>` or `unmerge:<name>`.'),
  undoneBy: z.number().int().nullable(),
});

const goldenSchema = z
  .object({
    requested: z
      .string()
      .describe('The id asked for; differs from goldenId when it was merged into this one.'),
    goldenId: z.string(),
    status: z.enum(['active', 'merged']),
    record: z.record(z.string(), z.unknown()).nullable().describe('The golden values: a canonical Customer.'),
    lineage: lineage.nullable(),
    members: z.array(member).describe('The source records (the cross-reference of this golden record).'),
    history: z.array(historySchema),
  })
  .meta({ id: 'GoldenCustomer' });

const xrefSchema = z
  .object({ system: z.string(), sourceId: z.string(), goldenId: z.string() })
  .meta({ id: 'CustomerXref' });

const hitSchema = z.object({
  goldenId: z.string(),
  name: z.string().nullable(),
  weight: z
    .number()
    .describe('Match weight (Σ log2 m/u) of the best member over the fields the query gives.'),
  probability: z.number().describe('Match probability with the model prior; weak for a name alone.'),
  matched: member.describe('The member that matched best.'),
});

const pairSchema = z
  .object({
    a: member.extend({ goldenId: z.string() }),
    b: member.extend({ goldenId: z.string() }),
    probability: z.number(),
  })
  .meta({ id: 'StewardPair' });

const money = z.object({ amount: z.string(), currency: z.string() }).nullable();
const shipmentSchema = z.object({
  shipmentId: z.string(),
  shipmentNumber: z.string().nullable(),
  status: z.string(),
  carrier: z.string().nullable(),
  trackingNumbers: z.array(z.string()),
  shippedAt: z.string().nullable(),
  estimatedArrival: z.string().nullable(),
  updatedAt: z.string(),
});
const customer360Schema = z
  .object({
    requested: z.string(),
    goldenId: z.string(),
    name: z.string().nullable(),
    members: z.array(member),
    credit: z
      .array(
        z.object({
          system: z.string(),
          sourceId: z.string(),
          limit: money,
          exposure: money,
          available: money.describe('limit − exposure when both are in one currency.'),
          rating: z.string().nullable(),
        }),
      )
      .describe('Credit as each system that keeps it (the ERP) last sent it on canonical.customer.'),
    openOrders: z.array(
      z.object({
        orderId: z.string(),
        system: z.string(),
        orderNumber: z.string().nullable(),
        orderType: z.string().nullable(),
        status: z.string(),
        total: money,
        orderDate: z.string().nullable(),
        updatedAt: z.string(),
        shipments: z.array(shipmentSchema),
      }),
    ),
    recentCases: z.array(
      z.object({
        caseId: z.string(),
        caseNumber: z.string().nullable(),
        subject: z.string().nullable(),
        status: z.string(),
        priority: z.string().nullable(),
        orderNumber: z.string().nullable(),
        openedAt: z.string().nullable(),
        closedAt: z.string().nullable(),
        updatedAt: z.string(),
      }),
    ),
    openCases: z.number().int(),
  })
  .meta({ id: 'Customer360' });

const notFound = (what: string) => ({ description: `No such ${what}.` });

/** Store errors as answers: not found 404, a state conflict 409. */
function answering<T>(work: () => Promise<T>): Promise<T> {
  return work().catch((error: unknown) => {
    if (error instanceof MasterDataNotFoundError) throw new HttpError(404, error.message);
    if (error instanceof MasterDataConflictError) throw new HttpError(409, error.message);
    throw error;
  });
}

/** (limit − exposure) when both are there in one currency, with the larger of their decimal places. */
function available(
  limit: { amount: string; currency: string } | null | undefined,
  exposure: { amount: string; currency: string } | null | undefined,
) {
  if (!limit || !exposure || limit.currency !== exposure.currency) return null;
  const places = Math.max(...[limit.amount, exposure.amount].map((a) => a.split('.')[1]?.length ?? 0));
  const scale = 10n ** BigInt(places);
  const units = (a: string) => {
    const [whole = '0', fraction = ''] = a.replace('-', '').split('.');
    const value = BigInt(whole) * scale + BigInt(fraction.padEnd(places, '0') || '0');
    return a.startsWith('-') ? -value : value;
  };
  const diff = units(limit.amount) - units(exposure.amount);
  const abs = diff < 0n ? -diff : diff;
  const text = places ? `${abs / scale}.${String(abs % scale).padStart(places, '0')}` : String(abs);
  return { amount: `${diff < 0n ? '-' : ''}${text}`, currency: limit.currency };
}

export function registerCustomerRoutes(api: AdminApi, deps: CustomerRouteDeps): void {
  const { store } = deps;

  async function current(goldenId: string) {
    const resolved = await store.resolve(goldenId);
    const golden = resolved ? await store.golden(resolved) : null;
    if (!resolved || !golden) throw new HttpError(404, `no golden customer ${goldenId}`);
    return golden;
  }
  const located = (requested: string, goldenId: string): Record<string, string> =>
    requested === goldenId ? {} : { 'Content-Location': `/customers/${goldenId}` };

  api.route(
    {
      method: 'get',
      path: '/customers',
      summary: 'Find golden customers by name, email or phone, best match first',
      description:
        'The query becomes a probe record: an address with @ is an email, digits (with +, spaces, dashes, brackets) a phone, anything else a name (tried as an organisation and as a person). It is standardised, blocked and scored by the matcher itself; golden records are ranked by their best member.',
      tag,
      role: 'viewer',
      query: z.object({
        q: z
          .string()
          .trim()
          .min(2, 'must be at least 2 characters')
          .max(200)
          .describe('Name, email or phone.'),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
      responses: {
        200: {
          description: 'The matches.',
          schema: z
            .object({ kind: z.enum(['name', 'email', 'phone']), hits: z.array(hitSchema) })
            .meta({ id: 'CustomerSearchResult' }),
        },
      },
    },
    async ({ query }) => ({
      status: 200,
      body: await searchCustomers(store, query.q, { limit: query.limit }),
    }),
  );

  api.route(
    {
      method: 'get',
      path: '/customers/review',
      summary: 'The steward queue: pairs scored between the review and auto-merge thresholds',
      tag,
      role: 'viewer',
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      responses: {
        200: {
          description: 'The pairs, most probable first, and how many wait in all.',
          schema: z.object({ pairs: z.array(pairSchema), waiting: z.number().int() }),
        },
      },
    },
    async ({ query }) => ({
      status: 200,
      body: { pairs: await store.reviewQueue(query.limit), waiting: (await store.stats()).review },
    }),
  );

  api.route(
    {
      method: 'post',
      path: '/customers/decisions',
      summary: "A steward's decision on a pair: accept (their golden records merge) or reject (kept apart)",
      tag,
      role: 'operator',
      body: z
        .object({ decision: z.enum(['accept', 'reject']), a: recordKey, b: recordKey })
        .meta({ id: 'StewardDecision' }),
      responses: {
        200: {
          description: 'The golden ids of the two records after the decision.',
          schema: z.object({ decision: z.string(), a: z.string().nullable(), b: z.string().nullable() }),
        },
        404: notFound('customer record'),
        409: { description: 'The two keys name one record.' },
      },
    },
    async ({ body, principal }) => {
      const result = await answering(() => decidePair(store, body.a, body.b, body.decision, principal.name));
      deps.logger?.info(
        { principal: principal.name, decision: body.decision, a: result.a, b: result.b },
        'steward decision',
      );
      return { status: 200, body: { decision: body.decision, ...result } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/customers/merges/{mergeId}/unmerge',
      summary: 'Undoes a merge: the golden records it absorbed come back exactly as they were',
      tag,
      role: 'operator',
      params: z.object({
        mergeId: z.coerce
          .number()
          .int()
          .min(1)
          .describe('The merge number from the golden record’s history.'),
      }),
      responses: {
        200: {
          description: 'The golden ids restored.',
          schema: z.object({ mergeId: z.number().int(), restored: z.array(z.string()) }),
        },
        404: notFound('merge'),
        409: { description: 'Already undone, or its records moved since (undo the later changes first).' },
      },
    },
    async ({ params, principal }) => {
      const restored = await answering(() => unmergeById(store, params.mergeId, principal.name));
      deps.logger?.info({ principal: principal.name, mergeId: params.mergeId, restored }, 'steward unmerge');
      return { status: 200, body: { mergeId: params.mergeId, restored } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/customers/xref/{system}/{sourceId}',
      summary: "The golden id of a system's customer record (the cross-reference)",
      tag,
      role: 'viewer',
      params: recordKey,
      responses: { 200: { description: 'The golden id.', schema: xrefSchema }, 404: notFound('record') },
    },
    async ({ params }) => {
      const goldenId = await store.xref(params.system, params.sourceId);
      if (!goldenId)
        throw new HttpError(404, `no ${params.system} customer ${params.sourceId} in the cross-reference`);
      return { status: 200, body: { system: params.system, sourceId: params.sourceId, goldenId } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/customers/{goldenId}',
      summary: 'A golden customer: its values, the source of each field, its members and merge history',
      description:
        'A merged id answers with the golden record that holds it now (`requested` is the id asked for, `Content-Location` the current one).',
      tag,
      role: 'viewer',
      params: goldenParams,
      responses: {
        200: { description: 'The golden record.', schema: goldenSchema },
        404: notFound('golden id'),
      },
    },
    async ({ params }) => {
      const golden = await current(params.goldenId);
      const history = (await store.mergeHistory(golden.goldenId)).map((h) => ({
        id: h.id,
        kind: h.kind as 'merge' | 'split' | 'unmerge',
        goldenId: h.golden_id,
        absorbed: h.absorbed,
        at: h.at.toISOString(),
        actor: h.actor,
        undoneBy: h.undoneBy,
      }));
      return {
        status: 200,
        headers: located(params.goldenId, golden.goldenId),
        body: {
          requested: params.goldenId,
          goldenId: golden.goldenId,
          status: golden.status,
          record: golden.record as unknown as Record<string, unknown> | null,
          lineage: golden.lineage,
          members: golden.members,
          history,
        },
      };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/customers/{goldenId}/merge',
      summary:
        'Merges another golden record into this one (a steward-accepted pair of their founding records)',
      tag,
      role: 'operator',
      params: goldenParams,
      body: z.object({ with: goldenIdSchema.describe('The golden record to merge with.') }),
      responses: {
        200: {
          description: 'The golden id that holds both now, and the ids merged into it.',
          schema: z.object({ goldenId: z.string(), merged: z.array(z.string()) }),
        },
        404: notFound('golden id'),
        409: { description: 'They are one golden record already.' },
      },
    },
    async ({ params, body, principal }) => {
      const result = await answering(() => mergeGolden(store, params.goldenId, body.with, principal.name));
      deps.logger?.info({ principal: principal.name, ...result }, 'steward merge');
      return { status: 200, body: result };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/customers/{goldenId}/360',
      summary: 'The customer across systems: credit, open orders with their shipments, recent cases',
      description:
        'From the canonical events the hub has seen (sales orders, shipments, cases) of every member record, found through the cross-reference; credit as the systems that keep it sent it on canonical.customer.',
      tag,
      role: 'viewer',
      params: goldenParams,
      query: z.object({
        orders: z.coerce
          .number()
          .int()
          .min(1)
          .max(500)
          .default(50)
          .describe('At most this many open orders.'),
        cases: z.coerce
          .number()
          .int()
          .min(1)
          .max(500)
          .default(20)
          .describe('At most this many recent cases.'),
      }),
      responses: {
        200: { description: 'The customer 360.', schema: customer360Schema },
        404: notFound('golden id'),
      },
    },
    async ({ params, query }) => {
      const golden = await current(params.goldenId);
      const credit = [];
      for (const m of golden.members) {
        const c = (await store.sourceRecord(m.system, m.sourceId))?.credit;
        if (!c || (!c.limit && !c.exposure && !c.rating)) continue;
        credit.push({
          ...m,
          limit: c.limit ?? null,
          exposure: c.exposure ?? null,
          available: available(c.limit, c.exposure),
          rating: c.rating ?? null,
        });
      }
      const activity = await deps.activity.of(golden.members, { orders: query.orders, cases: query.cases });
      const record = golden.record;
      const name =
        record?.organizationName ??
        ([record?.person?.givenName, record?.person?.familyName].filter(Boolean).join(' ') || null);
      return {
        status: 200,
        headers: located(params.goldenId, golden.goldenId),
        body: {
          requested: params.goldenId,
          goldenId: golden.goldenId,
          name,
          members: golden.members,
          credit,
          ...activity,
        },
      };
    },
  );
}
