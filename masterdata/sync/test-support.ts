/**
 * The setups the sync specs share, on the real broker, registry and PostgreSQL: two systems whose events a spec hands
 * to the matcher itself (`erpAndFingerprintedCrm`, below), and the three-system setup (three-systems, create, erasure), on the real broker,
 * registry and PostgreSQL: the Salesforce, HubSpot and Odoo simulators, each echoing every API write in its own
 * way (Salesforce: a CDC event stamped with the API client; HubSpot: webhooks stamped INTEGRATION + app id; Odoo:
 * the polled record's write_uid is the integration user), their real source and sink connectors, the matcher and
 * the golden sync relay, every system pushed to.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../../connectors/index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../../connectors/transports/test-support.ts';
import type { CustomerEvent, CustomerPartyMaster } from '../../schemas/types.generated.ts';
import type { StartOptions } from '../../simulators/common/types.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { type OdooHarness, startOdoo, UID } from '../../simulators/odoo/test-support.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { parseMdmConfig } from '../config.ts';
import { type CustomerMatcher, startCustomerMatcher } from '../consumer.ts';
import { matchEvents } from '../match-events.ts';
import type { GoldenView, MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { type GoldenSync, startGoldenSync } from './index.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

export interface Effect {
  seq: number;
  entityId: string;
  operation: string;
  idempotencyKey?: string;
  detail?: { method?: string; uid?: number };
}

export interface ThreeSystems {
  bus: ReturnType<typeof testBus>;
  sf: SalesforceHarness;
  hs: HubSpotHarness;
  odoo: OdooHarness;
  runtime: ConnectorRuntime;
  store: MasterDataStore;
  sync: GoldenSync;
  matcher: CustomerMatcher;
  names: {
    customerTopic: string;
    goldenTopic: string;
    commandPrefix: string;
    clientName: string;
    sfSource: string;
    sfSink: string;
    hsSource: string;
    hsSink: string;
    odooSource: string;
    odooSink: string;
  };
  /** Subscribes the Salesforce CDC source to one more channel (`/data/AccountChangeEvent`). */
  sfSubscribe(channel: string): Promise<void>;
  /** The answer's body, after checking it succeeded. */
  ok<T>(answer: Promise<{ status: number; body: T }>, what: string): Promise<T>;
  /** The hub's writes into each simulator (its sinks' idempotency keys; Odoo's integration user), per entity. */
  hubWrites(): Promise<{ salesforce: Effect[]; hubspot: Effect[]; odoo: Effect[] }>;
  /** Rows the relay still has to publish (golden changes and erasures). */
  outbox(): Promise<number>;
  /**
   * Waits until nothing moves any more: the outboxes empty, the sinks' lag zero, the simulators' webhook queues
   * drained, and the hub's writes and the matcher's counts the same on two looks in a row.
   */
  settle(): Promise<void>;
  sfContact(id: string): Promise<Record<string, string | null>>;
  hsContact(id: string): Promise<Record<string, string | null>>;
  odooPartner(id: number): Promise<Record<string, unknown>>;
  /** A person's edit in Odoo (`/sim/edit`); its new id. */
  odooEdit(values: Record<string, unknown>, id?: number): Promise<number>;
  goldenOf(system: string, id: string): Promise<GoldenView>;
  close(): Promise<void>;
}

