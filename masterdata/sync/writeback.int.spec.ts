/**
 * An edit that loses survivorship is written back to the system it came from (and only there): the golden record
 * does not change, so no golden change queues it; the matcher queues a write-back instead. And two edits of one
 * field whose times tie at Odoo's whole seconds: the later on the bus wins. On the real broker, registry and
 * PostgreSQL, fed by the matcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const phone = (number: string) => [{ number, isE164: true, use: null, primary: true }];

describe('golden sync relay: an edit that loses survivorship is written back; ties at a clock’s precision', () => {
  const bus = testBus('/eai/tests/mdm-writeback');
  const topic = unique('h1-writeback-customers');
  const goldenTopic = unique('h1-writeback-golden');
  const prefix = `${unique('h1-writeback-cmd')}.`;
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
    customer: { customerId: string; phones: Array<{ number: string }> };
  };
  /** Everything the relay published on a topic of this spec's own (nothing read when it published nothing). */
  const read = async (from: string, count: number) => (count === 0 ? [] : readDecoded<Decoded>(from, count));
  const commands = async (system: string, goldenId: string) =>
    (await read(`${prefix}${system}`, sync.counts.commands[system] ?? 0))
      .filter((m) => m.key === goldenId)
      .map((m) => m.decoded);
  const goldenEvents = async (goldenId: string) =>
    (await read(goldenTopic, sync.counts.golden)).filter((m) => m.key === goldenId);

  beforeAll(async () => {
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const config = parseMdmConfig({
      survivorship: {
        default: { rule: 'mostRecent' },
        // Salesforce's phone is trusted over HubSpot's: a phone edit in HubSpot loses.
        fields: { phones: { rule: 'sourcePriority', priority: ['salesforce', 'hubspot'] } },
      },
      sync: {
        systems: { salesforce: { push: true }, hubspot: { push: true }, sap: {} },
        goldenTopic,
        commandTopicPrefix: prefix,
        pollMs: 100,
      },
    });
    store = await scratchStore(testStack().databaseUrl, config, 'h1wb');
    sync = await startGoldenSync({ bus, store });
    matcher = await startCustomerMatcher({
      bus,
      store,
      topic,
      groupId: unique('h1-writeback-matcher'),
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

  it('sends the golden value back to the losing system only, once, and takes its echo as the echo', async () => {
    await publish(person('salesforce', '003A', 'CREATED'));
    await publish(person('hubspot', '101', 'CREATED', {}, [], '2026-03-01T10:05:00Z'));
    const goldenId = (await store.xref('salesforce', '003A'))!;
    expect(await store.xref('hubspot', '101')).toBe(goldenId);
    const [sfBefore, hsBefore] = [
      (await commands('salesforce', goldenId)).length,
      (await commands('hubspot', goldenId)).length,
    ];
    const goldenBefore = (await goldenEvents(goldenId)).length;

    // A person changes the phone in HubSpot; Salesforce's phone survives.
    await publish(
      person(
        'hubspot',
        '101',
        'UPDATED',
        { phones: phone('+442079469999') },
        ['phones'],
        '2026-03-02T09:00:00Z',
      ),
    );
    const golden = await store.golden(goldenId);
    expect(golden?.record?.phones?.map((p) => p.number)).toEqual(['+442079460000']);
    // The golden record did not change: nothing new on the golden topic, nothing to Salesforce.
    expect((await goldenEvents(goldenId)).length).toBe(goldenBefore);
    expect((await commands('salesforce', goldenId)).slice(sfBefore)).toEqual([]);
    // HubSpot is sent the golden phone, the field its edit lost, and nothing else.
    const toHubspot = (await commands('hubspot', goldenId)).slice(hsBefore);
    expect(toHubspot.map((c) => [c.changeType, c.changedFields])).toEqual([
      ['UPDATED', ['phones', 'updatedAt']],
    ]);
    expect(toHubspot[0]?.customer.phones.map((p) => p.number)).toEqual(['+442079460000']);
    expect(sync.counts.writebacks).toMatchObject({ hubspot: 1 });
    // What was sent is what the hub holds HubSpot to have.
    const sent = await store.pool.query(
      `select fields, vals from ${quoteSchema(store.schema)}.sync_sent where golden_id = $1 and system = 'hubspot'`,
      [goldenId],
    );
    expect(sent.rows[0]?.fields).toContain('phones');

    // HubSpot's echo of that write (unstamped: recognised by its values) is an echo, and the sync is quiet.
    const echoes = matcher.counts.echo;
    await publish(
      person(
        'hubspot',
        '101',
        'UPDATED',
        { phones: phone('+442079460000') },
        ['phones'],
        '2026-03-02T09:00:05Z',
      ),
    );
    expect(matcher.counts.echo).toBe(echoes + 1);
    expect((await commands('hubspot', goldenId)).length).toBe(hsBefore + 1);
    expect((await commands('salesforce', goldenId)).slice(sfBefore)).toEqual([]);
    expect((await goldenEvents(goldenId)).length).toBe(goldenBefore);
  });

  it('an edit that wins one field and loses another is written back the lost field only', async () => {
    await publish(
      person('salesforce', '003B', 'CREATED', {
        emails: [{ address: 'grace@example.org', use: null, primary: true }],
        person: { title: null, givenName: 'Grace', middleName: null, familyName: 'Hopper' },
      }),
    );
    await publish(
      person(
        'hubspot',
        '102',
        'CREATED',
        {
          emails: [{ address: 'grace@example.org', use: null, primary: true }],
          person: { title: null, givenName: 'Grace', middleName: null, familyName: 'Hopper' },
        },
        [],
        '2026-03-01T10:05:00Z',
      ),
    );
    const goldenId = (await store.xref('salesforce', '003B'))!;
    expect(await store.xref('hubspot', '102')).toBe(goldenId);
    const [sfBefore, hsBefore] = [
      (await commands('salesforce', goldenId)).length,
      (await commands('hubspot', goldenId)).length,
    ];
    // One HubSpot event: a new last name (wins: mostRecent) and a new phone (loses: Salesforce's is trusted).
    await publish(
      person(
        'hubspot',
        '102',
        'UPDATED',
        {
          person: { title: null, givenName: 'Grace', middleName: null, familyName: 'Hopper-Murray' },
          phones: phone('+442079468888'),
        },
        ['person.familyName', 'phones'],
        '2026-03-02T09:00:00Z',
      ),
    );
    expect(await store.xref('hubspot', '102')).toBe(goldenId);
    const golden = (await store.golden(goldenId))?.record;
    expect(golden?.person?.familyName).toBe('Hopper-Murray');
    expect(golden?.phones?.map((p) => p.number)).toEqual(['+442079460000']);
    // Salesforce gets the last name; HubSpot the phone it lost, not the last name it sent.
    expect((await commands('salesforce', goldenId)).slice(sfBefore).map((c) => c.changedFields)).toEqual([
      ['person', 'updatedAt'],
    ]);
    expect((await commands('hubspot', goldenId)).slice(hsBefore).map((c) => c.changedFields)).toEqual([
      ['phones', 'updatedAt'],
    ]);
  });

  it('an edit that wins sends nothing back to its system', async () => {
    await publish(
      person('salesforce', '003C', 'CREATED', {
        emails: [{ address: 'alan@example.org', use: null, primary: true }],
        person: { title: null, givenName: 'Alan', middleName: null, familyName: 'Turing' },
      }),
    );
    await publish(
      person(
        'hubspot',
        '103',
        'CREATED',
        {
          emails: [{ address: 'alan@example.org', use: null, primary: true }],
          person: { title: null, givenName: 'Alan', middleName: null, familyName: 'Turing' },
        },
        [],
        '2026-03-01T10:05:00Z',
      ),
    );
    const goldenId = (await store.xref('salesforce', '003C'))!;
    const hsBefore = (await commands('hubspot', goldenId)).length;
    const writebacks = sync.counts.writebacks.hubspot ?? 0;
    await publish(
      person(
        'salesforce',
        '003C',
        'UPDATED',
        { phones: phone('+442079467777') },
        ['phones'],
        '2026-03-02T09:00:00Z',
      ),
    );
    expect((await store.golden(goldenId))?.record?.phones?.map((p) => p.number)).toEqual(['+442079467777']);
    const outbox = await store.pool.query(
      `select count(*)::int as n from ${quoteSchema(store.schema)}.golden_outbox`,
    );
    expect(outbox.rows[0].n).toBe(0);
    expect((await commands('hubspot', goldenId)).slice(hsBefore).map((c) => c.changedFields)).toEqual([
      ['phones', 'updatedAt'],
    ]);
    expect(sync.counts.writebacks.hubspot ?? 0).toBe(writebacks);
  });

  it('two edits of one field within Odoo’s second: the later on the bus wins, and the other system is sent it', async () => {
    const who = {
      person: { title: null, givenName: 'Hedy', middleName: null, familyName: 'Lamarr' },
      emails: [{ address: 'hedy@example.org', use: null, primary: true }],
      phones: phone('+442079465555'),
    };
    await publish(person('hubspot', '104', 'CREATED', who, [], '2026-03-01T10:00:00Z'));
    await publish(person('odoo', '44', 'CREATED', who, [], '2026-03-01T10:01:00Z'));
    const goldenId = (await store.xref('hubspot', '104'))!;
    expect(await store.xref('odoo', '44')).toBe(goldenId);
    const hsBefore = (await commands('hubspot', goldenId)).length;
    const email = (address: string) => ({ emails: [{ address, use: null, primary: true }] });
    // HubSpot's edit at 10:00:00.500 reaches the bus first; Odoo's, stamped 10:00:00 by its write_date (whole
    // seconds: it may have been made at 10:00:00.900), comes after it. Compared to the millisecond, HubSpot's won.
    await publish(
      person(
        'hubspot',
        '104',
        'UPDATED',
        email('hedy.hs@example.org'),
        ['emails'],
        '2026-03-02T10:00:00.500Z',
      ),
    );
    await publish(
      person('odoo', '44', 'UPDATED', email('hedy.odoo@example.org'), ['emails'], '2026-03-02T10:00:00.000Z'),
    );
    const golden = await store.golden(goldenId);
    expect(golden?.record?.emails?.map((e) => e.address)).toEqual(['hedy.odoo@example.org']);
    expect(golden?.lineage?.emails).toMatchObject({ system: 'odoo', sourceId: '44' });
    // HubSpot, whose edit the tie went against, is sent Odoo's email.
    const toHubspot = (await commands('hubspot', goldenId)).slice(hsBefore);
    expect(toHubspot.at(-1)?.changedFields).toEqual(['emails', 'updatedAt']);
    const stored = await store.pool.query<{ field_times: Record<string, string> }>(
      `select field_times from ${quoteSchema(store.schema)}.source_record where system = 'odoo' and source_id = '44'`,
    );
    expect(stored.rows[0]?.field_times['emails@arrival']).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
