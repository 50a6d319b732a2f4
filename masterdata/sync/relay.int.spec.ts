/**
 * The golden sync relay on the real broker, registry and PostgreSQL, fed by the matcher: golden records out on the
 * compacted golden topic (keyed by golden id) and commands per system; a merge, a partial edit and deletes (a
 * deleted record leaves the xref, the golden record is recomputed, and tombstoned when its last record goes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../bus/index.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { parseMdmConfig } from '../config.ts';
import { type CustomerMatcher, startCustomerMatcher } from '../consumer.ts';
import type { MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { type GoldenSync, startGoldenSync } from './index.ts';

const person = (
  system: string,
  id: string,
  changeType: CustomerEvent['changeType'],
  customer: Partial<CustomerEvent['customer']> = {},
  changedFields: string[] = [],
  occurredAt = '2026-03-01T10:00:00Z',
): CustomerEvent => ({
  changeType,
  changedFields,
  clearedFields: [],
  mergedIds: [],
  occurredAt: new Date(occurredAt),
  origin: { system, documentId: `${system}-${id}-${occurredAt}`, changeOrigin: null, changedBy: null },
  customer: {
    customerId: `${system}:${id}`,
    sourceIds: [{ system, id, idType: null }],
    partyType: 'PERSON',
    person: { title: null, givenName: 'Ada', middleName: null, familyName: 'Lovelace' },
    emails: [{ address: 'ada.lovelace@example.org', use: null, primary: true }],
    phones: [{ number: '+442079460000', isE164: true, use: null, primary: true }],
    updatedAt: new Date(occurredAt),
    ...customer,
  },
});

describe('golden sync relay: golden topic, commands, deletes', () => {
  const bus = testBus('/eai/tests/mdm-relay');
  const topic = unique('mdm-relay-customers');
  const goldenTopic = unique('mdm-relay-golden');
  const prefix = `${unique('mdm-relay-cmd')}.`;
  let store: MasterDataStore;
  let sync: GoldenSync;
  let matcher: CustomerMatcher;
  let handled = 0;
  const publish = async (...events: CustomerEvent[]) => {
    const publisher = await bus.publisher();
    try {
      await publisher.publish(events.map((value) => ({ schema: 'CustomerEvent', topic, value })));
    } finally {
      await publisher.close();
    }
    handled += events.length;
    const total = () => Object.values(matcher.counts).reduce((a, b) => a + b, 0);
    await waitFor('the matcher to handle them', () => total() >= handled);
    await sync.flush();
  };
  type Decoded = {
    changeType: string;
    changedFields: string[];
    mergedIds: string[];
    customer: { customerId: string; sourceIds: Array<{ system: string; id: string }> };
  };
  /** Everything the relay published on the golden topic / a command topic (both this spec's own). */
  const allGolden = () => readDecoded<Decoded>(goldenTopic, sync.counts.golden);
  const commands = (system: string) =>
    readDecoded<Decoded>(`${prefix}${system}`, sync.counts.commands[system] ?? 0);

  beforeAll(async () => {
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const config = parseMdmConfig({
      survivorship: { default: { rule: 'mostRecent' }, fields: {} },
      sync: {
        systems: { salesforce: { push: true }, hubspot: { push: true }, sap: {} },
        goldenTopic,
        commandTopicPrefix: prefix,
        pollMs: 100,
      },
    });
    store = await scratchStore(testStack().databaseUrl, config, 'mdmrelay');
    sync = await startGoldenSync({ bus, store });
    matcher = await startCustomerMatcher({
      bus,
      store,
      topic,
      groupId: unique('mdm-relay-matcher'),
      fromBeginning: true,
      onChange: () => sync.kick(),
    });
    await matcher.ready();
  });
  afterAll(async () => {
    await matcher?.stop();
    await sync?.stop();
    if (store) await dropStore(store);
  });

  it('publishes golden records keyed by golden id, and commands only where a system lacks a value', async () => {
    await publish(person('salesforce', '003A', 'CREATED'));
    await publish(
      person('hubspot', '101', 'CREATED', { phones: [] }, [], '2026-03-01T10:05:00Z'),
      person('sap', '0000100001', 'CREATED', {}, [], '2026-03-01T10:06:00Z'),
    );
    const goldenId = await store.xref('salesforce', '003A');
    expect(await store.xref('hubspot', '101')).toBe(goldenId);
    expect(await store.xref('sap', '0000100001')).toBe(goldenId);
    // A partial edit in HubSpot: a new phone. The golden record takes it, Salesforce is sent it, HubSpot is not.
    const phone = { number: '+442079461111', isE164: true, use: null, primary: true };
    await publish(
      person('hubspot', '101', 'UPDATED', { phones: [phone] }, ['phones'], '2026-03-02T09:00:00Z'),
    );
    const golden = await store.golden(goldenId!);
    expect(golden?.record?.phones).toEqual([phone]);
    expect(golden?.lineage?.phones).toMatchObject({ system: 'hubspot', sourceId: '101' });
    expect(await store.xref('hubspot', '101')).toBe(goldenId);

    const events = await allGolden();
    // Keyed by golden id; a merged id's event names its survivor.
    for (const e of events)
      expect(
        e.decoded.changeType === 'MERGED' ? e.decoded.mergedIds : [e.decoded.customer.customerId],
      ).toContain(e.key);
    // Order holds per key (partition): this golden record's last event is the edit.
    const mine = events.filter((e) => e.key === goldenId);
    expect(mine.at(-1)?.decoded).toMatchObject({
      changeType: 'UPDATED',
      changedFields: ['phones', 'updatedAt'],
    });
    const sf = await commands('salesforce');
    // Order holds per key: the last under its golden id is the edit's.
    expect(sf.filter((m) => m.key === goldenId).at(-1)?.decoded).toMatchObject({
      changedFields: ['phones', 'updatedAt'],
      changeType: 'UPDATED',
      customer: { customerId: goldenId, sourceIds: [{ system: 'salesforce', id: '003A' }] },
    });
    // Keyed by its golden id, or the one its record held alone, before HubSpot's joined (that record got its golden
    // id stamped, holding every value; no echo comes here, so the stamp is sent again with each new id only).
    for (const m of sf) expect(await store.resolve(m.key ?? '')).toBe(goldenId);
    // HubSpot, where the phone was changed, is not sent it back.
    const toHubspot = (await commands('hubspot')).map((m) => JSON.stringify(m.decoded));
    expect(toHubspot.filter((c) => c.includes('+442079461111'))).toEqual([]);
    // SAP is not pushed to (no `push`), so it has no command topic of its own.
    expect(sync.counts.commands).not.toHaveProperty('sap');
  });

  it('a deleted record leaves the xref and its golden record; the last one tombstones it', async () => {
    const before = (await store.xref('hubspot', '101'))!;
    await publish(
      person('hubspot', '101', 'DELETED', { status: 'DELETED' }, ['status'], '2026-03-03T09:00:00Z'),
    );
    expect(await store.xref('hubspot', '101')).toBeNull();
    // The cluster's id follows its smallest member key: HubSpot's record founded it, so the others get the id
    // of the smallest key left and the old id resolves to it.
    const goldenId = (await store.xref('salesforce', '003A'))!;
    expect(await store.xref('sap', '0000100001')).toBe(goldenId);
    expect(await store.resolve(before)).toBe(goldenId);
    const after = await store.golden(goldenId);
    expect(after?.status).toBe('active');
    expect(after?.members).toEqual([
      { system: 'salesforce', sourceId: '003A' },
      { system: 'sap', sourceId: '0000100001' },
    ]);
    // HubSpot's phone left with it: the golden record falls back to what the others hold.
    expect(after?.record?.phones?.map((p) => p.number)).toEqual(['+442079460000']);
    // A delete of a record the hub never held changes nothing.
    const skipped = matcher.counts.skipped;
    await publish(person('hubspot', '999', 'DELETED', {}, ['status']));
    expect(matcher.counts.skipped).toBe(skipped + 1);

    await publish(
      person('salesforce', '003A', 'DELETED', {}, ['status'], '2026-03-03T10:00:00Z'),
      person('sap', '0000100001', 'DELETED', {}, ['status'], '2026-03-03T10:00:01Z'),
    );
    expect(await store.xref('salesforce', '003A')).toBeNull();
    expect(await store.xref('sap', '0000100001')).toBeNull();
    // SAP's record alone founds an id of its own once Salesforce's is gone; that one is tombstoned last, and
    // every id issued on the way resolves to it.
    const statuses = await store.pool.query<{ golden_id: string; status: string }>(
      `select golden_id, status from "${store.schema}".golden where status <> 'merged'`,
    );
    expect(statuses.rows.map((r) => r.status)).toEqual(['deleted']);
    const last = statuses.rows[0]!.golden_id;
    expect(await store.resolve(before)).toBe(last);
    const tombstones = (await allGolden()).filter((m) => m.key === last).map((m) => m.decoded);
    expect(tombstones.at(-1)).toMatchObject({ changeType: 'DELETED', customer: { customerId: last } });
  });

  it('an edit that overtakes the echo of a hub write is matched on top of that write: no split, each value sent once', async () => {
    const grace = (familyName: string, phone: string) => ({
      person: { title: null, givenName: 'Grace', middleName: null, familyName },
      emails: [{ address: 'grace.hopper@navy.example', use: null, primary: true }],
      phones: [{ number: phone, isE164: true, use: null, primary: true }],
    });
    await publish(
      person('salesforce', '003G', 'CREATED', grace('Hopper', '+4930123456'), [], '2026-04-01T10:00:00Z'),
      person('hubspot', '201', 'CREATED', grace('Hopper', '+4930123456'), [], '2026-04-01T10:01:00Z'),
    );
    const goldenId = await store.xref('salesforce', '003G');
    expect(await store.xref('hubspot', '201')).toBe(goldenId);
    const sent = async (system: string) =>
      (await commands(system)).filter((m) => m.key === goldenId).map((m) => m.decoded.changedFields);
    const [sfBefore, hsBefore] = [await sent('salesforce'), await sent('hubspot')];
    // A person changes the last name in HubSpot; the hub writes it to Salesforce.
    await publish(
      person(
        'hubspot',
        '201',
        'UPDATED',
        grace('Hopper-Murray', ''),
        ['person.familyName'],
        '2026-04-02T09:00:00Z',
      ),
    );
    expect((await sent('salesforce')).slice(sfBefore.length)).toEqual([['person', 'updatedAt']]);
    // Before that write's echo comes back, a person changes the phone in Salesforce: Salesforce then holds the new
    // last name and the new phone. Matched as last received (the old last name beside the new phone) it scores
    // below auto-merge against HubSpot's record, which holds the new last name and the old phone.
    await publish(
      person('salesforce', '003G', 'UPDATED', grace('', '+4940999888'), ['phones'], '2026-04-02T09:00:30Z'),
    );
    expect(await store.xref('salesforce', '003G')).toBe(goldenId);
    expect(await store.xref('hubspot', '201')).toBe(goldenId);
    const golden = (await store.golden(goldenId!))?.record;
    expect([golden?.person?.familyName, golden?.phones?.map((p) => p.number)]).toEqual([
      'Hopper-Murray',
      ['+4940999888'],
    ]);
    // The echo comes last (unstamped here: recognised by its values) and changes nothing.
    const echoes = matcher.counts.echo;
    await publish(
      person(
        'salesforce',
        '003G',
        'UPDATED',
        grace('Hopper-Murray', ''),
        ['person.familyName'],
        '2026-04-02T09:00:10Z',
      ),
    );
    expect(matcher.counts.echo).toBe(echoes + 1);
    expect(await store.xref('salesforce', '003G')).toBe(goldenId);
    // Salesforce was written the last name once; HubSpot the phone once; no golden id came or went on the way.
    expect((await sent('salesforce')).slice(sfBefore.length)).toEqual([['person', 'updatedAt']]);
    expect((await sent('hubspot')).slice(hsBefore.length)).toEqual([['phones', 'updatedAt']]);
    const ids = await store.pool.query<{ golden_id: string }>(
      `select distinct golden_id from "${store.schema}".merge_history where golden_id = $1 or $1 = any(absorbed)`,
      [goldenId],
    );
    expect(ids.rows).toEqual([]);
  });
  it('a golden record its schema refuses goes to dlq.mapping with the reason; the sync goes on with the others', async () => {
    const who = (givenName: string, familyName: string, email: string) => ({
      person: { title: null, givenName, middleName: null, familyName },
      emails: [{ address: email, use: null, primary: true }],
      phones: [],
    });
    await publish(person('salesforce', '003Z', 'CREATED', who('Hedy', 'Lamarr', 'hedy@example.org')));
    const bad = (await store.xref('salesforce', '003Z'))!;
    // A shape no CustomerEvent can carry (as a load once let in: an unknown partyType); the trigger queues it.
    await store.pool.query(
      `update ${quoteSchema(store.schema)}.golden set record = jsonb_set(record, '{partyType}', '"ALIEN"') where golden_id = $1`,
      [bad],
    );
    const published = sync.counts.golden;
    await publish(person('salesforce', '003Y', 'CREATED', who('Alan', 'Turing', 'alan@example.org')));
    const good = (await store.xref('salesforce', '003Y'))!;
    expect(sync.counts.refused).toBeGreaterThanOrEqual(1);
    expect(sync.counts.golden).toBeGreaterThan(published);
    expect((await allGolden()).map((e) => e.key)).toContain(good);
    const outbox = await store.pool.query(
      `select count(*)::int as n from ${quoteSchema(store.schema)}.golden_outbox`,
    );
    expect(outbox.rows[0].n).toBe(0);
    const letters = await listDeadLetters(bus.transport, {
      topic: 'dlq.mapping',
      filter: { owner: 'mdm-golden-sync', originalTopic: goldenTopic },
    });
    const letter = letters.entries.find((e) => e.key === bad);
    expect(letter?.message).toMatch(/invalid field\(s\) customer\.partyType/);
  });
});
