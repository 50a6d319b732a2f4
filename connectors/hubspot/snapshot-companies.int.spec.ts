// The initial snapshot with `companies: true` against the HubSpot simulator, on the real broker: every contact and
// every company HubSpot held before the connector started is published once (decoded from the topic with the
// registry's schema), a company's later webhook updates the same key, a second start reads nothing again, and a
// kill -9 in the middle of the companies resumes there: each record once to a read_committed consumer.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { decodeRaw } from '../../tests/decode-raw.ts';
import type { RawMessage } from '../../tests/raw-consumer.ts';
import { readToEnd, tally } from '../../tests/read-to-end.ts';
import { snapshotKilledAndResumed } from '../../tests/snapshot-kill.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { WorkerProcess } from '../../tests/worker-process.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { serveOnLoopback } from '../transports/test-support.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const SNAPSHOT_TYPE = 'hubspot-crm-object.eai.canonical.CustomerEvent';
const COMPANY_WEBHOOK_TYPE = 'hubspot-company.eai.canonical.CustomerEvent';

interface CustomerEvent {
  changeType: string;
  changedFields: string[];
  customer: {
    customerId: string;
    partyType: string;
    organizationName: string | null;
    sourceIds: Array<{ system: string; id: string; idType: string | null }>;
    emails: Array<{ address: string }>;
    addresses: Array<{ use: string; city: string | null }>;
  };
}

const ofType = (type: string) => (m: RawMessage) => m.headers.ce_type === type;

/** A secret handed to the connector as `${env:NAME}`; worker processes inherit the variable. */
function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

/**
 * `contacts` contacts with ids from 6001 and `companies` companies after them, as HubSpot held them before the hub
 * (one number range for both), and one archived company, which the snapshot does not read.
 */
function seedFile(prefix: string, contacts: number, companies: number) {
  const dir = mkdtempSync(join(tmpdir(), 'eai-hs-snapshot-companies-'));
  const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
  const contactIds = Array.from({ length: contacts }, (_, i) => String(6001 + i));
  const companyIds = Array.from({ length: companies }, (_, i) => String(6001 + contacts + i));
  const archived = String(6001 + contacts + companies);
  const line = (type: string, id: string, i: number, properties: Record<string, string>, gone = false) =>
    JSON.stringify({
      system: 'hubspot',
      type,
      record: { id, properties, createdAt: at(i), updatedAt: at(i), archived: gone },
    });
  const lines = [
    ...contactIds.map((id, i) =>
      line('contact', id, i, {
        email: `c${i}@${prefix}.example.org`,
        firstname: 'Ada',
        lastname: `${prefix} ${i}`,
      }),
    ),
    ...companyIds.map((id, i) =>
      line('company', id, i, {
        name: `${prefix} Company ${i}`,
        city: 'Hamburg',
        domain: `c${i}.${prefix}.example`,
      }),
    ),
    line('company', archived, 0, { name: 'Gone GmbH' }, true),
  ];
  const file = join(dir, 'seed.jsonl');
  writeFileSync(file, lines.join('\n'));
  return {
    file,
    contactIds,
    companyIds,
    archived,
    keys: [...contactIds.map((id) => `hubspot:${id}`), ...companyIds.map((id) => `hubspot:company:${id}`)],
  };
}

function connector(name: string, hs: HubSpotHarness, topic: string, pageSize: number) {
  return {
    name,
    type: 'hubspot-contact-webhook-source',
    mapping: 'hubspot/contact.to-canonical.yaml',
    outputTopics: { 'eai.canonical.CustomerEvent': topic },
    config: {
      clientSecret: envSecret(hs.app.clientSecret),
      baseUrl: hs.sim.url,
      accessToken: envSecret(hs.app.accessTokens[0]!),
      companies: true,
      snapshot: { mode: 'initial', pageSize },
    },
  };
}