export async function startThreeSystems(
  options: {
    /** The golden topic (created by the caller when it needs its own config); default a fresh one. */
    goldenTopic?: string;
    /** Start options per simulator, e.g. `statePath` to read their whole state from disk. */
    simulators?: { salesforce?: StartOptions; hubspot?: StartOptions; odoo?: StartOptions };
    /** The systems the hub creates golden customers in when they hold none of them (`create: true`). */
    create?: Array<'salesforce' | 'hubspot' | 'odoo'>;
    /** Survivorship rules per field beside the default mostRecent (e.g. a trusted source of phones). */
    fields?: Record<string, { rule: string; priority?: string[] }>;
    /** HubSpot companies: read by its source and written by its sink (both `companies: true`). */
    hubspotCompanies?: boolean;
  } = {},
): Promise<ThreeSystems> {
  const bus = testBus('/eai/tests/mdm-sync');
  const names = {
    customerTopic: unique('mdm-sync-customers'),
    goldenTopic: options.goldenTopic ?? unique('mdm-golden'),
    commandPrefix: `${unique('mdm-sync-cmd')}.`,
    clientName: `eai-hub-${randomBytes(3).toString('hex')}`,
    sfSource: unique('mdm-sf-cdc'),
    sfSink: unique('mdm-sf-sink'),
    hsSource: unique('mdm-hs-hooks'),
    hsSink: unique('mdm-hs-sink'),
    odooSource: unique('mdm-odoo-poll'),
    odooSink: unique('mdm-odoo-sink'),
  };
  const { customerTopic, commandPrefix: prefix, clientName, sfSource, sfSink, hsSource, hsSink } = names;
  const { odooSource, odooSink } = names;
  await bus.provisionTopics([{ topic: customerTopic, partitions: 3 }]);
  const sf = await startSalesforce(options.simulators?.salesforce);
  const hs = await startHubSpot(options.simulators?.hubspot);
  const odoo = await startOdoo(options.simulators?.odoo);
  const creates = (system: 'salesforce' | 'hubspot' | 'odoo') => options.create?.includes(system) ?? false;
  const config = parseMdmConfig({
    // The sync-friendly rule: the latest change of each field wins, whichever system made it.
    survivorship: { default: { rule: 'mostRecent' }, fields: options.fields ?? {} },
    sync: {
      systems: {
        salesforce: { push: true, create: creates('salesforce'), hubChangeOrigin: [`client=${clientName}`] },
        hubspot: {
          push: true,
          create: creates('hubspot'),
          hubChangeOrigin: ['INTEGRATION'],
          hubChangedBy: [String(hs.app.appId)],
        },
        odoo: { push: true, create: creates('odoo'), hubChangedBy: [String(UID)] },
      },
      goldenTopic: names.goldenTopic,
      commandTopicPrefix: prefix,
      pollMs: 200,
    },
  });
  const store = await scratchStore(testStack().databaseUrl, config, 'mdmsync');
  const sync = await startGoldenSync({ bus, store, logger });
  const matcher = await startCustomerMatcher({
    bus,
    store,
    topic: customerTopic,
    groupId: unique('mdm-sync-matcher'),
    fromBeginning: true,
    logger,
    onChange: () => sync.kick(),
  });
  await matcher.ready();
  const runtime = new ConnectorRuntime({
    bus,
    plugins: builtinPlugins,
    logger,
    group: unique('connect-mdm-sync'),
    sinkRetry: { retries: 2, initialDelayMs: 50, maxDelayMs: 200 },
    canonicalTopics: { 'eai.canonical.CustomerEvent': customerTopic },
  });
  await runtime.start();
  const odooConnection = { url: odoo.sim.url, db: 'odoo', username: 'eai', password: 'eai-api-key' };
  const definitions = [
    {
      name: sfSource,
      type: 'salesforce-cdc-source',
      mapping: 'salesforce/cdc.to-canonical.yaml',
      config: {
        signature: { scheme: 'none' },
        instanceUrl: sf.sim.url,
        clientId: 'eai-cdc-reader',
        clientSecret: envSecret('reader-secret'),
      },
    },
    {
      name: sfSink,
      type: 'salesforce-upsert-sink',
      topics: [`${prefix}salesforce`],
      mapping: 'salesforce/sobject.from-canonical.yaml',
      config: {
        instanceUrl: sf.sim.url,
        clientId: 'eai-hub-writer',
        clientSecret: envSecret('writer-secret'),
        clientName,
        retry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
      },
    },
    {
      name: hsSource,
      type: 'hubspot-contact-webhook-source',
      mapping: 'hubspot/contact.to-canonical.yaml',
      config: { clientSecret: envSecret(hs.app.clientSecret), companies: options.hubspotCompanies ?? false },
    },
    {
      name: hsSink,
      type: 'hubspot-upsert-sink',
      topics: [`${prefix}hubspot`],
      mapping: 'hubspot/batch-upsert.from-canonical.yaml',
      config: {
        baseUrl: hs.sim.url,
        accessToken: envSecret(hs.app.accessTokens[0]!),
        retry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
        companies: options.hubspotCompanies ?? false,
      },
    },
    {
      name: odooSource,
      type: 'odoo-polling-source',
      config: { ...odooConnection, intervalMs: 300, overlapMs: 5000, models: ['res.partner'] },
    },
    {
      name: odooSink,
      type: 'odoo-write-sink',
      topics: [`${prefix}odoo`],
      config: { ...odooConnection, retry: { retries: 3, initialDelayMs: 50, maxDelayMs: 300 } },
    },
  ];
  for (const definition of definitions) await runtime.put(definition, 'test');
  const servers: LoopbackWebhookServer[] = [
    await serveOnLoopback((r) => runtime.webhook(sfSource, r), `/webhooks/${sfSource}`),
    await serveOnLoopback((r) => runtime.webhook(hsSource, r), `/webhooks/${hsSource}`),
  ];

  const ok = async <T>(answer: Promise<{ status: number; body: T }>, what: string): Promise<T> => {
    const { status, body } = await answer;
    expect(status, `${what}: ${JSON.stringify(body)}`).toBeLessThan(300);
    return body;
  };
  await ok(
    sf.json('POST', '/sim/subscriptions', { url: servers[0]!.url, channel: '/data/ContactChangeEvent' }),
    'sf subscription',
  );
  await ok(hs.json('POST', '/sim/subscriptions', { url: servers[1]!.url }), 'hs subscription');

  const hubWrites = async () => {
    const sfEffects = (await ok(sf.json<{ effects: Effect[] }>('GET', '/sim/effects'), 'sf effects')).effects;
    const hsEffects = (await ok(hs.json<{ effects: Effect[] }>('GET', '/sim/effects'), 'hs effects')).effects;
    const odooEffects = (
      (await (await fetch(`${odoo.sim.url}/sim/effects?entityType=res.partner`)).json()) as {
        effects: Effect[];
      }
    ).effects;
    return {
      salesforce: sfEffects.filter((e) =>
        e.idempotencyKey?.startsWith(`${connectorKey(sfSink, runtime.group)}:`),
      ),
      hubspot: hsEffects.filter((e) =>
        e.idempotencyKey?.startsWith(`${connectorKey(hsSink, runtime.group)}:`),
      ),
      // Odoo keeps no idempotency keys: the hub's writes are the integration user's.
      odoo: odooEffects.filter((e) => e.detail?.uid === UID && e.detail.method !== undefined),
    };
  };
  const outbox = async () =>
    Number(
      (
        await store.pool.query<{ n: string }>(
          `select (select count(*) from "${store.schema}".golden_outbox)
                + (select count(*) from "${store.schema}".erasure_outbox) as n`,
        )
      ).rows[0]?.n,
    );
  const settle = async () => {
    let last = '';
    await waitFor(
      'the sync to settle',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        await sf.json('GET', '/sim/deliveries?wait=true');
        await hs.json('GET', '/sim/deliveries?wait=true');
        await sync.flush();
        const lags = await Promise.all(
          [sfSink, hsSink, odooSink].map(async (s) => (await runtime.status(s))?.metrics),
        );
        const writes = await hubWrites();
        const now = JSON.stringify([
          writes.salesforce.length,
          writes.hubspot.length,
          writes.odoo.length,
          matcher.counts,
          sync.counts,
        ]);
        const quiet =
          now === last && (await outbox()) === 0 && lags.every((m) => m !== undefined && m.lagRecords === 0);
        last = now;
        return quiet;
      },
      90_000,
    );
  };

  return {
    bus,
    sf,
    hs,
    odoo,
    runtime,
    store,
    sync,
    matcher,
    names,
    ok,
    sfSubscribe: async (channel) => {
      await ok(sf.json('POST', '/sim/subscriptions', { url: servers[0]!.url, channel }), 'sf subscription');
    },
    hubWrites,
    outbox,
    settle,
    sfContact: (id) =>
      ok(sf.json<Record<string, string | null>>('GET', `${API}/sobjects/Contact/${id}`), 'sf contact'),
    hsContact: async (id) =>
      (
        await ok(
          hs.json<{ properties: Record<string, string | null> }>(
            'GET',
            `/crm/v3/objects/contacts/${id}?properties=email,firstname,lastname,phone,eai_golden_id`,
          ),
          'hs contact',
        )
      ).properties,
    odooPartner: async (id) =>
      (
        await odoo.call<Array<Record<string, unknown>>>('res.partner', 'read', [[id]], {
          fields: ['name', 'email', 'phone', 'ref', 'write_uid'],
        })
      )[0]!,
    odooEdit: async (values, id) =>
      (
        (await (
          await fetch(`${odoo.sim.url}/sim/edit`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'res.partner', ...(id ? { id } : {}), values }),
          })
        ).json()) as { id: number }
      ).id,
    goldenOf: async (system, id) => {
      const goldenId = await store.xref(system, id);
      expect(goldenId, `${system} ${id} in the xref`).toBeTruthy();
      return (await store.golden(goldenId!))!;
    },
    async close() {
      // The configs topic is shared by every run: leave no connector behind whose env secret is gone.
      for (const definition of definitions) await runtime.remove(definition.name).catch(() => undefined);
      for (const server of servers) await server.close();
      await runtime.stop();
      await matcher.stop();
      await sync.stop();
      await sf.sim.close();
      await hs.sim.close();
      await odoo.sim.close();
      await dropStore(store);
    },
  };
}

