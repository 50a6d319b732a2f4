/**
 * A system's requests to re-read records (RESYNC_REQUESTED) on a real hub with master data, Kafka and PostgreSQL:
 * one for a record and one for a whole entity (Salesforce's GAP_OVERFLOW, `salesforce:Account:*`) make the system
 * degraded in /sync/health, the eai_mdm_resync_requested gauge and `eai sync status`, with the reason in words; a
 * partial UPDATED of the record leaves its request open, a full snapshot (UPDATED with no changedFields) closes it,
 * and a reconcile with --repair closes the rest, entity-wide included: ok again. An erasure takes its customer's
 * requests with it, and a request of an erased record is dropped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../bus/index.ts';
import { customerFile, eraseCustomer, type MasterDataStore, reconcile } from '../masterdata/index.ts';
import { exampleJson } from '../schemas/examples.ts';
import type { CustomerEvent } from '../schemas/types.generated.ts';
import { assertConformsToOpenApi } from '../tests/openapi-conformance.ts';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { hashToken, newToken } from './api/index.ts';
import { type Hub, startHub } from './hub.ts';
import type { SyncHealth } from './sync-health.ts';

const stack = testStack();
const bus = testBus();
const token = newToken();
const schema = `mdm_resync_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const topics = { customer: unique('resync-customer'), activity: unique('resync-activity') };
const base = exampleJson('CustomerEvent') as unknown as CustomerEvent;
// Salesforce ids of this run: an Account the hub holds, and a Contact it never received.
const account = `001${randomBytes(6).toString('hex')}`;
const contact = `003${randomBytes(6).toString('hex')}`;
let hub: Hub;
let store: MasterDataStore;
let publisher: Publisher & { close(): Promise<void> };
let openapi: object;

async function health(): Promise<SyncHealth> {
  const response = await fetch(`${hub.url}/sync/health`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  assertConformsToOpenApi(openapi, { method: 'get', path: '/sync/health', status: response.status, body });
  expect(response.status).toBe(200);
  return body as SyncHealth;
}
const salesforceOf = (h: SyncHealth) => h.systems.find((s) => s.system === 'salesforce');

/** The Account as Salesforce holds it, with its phone. */
const accountRecord = (phone = '+493012345678') => ({
  ...base.customer,
  customerId: `salesforce:${account}`,
  sourceIds: [{ system: 'salesforce', id: account, idType: 'AccountId' }],
  taxId: null,
  emails: [{ address: `${account}@example.com`, use: 'work', primary: true }],
  phones: [{ number: phone, isE164: true, use: 'work', primary: true }],
});

/** A Salesforce CustomerEvent on the customer topic. */
async function send(
  changeType: CustomerEvent['changeType'],
  customer: CustomerEvent['customer'],
  changedFields: string[] = [],
): Promise<void> {
  await publisher.publish([
    {
      schema: 'CustomerEvent',
      topic: topics.customer,
      value: {
        ...base,
        changeType,
        changedFields,
        origin: { system: 'salesforce', documentId: unique('doc'), changeOrigin: null, changedBy: null },
        customer,
      },
    },
  ]);
}

/** A request to re-read: ids only, as the CDC mapping publishes it (`Account:*`: every Account). */
const resyncOf = (id: string): CustomerEvent['customer'] => ({
  ...base.customer,
  customerId: `salesforce:${id}`,
  sourceIds: id.endsWith(':*') ? [] : [{ system: 'salesforce', id, idType: 'ContactId' }],
  organizationName: null,
  emails: [],
  phones: [],
  addresses: [],
  taxId: null,
  credit: null,
  status: 'UNKNOWN',
  extensions: {},
});

const handled = async (what: string, n: number) =>
  waitFor(
    what,
    async () => Object.values(hub.masterdata!.matcher.counts).reduce((a, b) => a + b, 0) >= n,
    60_000,
  );

async function metric(line: RegExp): Promise<string | undefined> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  return text.split('\n').find((l) => line.test(l));
}

const requestRows = async () =>
  (
    await store.pool.query<{ source_id: string; requests: number }>(
      `select source_id, requests from "${schema}".resync_request order by source_id`,
    )
  ).rows;

beforeAll(async () => {
  await bus.provisionTopics(Object.values(topics).map((topic) => ({ topic, partitions: 1 })));
  hub = await startHub({
    ...stack,
    group: unique('connect-resync'),
    logger: pino({ level: 'silent' }),
    tokens: [{ name: 'ops', role: 'viewer', sha256: hashToken(token) }],
    port: 0,
    masterdata: {
      schema,
      groupId: unique('resync-matcher'),
      activityGroupId: unique('resync-activity'),
      customerTopic: topics.customer,
      activityTopics: [topics.activity],
      healthIntervalMs: 0,
    },
  });
  store = hub.masterdata!.store;
  openapi = (await (await fetch(`${hub.url}/openapi.json`)).json()) as object;
  publisher = await bus.publisher();
  await send('CREATED', accountRecord());
  await handled('the Account matched', 1);
}, 120_000);

