import { z } from 'zod';
import type { Logger } from '../../lib/logger.ts';
import {
  type CustomerActivity,
  decidePair,
  displayName,
  type Erasure,
  eraseCustomer,
  erasureById,
  erasureOfGolden,
  erasureOfRecord,
  MasterDataConflictError,
  MasterDataNotFoundError,
  type MasterDataStore,
  mergeGolden,
  searchCustomers,
  unmergeById,
  writeBackHistory,
} from '../../masterdata/index.ts';
import { type AdminApi, HttpError, PERSONAL_DATA_ROLE, type RouteBackend } from '../api/index.ts';

/**
 * The customer master data routes of the admin API: a golden record with the source of each field, its members
 * and merge history; the cross-reference; search by name, email or phone with the matcher's own scoring; the
 * steward queue and a steward's decisions (accept / reject a pair, merge two golden records, unmerge); the
 * customer 360 from the canonical events the hub has seen; erasure (right to be forgotten) and its audit record.
 * The reads that answer with a customer's personal data (the golden record, search, the 360, the steward queue's
 * labels) need `PERSONAL_DATA_ROLE` (operator), as a dead letter's body does; the cross-reference (ids only) and an
 * erasure's audit record need `viewer`; decisions `operator`, erasure `admin`.
 *
 * A merged golden id answers with the golden record that holds it now (200, `requested` is the id asked for,
 * `Content-Location` the survivor's path): every id ever issued keeps working for clients that stored it.
 */