/**
 * Two systems the hub pushes to, for the echo specs that hand events to the matcher themselves (fingerprint-pending,
 * echo-order): `erp` stamps its events with the integration user `hub` (a person's edit comes unstamped), `crm` stamps
 * nothing, so its echoes are known by their values alone (`fingerprint`); survivorship mostRecent; the golden sync
 * relay on topics of the spec's own. Registers its beforeAll / afterAll in the calling describe; `store` and `sync`
 * are there once beforeAll ran. `arrive` hands one event of a system's record to the matcher's transaction
 * (match-events.ts) as its consumer does, lets the relay send what it caused, and answers the event's classification
 * and golden id.
 */
export function erpAndFingerprintedCrm(name: string, schemaTag: string) {
  const bus = testBus(`/eai/tests/mdm-${name}`);
  const started = {} as { store: MasterDataStore; sync: GoldenSync };
  beforeAll(async () => {
    const config = parseMdmConfig({
      survivorship: { default: { rule: 'mostRecent' }, fields: {} },
      sync: {
        systems: {
          erp: { push: true, hubChangedBy: ['hub'] },
          crm: { push: true, fingerprint: true },
        },
        goldenTopic: unique(`${name}-golden`),
        commandTopicPrefix: `${unique(`${name}-cmd`)}.`,
        pollMs: 3_600_000,
      },
    });
    started.store = await scratchStore(testStack().databaseUrl, config, schemaTag);
    started.sync = await startGoldenSync({ bus, store: started.store });
  });
  afterAll(async () => {
    await started.sync?.stop();
    if (started.store) await dropStore(started.store);
  });
  const arrive = async (
    system: string,
    id: string,
    customer: Partial<CustomerPartyMaster>,
    changedFields: string[],
    at: string,
  ) => {
    const { store, sync } = started;
    const event = {
      changeType: 'UPDATED',
      changedFields,
      clearedFields: [],
      mergedIds: [],
      occurredAt: new Date(at),
      origin: { system, documentId: null, changeOrigin: null, changedBy: null },
      customer: { customerId: `${system}:${id}`, sourceIds: [{ system, id, idType: null }], ...customer },
    } as unknown as CustomerEvent;
    const [outcome] = await store.transaction((client) =>
      matchEvents(store, client, [{ system, sourceId: id, event }]),
    );
    await sync.flush();
    return { kind: outcome?.change?.kind, goldenId: outcome?.result?.goldenId };
  };
  return {
    get store() {
      return started.store;
    },
    get sync() {
      return started.sync;
    },
    arrive,
    phone: (number: string) => [{ number, isE164: true, use: null, primary: true }],
    goldenPhone: async (goldenId: string) =>
      (await started.store.golden(goldenId))?.record?.phones?.map((p) => p.number),
    heldPhone: async (system: string, id: string) =>
      (await started.store.sourceRecord(system, id))?.phones?.map((p) => p.number),
  };
}