describe('HubSpot initial snapshot of contacts and companies, on the real broker', () => {
  const bus = testBus('/eai/tests/hubspot-snapshot-companies');
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });

  it('publishes every contact and company once; a company webhook updates the same key; not again after a restart', async () => {
    const topic = unique('hs-snapshot-companies');
    await bus.provisionTopics([{ topic, partitions: 3 }]);
    const seed = seedFile('snapco', 120, 130);
    const hs = await startHubSpot({ seed: seed.file });
    closers.push(() => hs.sim.close());

    const group = unique('connect-hs-snapshot-companies');
    const start = async () => {
      const runtime = new ConnectorRuntime({ bus, plugins: builtinPlugins, logger, group });
      await runtime.start();
      return runtime;
    };
    let runtime = await start();
    closers.push(() => runtime.stop());
    const name = unique('hs-snapshot-companies');
    closers.push(() => runtime.remove(name));
    const server = await serveOnLoopback((request) => runtime.webhook(name, request), `/webhooks/${name}`);
    closers.push(() => server.close());
    expect((await hs.json('POST', '/sim/subscriptions', { url: server.url })).status).toBe(201);

    await runtime.put(connector(name, hs, topic, 100), 'test');
    const snapshotOf = async () =>
      (await runtime.status(name))?.task?.snapshot as Record<string, unknown> | undefined;
    await waitFor('the snapshot done', async () => (await snapshotOf())?.state === 'done', 60_000);
    // 2 pages of contacts, 2 of companies.
    expect(await snapshotOf()).toMatchObject({ mode: 'initial', state: 'done', records: 250, pages: 4 });

    const snapshot = await readToEnd(topic, ofType(SNAPSHOT_TYPE));
    expect(
      tally(
        seed.keys,
        snapshot.map((m) => m.key),
      ),
    ).toMatchObject({ lost: [], duplicated: [], distinct: 250 });
    expect(snapshot.map((m) => m.key)).not.toContain(`hubspot:company:${seed.archived}`);
    const decoded = await Promise.all(snapshot.map((m) => decodeRaw<CustomerEvent>(m)));
    const byKey = new Map(decoded.map((m) => [m.key, m.decoded]));
    const company = seed.companyIds[7]!;
    expect(byKey.get(`hubspot:company:${company}`)).toMatchObject({
      changeType: 'UPDATED',
      customer: {
        customerId: `hubspot:company:${company}`,
        partyType: 'ORGANIZATION',
        organizationName: 'snapco Company 7',
        sourceIds: [{ system: 'hubspot', id: `company:${company}`, idType: 'company' }],
        emails: [],
        addresses: [{ use: 'REGISTERED', city: 'Hamburg' }],
      },
    });
    expect(byKey.get(`hubspot:${seed.contactIds[7]}`)).toMatchObject({
      customer: {
        customerId: `hubspot:${seed.contactIds[7]}`,
        partyType: 'PERSON',
        sourceIds: [{ system: 'hubspot', id: seed.contactIds[7], idType: 'hs_object_id' }],
        emails: [{ address: 'c7@snapco.example.org' }],
      },
    });

    // A person renames a snapshotted company: its webhook is an update of the same key and source id.
    const edit = await hs.json('POST', '/sim/companies', {
      id: company,
      properties: { name: 'Renamed GmbH' },
    });
    expect(edit.status).toBe(200);
    await waitFor(
      'the company webhook on Kafka',
      async () => (await readToEnd(topic, ofType(COMPANY_WEBHOOK_TYPE), 10_000)).length > 0,
      30_000,
    );
    const ofCompany = await Promise.all(
      (await readToEnd(topic, (m) => m.key === `hubspot:company:${company}`)).map((m) =>
        decodeRaw<CustomerEvent>(m),
      ),
    );
    expect(
      ofCompany.map((m) => [
        m.headers.ce_type,
        m.decoded.changeType,
        m.decoded.customer.customerId,
        m.decoded.customer.sourceIds[0]?.id,
        m.decoded.customer.organizationName,
      ]),
    ).toEqual([
      [SNAPSHOT_TYPE, 'UPDATED', `hubspot:company:${company}`, `company:${company}`, 'snapco Company 7'],
      [COMPANY_WEBHOOK_TYPE, 'UPDATED', `hubspot:company:${company}`, `company:${company}`, 'Renamed GmbH'],
    ]);

    // A second start in the same group reads nothing again.
    await runtime.stop();
    runtime = await start();
    await waitFor('running again', async () => (await runtime.status(name))?.state === 'RUNNING', 30_000);
    expect(await snapshotOf()).toMatchObject({ state: 'done', records: 250 });
    await hs.json('POST', '/sim/companies', {
      id: seed.companyIds[8],
      properties: { name: 'After restart' },
    });
    await waitFor(
      'the change after the restart on Kafka',
      async () => (await readToEnd(topic, ofType(COMPANY_WEBHOOK_TYPE), 10_000)).length === 2,
      30_000,
    );
    expect((await readToEnd(topic, ofType(SNAPSHOT_TYPE))).length).toBe(250);
  }, 150_000);
});

describe('HubSpot initial snapshot of companies: kill -9 mid-snapshot', () => {
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });

  it('resumes within the companies after the last committed page: each contact and company once to a read_committed consumer', async () => {
    const bus = testBus('/eai/tests/hubspot-snapshot-companies-crash');
    const topic = unique('hs-snapshot-companies-crash');
    await bus.provisionTopics([{ topic, partitions: 3 }]);
    // One page of contacts, then six of companies, each company page 300 ms slower: killed in the companies.
    const seed = seedFile('crashco', 100, 600);
    const hs = await startHubSpot({ seed: seed.file });
    try {
      await hs.json('POST', '/sim/faults', {
        faults: [{ kind: 'slow', delayMs: 300, method: 'GET', path: '/crm/v3/objects/companies' }],
      });
      const { killedAt, end, counted } = await snapshotKilledAndResumed({
        label: 'hubspot-snapshot-companies',
        bus,
        logger,
        connector: (name) => connector(name, hs, topic, 100),
        topic,
        keys: seed.keys,
        recordType: SNAPSHOT_TYPE,
        workers,
      });
      expect(killedAt.done).toBeUndefined();
      // Killed after a page of companies: its cursor names the companies list.
      expect((killedAt as unknown as { cursor: unknown }).cursor).toMatchObject({ object: 'companies' });
      expect(counted).toMatchObject({ lost: [], duplicated: [], distinct: 700 });
      expect(end).toMatchObject({ done: true, records: 700 });
    } finally {
      await hs.sim.close();
    }
  }, 180_000);
});