afterAll(async () => {
  await publisher?.close();
  await hub?.close();
  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

describe('sync health of requests to re-read records (RESYNC_REQUESTED)', () => {
  it('is ok before any request', async () => {
    const h = await health();
    expect(h.status).toBe('ok');
    expect(salesforceOf(h)?.resyncRequested).toEqual({ records: 0, entities: [], since: null });
  });

  it('turns degraded on a record and an entity asked to be re-read, saying what to do', async () => {
    await send('RESYNC_REQUESTED', resyncOf(account));
    await send('RESYNC_REQUESTED', resyncOf(contact));
    await send('RESYNC_REQUESTED', resyncOf('Account:*'));
    // Asked again: one request, counted twice.
    await send('RESYNC_REQUESTED', resyncOf('Account:*'));
    await handled('the requests recorded', 5);
    expect(hub.masterdata!.matcher.counts.resync).toBe(4);
    expect(await requestRows()).toEqual([
      { source_id: account, requests: 1 },
      { source_id: contact, requests: 1 },
      { source_id: 'Account:*', requests: 2 },
    ]);

    const h = await health();
    const salesforce = salesforceOf(h)!;
    expect(salesforce.resyncRequested).toEqual({
      records: 2,
      entities: ['Account'],
      since: expect.any(String),
    });
    expect(salesforce.status).toBe('degraded');
    expect(h.status).toBe('degraded');
    expect(salesforce.reasons).toEqual([
      `salesforce asked for 2 records and every Account to be re-read since ${salesforce.resyncRequested!.since} (it lost changes the hub has not received): export all its customers and run npx eai mdm reconcile salesforce --input <export> --repair`,
    ]);
    expect(await metric(/^eai_mdm_resync_requested\{system="salesforce",scope="record"\} /)).toBe(
      'eai_mdm_resync_requested{system="salesforce",scope="record"} 2',
    );
    expect(await metric(/^eai_mdm_resync_requested\{system="salesforce",scope="entity"\} /)).toBe(
      'eai_mdm_resync_requested{system="salesforce",scope="entity"} 1',
    );
    expect(await metric(/^eai_sync_status\{system="salesforce"\} /)).toBe(
      'eai_sync_status{system="salesforce"} 1',
    );

    const text = await runEai(['sync', 'status'], { env: { EAI_URL: hub.url, EAI_TOKEN: token } });
    expect(text.stdout).toContain(`  - ${salesforce.reasons[0]}`);
    expect(text.stdout).toMatch(/^salesforce\s+degraded\s.*\s2 \+Account$/m);
  });

  it('keeps the request on a partial UPDATED and closes it on a full snapshot of the record', async () => {
    const before = Object.values(hub.masterdata!.matcher.counts).reduce((a, b) => a + b, 0);
    // A phone changed: it proves nothing of the fields the lost changes may have touched.
    await send('UPDATED', accountRecord('+493012345679'), ['phones']);
    await handled('the partial update', before + 1);
    expect(salesforceOf(await health())?.resyncRequested?.records).toBe(2);

    // The whole record, as a re-read gives it: the hub holds it as Salesforce does.
    await send('UPDATED', accountRecord('+493012345679'));
    await handled('the full snapshot', before + 2);
    const after = salesforceOf(await health())!;
    expect(after.resyncRequested).toMatchObject({ records: 1, entities: ['Account'] });
    expect((await requestRows()).map((r) => r.source_id)).toEqual([contact, 'Account:*']);
    expect(after.status).toBe('degraded');
  });

  it('is ok again after a reconcile with --repair, the entity-wide request answered too', async () => {
    // Salesforce's export: the Account as it is, and the Contact the hub never received.
    const file = join(mkdtempSync(join(tmpdir(), 'eai-resync-')), 'salesforce.jsonl');
    writeFileSync(
      file,
      [
        accountRecord('+493012345679'),
        {
          ...accountRecord(),
          customerId: `salesforce:${contact}`,
          sourceIds: [{ system: 'salesforce', id: contact, idType: 'ContactId' }],
          partyType: 'PERSON',
          organizationName: null,
          person: { title: null, givenName: 'Ada', middleName: null, familyName: 'Lovelace' },
          emails: [{ address: `${contact}@example.com`, use: 'work', primary: true }],
          phones: [],
          addresses: [],
          credit: null,
        },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    // A report alone applies nothing: the requests stay.
    const found = await reconcile(store, 'salesforce', customerFile(file, 'salesforce'));
    expect(found.resyncAnswered).toBeNull();
    expect(salesforceOf(await health())?.resyncRequested).toMatchObject({
      records: 1,
      entities: ['Account'],
    });

    // As the reason says to run it: the CLI's table says what it answered, --json carries it.
    const cli = await runEaiInProcess(
      ['mdm', 'reconcile', 'salesforce', '--input', file, '--repair', '--schema', schema],
      { env: { DATABASE_URL: stack.databaseUrl } },
    );
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(
      "answered salesforce's requests to re-read 1 record(s) and 1 whole entity (sync health no longer names them)",
    );
    const h = await health();
    expect(salesforceOf(h)).toMatchObject({
      status: 'ok',
      reasons: [],
      resyncRequested: { records: 0, entities: [], since: null },
    });
    expect(h.status).toBe('ok');
    expect(await requestRows()).toEqual([]);
    expect(await metric(/^eai_mdm_resync_requested\{system="salesforce",scope="entity"\} /)).toBe(
      'eai_mdm_resync_requested{system="salesforce",scope="entity"} 0',
    );
  });

  it("goes with the customer's erasure, and a request of an erased record is dropped", async () => {
    const before = Object.values(hub.masterdata!.matcher.counts).reduce((a, b) => a + b, 0);
    await send('RESYNC_REQUESTED', resyncOf(account));
    await handled('the request recorded', before + 1);
    expect((await requestRows()).map((r) => r.source_id)).toEqual([account]);

    const erasure = await eraseCustomer(store, {
      record: { system: 'salesforce', sourceId: account },
      requestedBy: 'dpo',
    });
    expect(erasure.counts.resyncRequests).toBe(1);
    expect(await requestRows()).toEqual([]);

    const erased = hub.masterdata!.matcher.counts.erased;
    await send('RESYNC_REQUESTED', resyncOf(account));
    await waitFor('the request dropped', async () => hub.masterdata!.matcher.counts.erased > erased, 60_000);
    expect(await requestRows()).toEqual([]);
    expect(salesforceOf(await health())?.status).toBe('ok');
  });
});
