/**
 * Erasure end to end (issue 18, Done when: "erasure leaves no personal data in any simulator, table or topic"), on
 * the real broker, registry and PostgreSQL with the Salesforce, HubSpot and Odoo simulators and their real source
 * and sink connectors (sync/test-support.ts): a person held in the three systems, merged into one golden record,
 * with an edit synced, a case and an order in the customer 360, is erased. Then no table of the hub's schema, no
 * simulator's saved state and, once the log cleaner has run, no record of the compacted golden topic holds the
 * person's name, email or phone; the golden ids end in tombstones; each system got its erasure command and its
 * delete came back as expected (dropped, confirmed in the audit record), as does a late change.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErasureCommand } from '../schemas/erasure.ts';
import type { CaseEvent, CustomerEvent, SalesOrderEvent } from '../schemas/types.generated.ts';
import { API } from '../simulators/salesforce/test-support.ts';
import { decodeRaw } from '../tests/decode-raw.ts';
import { readWholeTopic } from '../tests/raw-consumer.ts';
import { testBus, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { CustomerActivity } from './activity.ts';
import { type Erasure, eraseCustomer, erasureById } from './erasure.ts';
import { startThreeSystems, type ThreeSystems } from './sync/test-support.ts';

const letters = (n: number) => [...randomBytes(n)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
const digits = (n: number) => [...randomBytes(n)].map((b) => String(b % 10)).join('');

describe('erasure (right to be forgotten): the hub, the golden topic and three systems', () => {
  const bus = testBus('/eai/tests/mdm-erasure');
  const goldenTopic = unique('mdm-golden-erasure');
  const stateDir = mkdtempSync(join(tmpdir(), 'eai-erasure-'));
  const statePaths = {
    salesforce: join(stateDir, 'salesforce.json'),
    hubspot: join(stateDir, 'hubspot.json'),
    odoo: join(stateDir, 'odoo.json'),
  };
  // The person: names, emails and a phone no other record of this run holds.
  const givenName = 'Ottilie';
  const familyName = `Vergess${letters(5)}`;
  const email = `${unique('ottilie')}@example.org`;
  const newEmail = `${unique('o.vergess')}@example.net`;
  const phoneDigits = digits(8);
  const phone = `+4930${phoneDigits}`;
  const needles = [givenName, familyName, email, newEmail, phoneDigits].map((n) => n.toLowerCase());
  const found = (text: string) => needles.filter((n) => text.toLowerCase().includes(n));

  let t: ThreeSystems;
  let sfId = '';
  let hsId = '';
  let odooId = 0;
  let goldenId = '';
  let erasure: Erasure;

  /** Every row of every table in the hub's schema, as text. */
  const hubText = async () => {
    const tables = (
      await t.store.pool.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'`,
        [t.store.schema],
      )
    ).rows.map((r) => r.table_name);
    expect(tables).toEqual(expect.arrayContaining(['source_record', 'golden', 'erasure', 'customer_case']));
    const parts: string[] = [];
    for (const table of tables) {
      const rows = await t.store.pool.query<{ row: string }>(
        `select r::text as row from "${t.store.schema}"."${table}" r`,
      );
      parts.push(...rows.rows.map((r) => `${table}: ${r.row}`));
    }
    return parts.join('\n');
  };
  /** The simulators' whole saved state (records, change events, effects, stored answers). */
  const simulatorText = () =>
    Object.values(statePaths)
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n');
  const goldenRecords = () => readWholeTopic(goldenTopic);
  const text = (value: Buffer | null) => value?.toString('utf8') ?? '';

  beforeAll(async () => {
    // The golden topic, compacted fast: a segment rolls at the first append 100 ms after it began, the cleaner
    // takes any dirty part and drops tombstones soon after. One partition, so that one filler record rolls the
    // segment holding the tombstones (nothing else appends after them: the earlier values stay until then).
    await bus.provisionTopics([
      {
        topic: goldenTopic,
        partitions: 1,
        config: {
          'cleanup.policy': 'compact',
          'segment.ms': '100',
          'min.cleanable.dirty.ratio': '0.01',
          'delete.retention.ms': '100',
        },
      },
    ]);
    t = await startThreeSystems({
      goldenTopic,
      simulators: {
        salesforce: { statePath: statePaths.salesforce },
        hubspot: { statePath: statePaths.hubspot },
        odoo: { statePath: statePaths.odoo },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('holds the person everywhere first: three systems, one golden record, an edit synced, a case and an order', async () => {
    sfId = (
      await t.ok(
        t.sf.json<{ id: string }>('POST', '/sim/edit', {
          type: 'Contact',
          fields: { FirstName: givenName, LastName: familyName, Email: email, Phone: phone },
        }),
        'sf edit',
      )
    ).id;
    odooId = await t.odooEdit({ name: `${givenName} ${familyName}`, is_company: false, email, phone });
    await waitFor('Salesforce and Odoo in one golden record', async () => {
      const [a, b] = await Promise.all([
        t.store.xref('salesforce', sfId),
        t.store.xref('odoo', String(odooId)),
      ]);
      return a !== null && a === b;
    });
    // HubSpot's contact first has the name only (a golden record of its own), then a person adds the email
    // and phone: the two golden records merge (merge history with snapshots, an id merged away).
    hsId = (
      await t.ok(
        t.hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname: givenName, lastname: familyName },
        }),
        'hs edit',
      )
    ).id;
    await waitFor('the HubSpot contact matched', async () => (await t.store.xref('hubspot', hsId)) !== null);
    expect(await t.store.xref('hubspot', hsId)).not.toBe(await t.store.xref('salesforce', sfId));
    await t.ok(t.hs.json('POST', '/sim/edit', { id: hsId, properties: { email, phone } }), 'hs edit');
    await waitFor('the three records in one golden record', async () => {
      const [a, b, c] = await Promise.all([
        t.store.xref('salesforce', sfId),
        t.store.xref('hubspot', hsId),
        t.store.xref('odoo', String(odooId)),
      ]);
      return a !== null && a === b && b === c;
    });
    await t.settle();
    // A person's edit in HubSpot: the hub writes it to Salesforce and Odoo (sync state, commands, echoes).
    await t.ok(t.hs.json('POST', '/sim/edit', { id: hsId, properties: { email: newEmail } }), 'hs edit');
    await waitFor('the new email in Salesforce', async () => (await t.sfContact(sfId)).Email === newEmail);
    await waitFor('the new email in Odoo', async () => (await t.odooPartner(odooId)).email === newEmail);
    await t.settle();
    goldenId = (await t.goldenOf('salesforce', sfId)).goldenId;

    // The customer 360: a case that names the person in its subject, an order of the Odoo partner.
    const activity = new CustomerActivity(t.store);
    const at = new Date();
    const origin = (system: string) => ({ system, documentId: null, changeOrigin: null, changedBy: null });
    await activity.recordCase({
      changeType: 'CREATED',
      changedFields: [],
      clearedFields: [],
      occurredAt: at,
      origin: origin('salesforce'),
      case: {
        caseId: `salesforce:${unique('500')}`,
        sourceIds: [],
        subject: `Call ${givenName} ${familyName} back on ${phone}`,
        status: 'NEW',
        customerId: `salesforce:${sfId}`,
      },
    } as unknown as CaseEvent);
    await activity.recordOrder({
      changeType: 'CREATED',
      changedFields: [],
      occurredAt: at,
      origin: origin('odoo'),
      salesOrder: {
        orderId: `odoo:${unique('S')}`,
        sourceIds: [],
        customer: { customerId: `odoo:${odooId}`, sourceIds: [] },
        lines: [],
        status: 'OPEN',
      },
    } as unknown as SalesOrderEvent);

    // Where the person is now: the scans below must be able to see it.
    const hub = await hubText();
    // Not block_key: it holds the keys' 64-bit hashes (migration 014), no text; its rows going shows in the
    // erasure's blockingKeys count below.
    for (const table of ['source_record', 'golden', 'merge_history', 'sync_sent', 'customer_case'])
      expect(
        found(
          hub
            .split('\n')
            .filter((l) => l.startsWith(`${table}:`))
            .join('\n'),
        ),
        table,
      ).not.toEqual([]);
    expect(found(simulatorText())).toEqual(needles);
    await waitFor('the golden record on the golden topic', async () =>
      (await goldenRecords()).some((r) => r.key === goldenId && text(r.value).includes(newEmail)),
    );
  });

  it('erases it from the hub: no table holds the name, email or phone; an audit record without them stays', async () => {
    const matched = { ...t.matcher.counts };
    erasure = await eraseCustomer(t.store, { goldenId, requestedBy: 'dpo@example.com' });
    expect(erasure).toMatchObject({ goldenId, repeated: false, requestedBy: 'dpo@example.com' });
    expect(erasure.goldenIds).toContain(goldenId);
    expect(erasure.systems).toEqual({
      salesforce: { records: 1, status: 'pending' },
      hubspot: { records: 1, status: 'pending' },
      odoo: { records: 1, status: 'pending' },
    });
    expect(erasure.counts).toMatchObject({ sourceRecords: 3, cases: 1, orders: 1 });
    expect(erasure.counts.goldenRecords).toBe(erasure.goldenIds.length);
    expect(erasure.counts.blockingKeys).toBeGreaterThan(0);
    expect(erasure.counts.mergeHistory).toBeGreaterThan(0);
    expect(erasure.counts.syncSent).toBeGreaterThan(0);
    expect(found(await hubText())).toEqual([]);
    expect(await t.store.xref('hubspot', hsId)).toBeNull();

    // The relay publishes; each sink deletes in its system; the deletes come back and are expected.
    t.sync.kick();
    await t.settle();
    const audit = await erasureById(t.store, erasure.erasureId);
    expect(audit).toMatchObject({ status: 'published', requestedBy: 'dpo@example.com' });
    expect(audit?.systems).toEqual({
      // Salesforce's CDC DELETE and HubSpot's deletion webhooks came back; Odoo reports no deletes.
      salesforce: { records: 1, status: 'confirmed' },
      hubspot: { records: 1, status: 'confirmed' },
      odoo: { records: 1, status: 'sent' },
    });
    expect(t.matcher.counts.erased).toBeGreaterThan(matched.erased);
    expect(t.matcher.counts).toMatchObject({ new: matched.new, merged: matched.merged });
    expect(found(await hubText())).toEqual([]);
  });

  it('leaves nothing of the person in any simulator: records, recycle bin, history, change events, answers', async () => {
    const sf = await t.sf.json<Array<{ errorCode: string }>>('GET', `${API}/sobjects/Contact/${sfId}`);
    expect(sf.body[0]?.errorCode).toBe('NOT_FOUND');
    expect((await t.hs.call('GET', `/crm/v3/objects/contacts/${hsId}?archived=true`)).status).toBe(404);
    expect((await t.hs.call('GET', `/crm/v3/objects/contacts/${hsId}`)).status).toBe(404);
    const partners = await t.odoo.call<unknown[]>('res.partner', 'search_read', [[['id', '=', odooId]]], {
      fields: ['name'],
      context: { active_test: false },
    });
    expect(partners).toEqual([]);
    const { events } = await t.sf.control<{ events: unknown[] }>('GET', '/sim/cdc-events');
    expect(found(JSON.stringify(events))).toEqual([]);
    expect(found(simulatorText())).toEqual([]);
    // Each system got one erasure command, ids only.
    for (const system of ['salesforce', 'hubspot', 'odoo']) {
      const records = await readWholeTopic(`${t.names.commandPrefix}${system}`);
      const commands = [];
      for (const r of records.filter((x) => x.key === goldenId && x.value)) {
        const value = (await decodeRaw<CustomerEvent>({ key: r.key, value: r.value!, headers: {} })).decoded;
        if (isErasureCommand(value)) commands.push(value);
      }
      expect(commands, system).toHaveLength(1);
      expect(found(JSON.stringify(commands[0])), system).toEqual([]);
    }
  });

  it('drops a late change of an erased record and skips it in a load: the customer does not come back', async () => {
    const erased = t.matcher.counts.erased;
    const publisher = await bus.publisher();
    try {
      await publisher.publish([
        {
          schema: 'CustomerEvent',
          topic: t.names.customerTopic,
          key: `hubspot:${hsId}`,
          value: {
            changeType: 'UPDATED',
            changedFields: [],
            clearedFields: [],
            mergedIds: [],
            occurredAt: new Date(),
            origin: { system: 'hubspot', documentId: null, changeOrigin: 'CRM_UI', changedBy: null },
            customer: {
              customerId: `hubspot:${hsId}`,
              sourceIds: [{ system: 'hubspot', id: hsId, idType: null }],
              partyType: 'PERSON',
              person: { title: null, givenName, middleName: null, familyName },
              emails: [{ address: email, use: null, primary: true }],
              phones: [{ number: phone, isE164: true, use: null, primary: true }],
              updatedAt: new Date(),
            },
          },
        },
      ]);
    } finally {
      await publisher.close();
    }
    await waitFor('the late change dropped', () => t.matcher.counts.erased > erased);
    expect(await t.store.xref('hubspot', hsId)).toBeNull();
    // Nor does a load of an old export bring it back.
    const loaded = await t.store.upsertBatch([
      {
        system: 'salesforce',
        customer: {
          customerId: `salesforce:${sfId}`,
          sourceIds: [{ system: 'salesforce', id: sfId, idType: 'ContactId' }],
          partyType: 'PERSON',
          person: { title: null, givenName, middleName: null, familyName },
          emails: [{ address: email, use: null, primary: true }],
        } as CustomerEvent['customer'],
      },
    ]);
    expect(loaded.map((r) => r.outcome)).toEqual(['erased']);
    expect(found(await hubText())).toEqual([]);
  });

  it('ends each golden id in a tombstone; once the cleaner ran, no record of the golden topic holds the person', async () => {
    const before = await goldenRecords();
    for (const id of erasure.goldenIds) {
      const last = before.filter((r) => r.key === id).at(-1);
      expect(last, id).toBeDefined();
      expect(last?.value, `${id}: last value`).toBeNull();
    }
    // Before the cleaner runs, the earlier values are still there: compaction is what removes them.
    expect(before.some((r) => found(text(r.value)).length > 0)).toBe(true);
    // A filler record now and then rolls the segment holding the tombstones, so the cleaner may take it
    // (log.cleaner.backoff.ms is 15 s on the stack's broker).
    const producer = bus.transport.producer();
    await producer.connect();
    try {
      await waitFor(
        'the cleaner to remove every value holding the person',
        async () => {
          await producer.send([{ topic: goldenTopic, key: 'filler', value: Buffer.from('x') }]);
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const records = await goldenRecords();
          return records.every((r) => found(text(r.value)).length === 0);
        },
        90_000,
      );
    } finally {
      await producer.disconnect();
    }
  });

  it('answers a second request with the same erasure', async () => {
    const again = await eraseCustomer(t.store, { goldenId, requestedBy: 'someone else' });
    expect(again).toMatchObject({
      erasureId: erasure.erasureId,
      repeated: true,
      requestedBy: 'dpo@example.com',
    });
    const byRecord = await eraseCustomer(t.store, {
      record: { system: 'odoo', sourceId: String(odooId) },
      requestedBy: 'x',
    });
    expect(byRecord.erasureId).toBe(erasure.erasureId);
  });
});