export interface CustomerRouteDeps {
  store: MasterDataStore;
  activity: CustomerActivity;
  /**
   * The golden sync relay: an erasure wakes it and waits (at most `erasureWaitMs`, default 10 s) for its
   * tombstones and commands to be published, so the answer says how far it got.
   */
  sync?: { kick(): void; flush(): Promise<void> };
  erasureWaitMs?: number;
  /** An audit line per decision (who, what, which ids); never a customer's data. */
  logger?: Logger;
  /** The master data's database (routes/postgres.ts postgresBackend): every route waits on it. */
  database: RouteBackend;
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
  .describe(
    'Per golden field: the member whose value won and the survivorship rule that chose it; per address use added from another member than the `addresses` winner (`addresses[SHIPPING]`: a use the winner lacks), the member it came from; per part of a golden address its source lacked and another member’s address of the same place gave (`addresses[BILLING].lines`), that member.',
  );

const historySchema = z.object({
  id: z.number().int().describe('The merge number (`POST /customers/merges/{mergeId}/unmerge`).'),
  kind: z.enum(['merge', 'split', 'unmerge']),
  goldenId: z.string(),
  absorbed: z.array(z.string()).describe('Golden ids it absorbed (a merge) or restored (an unmerge).'),
  at: z.string(),
  actor: z
    .string()
    .describe(
      "Who made it: `matcher` (a record matched as it arrived or was loaded), `rematch` (`eai mdm rematch`), `delete` (a source record deleted), `steward:<name>` (a steward's decision or merge; a merge made in a system itself, HubSpot's: `steward:hubspot-merge`) or `unmerge:<name>`.",
    ),
  undoneBy: z.number().int().nullable(),
});

const writeBackSchema = z.object({
  at: z.string(),
  goldenId: z
    .string()
    .describe('The golden id it was written for (one merged into this one since, or this one).'),
  system: z.string(),
  sourceId: z.string().nullable().describe('The record written to (null: by the golden id).'),
  fields: z
    .array(z.string())
    .describe('The golden fields written back (their values are the golden record’s).'),
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
    links: z
      .array(
        z.object({
          a: member,
          b: member,
          status: z.enum(['auto', 'accepted']),
          probability: z.number(),
          decidedBy: z
            .string()
            .nullable()
            .describe('Who accepted the link (the steward’s name, as `actor`); null for a scored one.'),
          decidedAt: z.string().nullable().describe('When it was accepted; null for a scored one.'),
        }),
      )
      .describe(
        "The links that hold the members together: pairs scored for auto-merge and a steward's accepted ones. Rejecting one (POST /customers/decisions) takes the records apart where nothing else links them.",
      ),
    history: z.array(historySchema),
    writeBacks: z
      .array(writeBackSchema)
      .describe(
        'Golden values the sync relay wrote back to a system whose own value of them lost survivorship, oldest first.',
      ),
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

const pairLabel = z.string().describe("The record's name, birth date and city, as it has them");

const pairSchema = z
  .object({
    a: member.extend({ goldenId: z.string(), label: pairLabel }),
    b: member.extend({ goldenId: z.string(), label: pairLabel }),
    probability: z.number(),
    reason: z
      .enum(['score', 'conflict', 'unmerged'])
      .describe(
        'score: scored between the thresholds; conflict: scored for auto-merge, but it would put into one golden record two records that conflict (a rejected pair, two birth dates or legal forms apart: config conflicts); unmerged: a link an unmerge took apart',
      ),
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

const erasureSchema = z
  .object({
    erasureId: z.string().describe('`er-` and a UUID: `GET /customers/erasures/{erasureId}`.'),
    goldenId: z.string().describe('The golden id asked for.'),
    goldenIds: z
      .array(z.string())
      .describe('Every golden id the customer had (merged ones too), all erased.'),
    requestedBy: z.string(),
    requestedAt: z.string(),
    systems: z
      .record(
        z.string(),
        z.object({
          records: z.number().int(),
          status: z
            .enum(['pending', 'sent', 'confirmed', 'no-sink'])
            .describe(
              '`pending`: the erasure command waits to be published; `sent`: on the system’s command topic, for its sink; `confirmed`: the system’s delete came back; `no-sink`: the system is not pushed to, erase it there by hand.',
            ),
        }),
      )
      .describe('Per system holding the customer: its records and how far their erasure got.'),
    counts: z.record(z.string(), z.number().int()).describe('Rows removed from the hub, per kind.'),
    status: z
      .enum(['pending', 'published'])
      .describe('`published` once every tombstone and erasure command is on the bus.'),
    publishedAt: z.string().nullable(),
    repeated: z.boolean().optional().describe('True when the customer had been erased before: that erasure.'),
  })
  .meta({ id: 'CustomerErasure' });

/**
 * Why the reads of customers are not a viewer's: in every 403 for them (and the document), so a caller knows which
 * token they take and what a viewer may read instead.
 */
export const CUSTOMER_ROLE_REASON =
  "a customer's golden record, search hits, 360 and steward pairs are personal data (names, emails, phones, addresses); viewers read the cross-reference, GET /customers/xref/{system}/{sourceId}, ids only";

const notFound = (what: string) => ({ description: `No such ${what}.` });
const erased = { description: 'Erased (right to be forgotten): the answer names the erasure.' };

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
    if (!resolved || !golden) {
      const erasure = await erasureOfGolden(store.pool, store.schema, goldenId);
      if (erasure) throw new HttpError(410, `golden customer ${goldenId} was erased (${erasure.erasureId})`);
      throw new HttpError(404, `no golden customer ${goldenId}`);
    }
    return golden;
  }

  /** Erases, wakes the relay and waits a while for it, then answers with the audit record as it stands. */
  async function erase(
    request: { goldenId?: string; record?: { system: string; sourceId: string } },
    principal: string,
  ) {
    const result = await answering(() => eraseCustomer(store, { ...request, requestedBy: principal }));
    deps.logger?.info(
      { principal, erasureId: result.erasureId, goldenIds: result.goldenIds, repeated: result.repeated },
      'customer erased',
    );
    let latest: Erasure = result;
    if (deps.sync && result.status === 'pending') {
      deps.sync.kick();
      const waited = await Promise.race([
        deps.sync.flush().then(
          () => true,
          () => false,
        ),
        new Promise<false>((done) => setTimeout(done, deps.erasureWaitMs ?? 10_000, false).unref()),
      ]);
      if (waited) latest = (await erasureById(store, result.erasureId)) ?? result;
    }
    return {
      status: result.repeated ? 200 : 202,
      headers: { Location: `/customers/erasures/${result.erasureId}` },
      body: { ...latest, repeated: result.repeated },
    };
  }
  const erasureResponses = {
    200: { description: 'Erased before: that erasure.', schema: erasureSchema },
    202: {
      description:
        'Erased from the hub; the tombstones and the systems’ erasure commands are published (or about to be): the systems’ deletes follow (`systems.*.status`).',
      schema: erasureSchema,
    },
  };
  const located = (requested: string, goldenId: string): Record<string, string> =>
    requested === goldenId ? {} : { 'Content-Location': `/customers/${goldenId}` };

  api.route(
    {
      method: 'get',
      path: '/customers',
      summary: 'Find golden customers by name, email or phone, best match first',
      description:
        'An id (a golden id, a source id as system:id or alone) names its customer (kind id). Otherwise the query becomes a probe record: an address with @ is an email, digits (with +, spaces, dashes, brackets) a phone (read as E.164 as the matcher reads phones: a national number in the configured defaultCountry, or with none configured in every region where it is valid), anything else a name (tried as an organisation and as a person; one word as a family or a given name; an organisation is found by any significant word of its name, not by its legal form). It is standardised, blocked and scored by the matcher itself; golden records are ranked by their best member.',
      tag,
      role: PERSONAL_DATA_ROLE,
      roleReason: CUSTOMER_ROLE_REASON,
      backend: deps.database,
      query: z.object({
        q: z
          .string()
          .trim()
          .min(2, 'must be at least 2 characters')
          .max(200)
          .describe('Id, name (given or family alone too, any word of a company name), email or phone.'),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
      responses: {
        200: {
          description: 'The matches.',
          schema: z
            .object({ kind: z.enum(['id', 'name', 'email', 'phone', 'taxId']), hits: z.array(hitSchema) })
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
      role: PERSONAL_DATA_ROLE,
      roleReason: CUSTOMER_ROLE_REASON,
      backend: deps.database,
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
      backend: deps.database,
      body: z
        .object({ decision: z.enum(['accept', 'reject']), a: recordKey, b: recordKey })
        .meta({ id: 'StewardDecision' }),
      responses: {
        200: {
          description:
            'The golden ids of the two records after the decision, and the records of their golden records that a conflict now holds apart from both (`splitOff`, with their golden id: their links wait in the steward queue).',
          schema: z.object({
            decision: z.string(),
            a: z.string().nullable(),
            b: z.string().nullable(),
            splitOff: z.array(z.object({ system: z.string(), sourceId: z.string(), goldenId: z.string() })),
          }),
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
      backend: deps.database,
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
        409: {
          description:
            'Already undone, its records moved since (undo the later changes first), or the entry is no merge (a split).',
        },
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
      method: 'post',
      path: '/customers/{goldenId}/erasure',
      summary:
        'Erases a golden customer (right to be forgotten): from the hub, the golden topic and every system that holds it',
      description:
        'Removes every row of the hub that holds the customer (source records, blocking keys, scored pairs and steward decisions, golden rows and the ids merged into them, merge history naming them, sync state, customer 360 documents), keeps an audit record without personal data, tombstones each golden id on the compacted golden topic and sends each system that holds a record an erasure command, which its sink turns into the system’s own delete (Salesforce delete + emptyRecycleBin, HubSpot GDPR delete, Odoo unlink). Later events of the erased records are dropped.',
      tag,
      role: 'admin',
      backend: deps.database,
      params: goldenParams,
      responses: { ...erasureResponses, 404: notFound('golden id') },
    },
    async ({ params, principal }) => erase({ goldenId: params.goldenId }, principal.name),
  );

  api.route(
    {
      method: 'post',
      path: '/customers/xref/{system}/{sourceId}/erasure',
      summary:
        'Erases the golden customer a system’s record belongs to (as POST /customers/{goldenId}/erasure)',
      tag,
      role: 'admin',
      backend: deps.database,
      params: recordKey,
      responses: { ...erasureResponses, 404: notFound('record') },
    },
    async ({ params, principal }) =>
      erase({ record: { system: params.system, sourceId: params.sourceId } }, principal.name),
  );

  api.route(
    {
      method: 'get',
      path: '/customers/erasures/{erasureId}',
      summary: 'An erasure’s audit record: ids, systems and how far each got, counts, who and when',
      tag,
      role: 'viewer',
      backend: deps.database,
      params: z.object({
        erasureId: z
          .string()
          .regex(/^er-[0-9a-f-]{36}$/, 'must be an erasure id: er- and a UUID')
          .describe('From the erasure’s answer.'),
      }),
      responses: {
        200: { description: 'The audit record.', schema: erasureSchema },
        404: notFound('erasure'),
      },
    },
    async ({ params }) => {
      const erasure = await erasureById(store, params.erasureId);
      if (!erasure) throw new HttpError(404, `no erasure ${params.erasureId}`);
      return { status: 200, body: erasure };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/customers/xref/{system}/{sourceId}',
      summary: "The golden id of a system's customer record (the cross-reference)",
      tag,
      role: 'viewer',
      backend: deps.database,
      params: recordKey,
      responses: {
        200: { description: 'The golden id.', schema: xrefSchema },
        404: notFound('record'),
        410: erased,
      },
    },
    async ({ params }) => {
      const goldenId = await store.xref(params.system, params.sourceId);
      if (!goldenId) {
        // As the golden id answers: an erased customer's record is not an unknown one (erased_key holds its hash).
        const erasureId = await erasureOfRecord(store.pool, store.schema, params.system, params.sourceId);
        if (erasureId)
          throw new HttpError(410, `${params.system} customer ${params.sourceId} was erased (${erasureId})`);
        throw new HttpError(404, `no ${params.system} customer ${params.sourceId} in the cross-reference`);
      }
      return { status: 200, body: { system: params.system, sourceId: params.sourceId, goldenId } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/customers/{goldenId}',
      summary:
        'A golden customer: its values, the source of each field, its members, its merge history and write-backs',
      description:
        'A merged id answers with the golden record that holds it now (`requested` is the id asked for, `Content-Location` the current one).',
      tag,
      role: PERSONAL_DATA_ROLE,
      roleReason: CUSTOMER_ROLE_REASON,
      backend: deps.database,
      params: goldenParams,
      responses: {
        200: { description: 'The golden record.', schema: goldenSchema },
        404: notFound('golden id'),
        410: erased,
      },
    },
    async ({ params }) => {
      const golden = await current(params.goldenId);
      const history = (await store.mergeHistory(golden.goldenId)).map((h) => ({
        id: h.id,
        kind: h.kind as 'merge' | 'split' | 'unmerge',
        goldenId: h.goldenId,
        absorbed: h.absorbed,
        at: h.at.toISOString(),
        actor: h.actor,
        undoneBy: h.undoneBy,
      }));
      const writeBacks = (await writeBackHistory(store.pool, store.schema, golden.goldenId)).map((w) => ({
        ...w,
        at: w.at.toISOString(),
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
          links: golden.links.map((l) => ({ ...l, decidedAt: l.decidedAt?.toISOString() ?? null })),
          history,
          writeBacks,
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
      backend: deps.database,
      params: goldenParams,
      body: z.object({ with: goldenIdSchema.describe('The golden record to merge with.') }),
      responses: {
        200: {
          description:
            'The golden id that holds both now, the ids merged into it, and the records a conflict now holds apart from both (`splitOff`, as a decision answers).',
          schema: z.object({
            goldenId: z.string(),
            merged: z.array(z.string()),
            splitOff: z.array(z.object({ system: z.string(), sourceId: z.string(), goldenId: z.string() })),
          }),
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
      role: PERSONAL_DATA_ROLE,
      roleReason: CUSTOMER_ROLE_REASON,
      backend: deps.database,
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
        410: erased,
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
      const name = displayName(record);
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
