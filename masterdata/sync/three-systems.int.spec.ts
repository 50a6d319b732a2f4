/**
 * The echo test with three systems (issue 18, Done when), end to end on the real broker, registry and PostgreSQL:
 * the Salesforce, HubSpot and Odoo simulators, each echoing every API write in its own way (Salesforce: a CDC
 * event stamped with the API client; HubSpot: webhooks stamped INTEGRATION + app id; Odoo: the polled record's
 * write_uid is the integration user), their real source and sink connectors, the matcher and the golden sync
 * relay. A person's edit in one system reaches the other two once each, the echoes die out (no write after
 * quiescence), every system ends with the golden values, and a real edit made between a hub write and its echo
 * is not lost.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins, ConnectorRuntime } from '../../connectors/index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../../connectors/transports/test-support.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { type OdooHarness, startOdoo, UID } from '../../simulators/odoo/test-support.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { parseMdmConfig } from '../config.ts';
import { type CustomerMatcher, startCustomerMatcher } from '../consumer.ts';
import type { MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { type GoldenSync, startGoldenSync } from './index.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

interface Effect {
  seq: number;
  entityId: string;
  operation: string;
  idempotencyKey?: string;
  detail?: { method?: string; uid?: number };
}

describe('echo test with three systems: Salesforce, HubSpot and Odoo', () => {
  const bus = testBus('/eai/tests/mdm-sync');
  const customerTopic = unique('mdm-sync-customers');
  const prefix = `${unique('mdm-sync-cmd')}.`;
  const clientName = `eai-hub-${randomBytes(3).toString('hex')}`;
  const sfSource = unique('mdm-sf-cdc');
  const sfSink = unique('mdm-sf-sink');
  const hsSource = unique('mdm-hs-hooks');
  const hsSink = unique('mdm-hs-sink');
  const odooSource = unique('mdm-odoo-poll');
  const odooSink = unique('mdm-odoo-sink');
  let sf: SalesforceHarness;
  let hs: HubSpotHarness;
  let odoo: OdooHarness;
  let runtime: ConnectorRuntime;
  const servers: LoopbackWebhookServer[] = [];
  let store: MasterDataStore;
  let sync: GoldenSync;
  let matcher: CustomerMatcher;

  const ok = async <T>(answer: Promise<{ status: number; body: T }>, what: string): Promise<T> => {
    const { status, body } = await answer;
    expect(status, `${what}: ${JSON.stringify(body)}`).toBeLessThan(300);
    return body;
  };
  /** The hub's writes into each simulator (its sinks' idempotency keys), per entity. */
  const hubWrites = async () => {
    const sfEffects = (await ok(sf.json<{ effects: Effect[] }>('GET', '/sim/effects'), 'sf effects')).effects;
    const hsEffects = (await ok(hs.json<{ effects: Effect[] }>('GET', '/sim/effects'), 'hs effects')).effects;
    const odooEffects = (
      (await (await fetch(`${odoo.sim.url}/sim/effects?entityType=res.partner`)).json()) as {
        effects: Effect[];
      }
    ).effects;
    return {
      salesforce: sfEffects.filter((e) => e.idempotencyKey?.startsWith(`${sfSink}:`)),
      hubspot: hsEffects.filter((e) => e.idempotencyKey?.startsWith(`${hsSink}:`)),
      // Odoo keeps no idempotency keys: the hub's writes are the integration user's.
      odoo: odooEffects.filter((e) => e.detail?.uid === UID && e.detail.method !== undefined),
    };
  };
  const outbox = async () =>
    Number(
      (await store.pool.query<{ n: string }>(`select count(*) as n from "${store.schema}".golden_outbox`))
        .rows[0]?.n,
    );
  /**
   * Waits until nothing moves any more: the outbox empty, the sinks' lag zero, the simulators' webhook queues
   * drained, and the hub's writes and the matcher's counts the same on two looks in a row.
   */
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
  const sfContact = async (id: string) =>
    ok(sf.json<Record<string, string | null>>('GET', `${API}/sobjects/Contact/${id}`), 'sf contact');
  const hsContact = async (id: string) =>
    (
      await ok(
        hs.json<{ properties: Record<string, string | null> }>(
          'GET',
          `/crm/v3/objects/contacts/${id}?properties=email,firstname,lastname,phone,eai_golden_id`,
        ),
        'hs contact',
      )
    ).properties;
  const odooPartner = async (id: number) =>
    (
      await odoo.call<Array<Record<string, unknown>>>('res.partner', 'read', [[id]], {
        fields: ['name', 'email', 'phone', 'write_uid'],
      })
    )[0]!;
  const goldenOf = async (system: string, id: string) => {
    const goldenId = await store.xref(system, id);
    expect(goldenId, `${system} ${id} in the xref`).toBeTruthy();
    const golden = await store.golden(goldenId!);
    return golden!;
  };

  beforeAll(async () => {
    await bus.provisionTopics([{ topic: customerTopic, partitions: 3 }]);
    sf = await startSalesforce();
    hs = await startHubSpot();
    odoo = await startOdoo();
    const config = parseMdmConfig({
      // The sync-friendly rule: the latest change of each field wins, whichever system made it.
      survivorship: { default: { rule: 'mostRecent' }, fields: {} },
      sync: {
        systems: {
          salesforce: { push: true, hubChangeOrigin: [`client=${clientName}`] },
          hubspot: { push: true, hubChangeOrigin: ['INTEGRATION'], hubChangedBy: [String(hs.app.appId)] },
          odoo: { push: true, hubChangedBy: [String(UID)] },
        },
        goldenTopic: unique('mdm-golden'),
        commandTopicPrefix: prefix,
        pollMs: 200,
      },
    });
    store = await scratchStore(testStack().databaseUrl, config, 'mdmsync');
    sync = await startGoldenSync({ bus, store, logger });
    matcher = await startCustomerMatcher({
      bus,
      store,
      topic: customerTopic,
      groupId: unique('mdm-sync-matcher'),
      fromBeginning: true,
      logger,
      onChange: () => sync.kick(),
    });
    await matcher.ready();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger,
      group: unique('connect-mdm-sync'),
      sinkRetry: { retries: 2, initialDelayMs: 50, maxDelayMs: 200 },
      canonicalTopics: { 'eai.canonical.CustomerEvent': customerTopic },
    });
    await runtime.start();
    await runtime.put(
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
      'test',
    );
    await runtime.put(
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
      'test',
    );
    await runtime.put(
      {
        name: hsSource,
        type: 'hubspot-contact-webhook-source',
        mapping: 'hubspot/contact.to-canonical.yaml',
        config: { clientSecret: envSecret(hs.app.clientSecret) },
      },
      'test',
    );
    await runtime.put(
      {
        name: hsSink,
        type: 'hubspot-upsert-sink',
        topics: [`${prefix}hubspot`],
        mapping: 'hubspot/batch-upsert.from-canonical.yaml',
        config: {
          baseUrl: hs.sim.url,
          accessToken: envSecret(hs.app.accessTokens[0]!),
          retry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
        },
      },
      'test',
    );
    await runtime.put(
      {
        name: odooSource,
        type: 'odoo-polling-source',
        config: {
          url: odoo.sim.url,
          db: 'odoo',
          username: 'eai',
          password: 'eai-api-key',
          intervalMs: 300,
          overlapMs: 5000,
          models: ['res.partner'],
        },
      },
      'test',
    );
    await runtime.put(
      {
        name: odooSink,
        type: 'odoo-write-sink',
        topics: [`${prefix}odoo`],
        config: {
          url: odoo.sim.url,
          db: 'odoo',
          username: 'eai',
          password: 'eai-api-key',
          retry: { retries: 3, initialDelayMs: 50, maxDelayMs: 300 },
        },
      },
      'test',
    );
    const sfServer = await serveOnLoopback((r) => runtime.webhook(sfSource, r), `/webhooks/${sfSource}`);
    const hsServer = await serveOnLoopback((r) => runtime.webhook(hsSource, r), `/webhooks/${hsSource}`);
    servers.push(sfServer, hsServer);
    await ok(
      sf.json('POST', '/sim/subscriptions', { url: sfServer.url, channel: '/data/ContactChangeEvent' }),
      'sf subscription',
    );
    await ok(hs.json('POST', '/sim/subscriptions', { url: hsServer.url }), 'hs subscription');
  }, 120_000);

  afterAll(async () => {
    // The configs topic is shared by every run: leave no connector behind whose env secret is gone.
    for (const name of [sfSource, sfSink, hsSource, hsSink])
      await runtime?.remove(name).catch(() => undefined);
    for (const server of servers) await server.close();
    await runtime?.stop();
    await matcher?.stop();
    await sync?.stop();
    await sf?.sim.close();
    await hs?.sim.close();
    await odoo?.sim.close();
    if (store) await dropStore(store);
  });

  let sfId = '';
  let hsId = '';
  let odooId = 0;

  it('matches one person entered in the three systems into one golden record and settles', async () => {
    const email = `${unique('grace')}@example.org`;
    sfId = String(
      (
        await ok(
          sf.json<{ id: string }>('POST', '/sim/edit', {
            type: 'Contact',
            fields: { FirstName: 'Grace', LastName: 'Hopper', Email: email, Phone: '+4930123456' },
          }),
          'sf edit',
        )
      ).id,
    );
    hsId = (
      await ok(
        hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: 'Grace', lastname: 'Hopper', email, phone: '+4930123456' },
        }),
        'hs edit',
      )
    ).id;
    odooId = (
      (await (
        await fetch(`${odoo.sim.url}/sim/edit`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'res.partner',
            values: { name: 'Grace Hopper', is_company: false, email, phone: '+4930123456' },
          }),
        })
      ).json()) as { id: number }
    ).id;
    await waitFor('the three records in one golden record', async () => {
      const [a, b, c] = await Promise.all([
        store.xref('salesforce', sfId),
        store.xref('hubspot', hsId),
        store.xref('odoo', String(odooId)),
      ]);
      return a !== null && a === b && b === c;
    });
    await settle();
    const golden = await goldenOf('salesforce', sfId);
    expect(golden.members).toEqual(
      expect.arrayContaining([
        { system: 'salesforce', sourceId: sfId },
        { system: 'hubspot', sourceId: hsId },
        { system: 'odoo', sourceId: String(odooId) },
      ]),
    );
    expect(golden.record?.emails?.[0]?.address).toBe(email);
  });

  it("a person's edit in HubSpot reaches Salesforce and Odoo once each; the echoes die out; all three end with the golden values", async () => {
    const before = await hubWrites();
    const echoes = matcher.counts.echo;
    const newEmail = `${unique('grace.hopper')}@navy.example`;
    await ok(hs.json('POST', '/sim/edit', { id: hsId, properties: { email: newEmail } }), 'hs edit');
    await waitFor('the new email in Salesforce', async () => (await sfContact(sfId)).Email === newEmail);
    await waitFor('the new email in Odoo', async () => (await odooPartner(odooId)).email === newEmail);
    await settle();

    const after = await hubWrites();
    const sfNew = after.salesforce.slice(before.salesforce.length);
    const hsNew = after.hubspot.slice(before.hubspot.length);
    const odooNew = after.odoo.slice(before.odoo.length);
    // Once into Salesforce and once into Odoo, each by its own id from the xref; nothing back into HubSpot,
    // where the edit was made.
    expect(sfNew.map((e) => [e.entityId, e.operation])).toEqual([[sfId, 'update']]);
    expect(odooNew.map((e) => [e.entityId, e.operation])).toEqual([[String(odooId), 'write']]);
    expect(hsNew).toEqual([]);
    // The write came back as an echo and was recognised as one.
    expect(matcher.counts.echo).toBeGreaterThan(echoes);

    const golden = await goldenOf('hubspot', hsId);
    expect(golden.record?.emails?.[0]?.address).toBe(newEmail);
    expect((await sfContact(sfId)).Email).toBe(newEmail);
    expect((await hsContact(hsId)).email).toBe(newEmail);
    expect((await odooPartner(odooId)).email).toBe(newEmail);

    // Quiet means quiet: another settle sees no write at all.
    await settle();
    const later = await hubWrites();
    expect([later.salesforce.length, later.hubspot.length, later.odoo.length]).toEqual([
      after.salesforce.length,
      after.hubspot.length,
      after.odoo.length,
    ]);
  });

  // Each system written the least it must be whatever the timing: Salesforce the last name, HubSpot the phone,
  // Odoo the last name and then the phone (the phone edit comes after the hub sent Odoo the last name). Before the
  // matcher scored records as their systems hold them (sync/sent.ts heldView), the Salesforce record as last
  // received (old last name, new phone) split from the others under load, and the phone went out and back.
  it('a real edit made in Salesforce between the hub write and its echo is not lost', async () => {
    const before = await hubWrites();
    const history = async () =>
      Number(
        (await store.pool.query<{ n: string }>(`select count(*) as n from "${store.schema}".merge_history`))
          .rows[0]?.n,
      );
    const historyBefore = await history();
    // The next CDC delivery (the echo of the hub's write) is held back and overtaken by the one after it.
    await ok(
      sf.json('POST', '/sim/faults', {
        faults: [{ kind: 'webhook_reorder', path: `/webhooks/${sfSource}`, times: 1, holdMs: 5000 }],
      }),
      'sf fault',
    );
    await ok(
      hs.json('POST', '/sim/edit', { id: hsId, properties: { lastname: 'Hopper-Murray' } }),
      'hs edit',
    );
    await waitFor('the hub wrote the new last name to Salesforce', async () => {
      return (await sfContact(sfId)).LastName === 'Hopper-Murray';
    });
    // A person edits the phone in Salesforce while the echo of the hub's write is still on its way.
    await ok(
      sf.json('POST', '/sim/edit', { type: 'Contact', id: sfId, fields: { Phone: '+4940999888' } }),
      'sf edit',
    );
    await waitFor('the new phone in HubSpot', async () => (await hsContact(hsId)).phone === '+4940999888');
    await waitFor('the new phone in Odoo', async () => (await odooPartner(odooId)).phone === '+4940999888');
    await settle();

    // The echo was indeed overtaken by the person's edit.
    const { deliveries } = await ok(
      sf.json<{ deliveries: Array<{ url: string; reordered?: boolean }> }>('GET', '/sim/deliveries'),
      'sf deliveries',
    );
    expect(deliveries.some((d) => d.reordered && d.url.includes(sfSource))).toBe(true);

    // The three records stayed one golden record all along: no split, no merge.
    expect(await history()).toBe(historyBefore);
    const after = await hubWrites();
    expect(after.salesforce.slice(before.salesforce.length).map((e) => e.entityId)).toEqual([sfId]);
    expect(after.hubspot.slice(before.hubspot.length).map((e) => e.entityId)).toEqual([hsId]);
    // Odoo: the new last name (the name field), then the phone.
    expect(after.odoo.slice(before.odoo.length).map((e) => e.entityId)).toEqual([
      String(odooId),
      String(odooId),
    ]);
    const golden = await goldenOf('salesforce', sfId);
    expect(golden.record?.person?.familyName).toBe('Hopper-Murray');
    expect(golden.record?.phones?.map((p) => p.number)).toContain('+4940999888');
    const [sfNow, hsNow] = await Promise.all([sfContact(sfId), hsContact(hsId)]);
    expect([sfNow.LastName, sfNow.Phone]).toEqual(['Hopper-Murray', '+4940999888']);
    expect([hsNow.lastname, hsNow.phone]).toEqual(['Hopper-Murray', '+4940999888']);
    expect(hsNow.eai_golden_id).toBe(golden.goldenId);
    const odooNow = await odooPartner(odooId);
    expect([odooNow.name, odooNow.phone]).toEqual(['Grace Hopper-Murray', '+4940999888']);
  });
});
