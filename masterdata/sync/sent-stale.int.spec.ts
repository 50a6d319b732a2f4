/**
 * What the hub sent to a record (`sync_sent`, a row per golden id, system and source id) after the record leaves the
 * golden record it was sent for: an unmerge, a source delete, a steward's decision that moves it, a merge, an
 * erasure. The rows used to stay under the old golden id, where the record was compared with them again when it came
 * back (a value taken as held that its system no longer held), and the golden record it went to compared it with
 * its record as last received instead of with what the hub had written there. On the real broker, registry and
 * PostgreSQL, with the relay; two systems that keep no golden id, so only values are written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { parseMdmConfig } from '../config.ts';
import { eraseCustomer } from '../erasure.ts';
import { mergeGolden, unmergeById } from '../steward.ts';
import type { MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { type GoldenSync, startGoldenSync } from './index.ts';

const customer = (
  system: string,
  id: string,
  values: Partial<CustomerPartyMaster>,
  updatedAt: string,
): CustomerPartyMaster =>
  ({
    customerId: `${system}:${id}`,
    sourceIds: [{ system, id, idType: null }],
    partyType: 'PERSON',
    emails: [],
    phones: [],
    addresses: [],
    updatedAt,
    ...values,
  }) as unknown as CustomerPartyMaster;

const named = (given: string, family: string) => ({
  person: { title: null, givenName: given, middleName: null, familyName: family },
});

describe('what was sent to a record that left its golden record', () => {
  const bus = testBus('/eai/tests/mdm-sent-stale');
  let store: MasterDataStore;
  let sync: GoldenSync;
  let q: string;

  beforeAll(async () => {
    const config = parseMdmConfig({
      survivorship: { default: { rule: 'mostRecent' } },
      sync: {
        systems: { crm: { push: true }, erp: { push: true } },
        goldenTopic: unique('sent-stale-golden'),
        commandTopicPrefix: `${unique('sent-stale-cmd')}.`,
        // Only flush() runs the relay: what it finds between two steps is the test's to say.
        pollMs: 3_600_000,
      },
    });
    store = await scratchStore(testStack().databaseUrl, config, 'sentstale');
    q = quoteSchema(store.schema);
    sync = await startGoldenSync({ bus, store });
  });
  afterAll(async () => {
    await sync?.stop();
    if (store) await dropStore(store);
  });

  /** The record's rows: under which golden id, and what was sent. */
  const rows = async (system: string, sourceId: string) =>
    (
      await store.pool.query<{ golden_id: string; fields: string[]; vals: Record<string, unknown> }>(
        `select golden_id, fields, vals from ${q}.sync_sent where system = $1 and source_id = $2 order by golden_id`,
        [system, sourceId],
      )
    ).rows;
  /** Rows of a record under a golden id the record is not in (and that was not merged into it). */
  const stale = async () =>
    (
      await store.pool.query<{ golden_id: string; system: string; source_id: string }>(
        `select ss.golden_id, ss.system, ss.source_id from ${q}.sync_sent ss
          where ss.source_id is not null and not exists (
            select 1 from ${q}.source_record sr
             where sr.system = ss.system and sr.source_id = ss.source_id and sr.golden_id = ss.golden_id)`,
      )
    ).rows;
  const lastMerge = async (goldenId: string) =>
    (await store.mergeHistory(goldenId)).filter((h) => h.kind === 'merge' && h.undoneBy === null).at(-1)!.id;

  /**
   * A CRM and an ERP record of one person that do not match on their own (a steward merges them); each pair its own
   * names and phone, so no pair matches another's records.
   */
  let pairs = 0;
  const pair = async () => {
    const n = pairs++;
    const crm = unique('c').slice(-8);
    const erp = unique('e').slice(-8);
    const a = await store.upsert(
      'crm',
      customer(
        'crm',
        crm,
        {
          ...named(['Ada', 'Bea', 'Cora', 'Dora'][n]!, 'Lovelace'),
          emails: [{ address: `${crm}@example.org`, use: null, primary: true }],
        },
        '2026-03-01T10:00:00Z',
      ),
    );
    const b = await store.upsert(
      'erp',
      customer(
        'erp',
        erp,
        {
          ...named(['Augusta', 'Beatrice', 'Clara', 'Dorothea'][n]!, 'King'),
          phones: [{ number: `+44207946000${n}`, isE164: true, use: null, primary: true }],
        },
        '2026-03-01T11:00:00Z',
      ),
    );
    expect(a.goldenId).not.toBe(b.goldenId);
    const merged = await mergeGolden(store, a.goldenId, b.goldenId, 'steward');
    await sync.flush();
    return { crm, erp, crmGolden: a.goldenId, erpGolden: b.goldenId, survivor: merged.goldenId };
  };

  it('an unmerge moves what was sent with each record, and the restored golden record is written back over it', async () => {
    const { crm, erp, erpGolden, survivor } = await pair();
    // The ERP record was written the CRM's email under the merged golden record.
    expect((await rows('erp', erp)).map((r) => [r.golden_id, r.fields.includes('emails')])).toEqual([
      [survivor, true],
    ]);
    await unmergeById(store, await lastMerge(survivor), 'steward');
    expect(await store.xref('erp', erp)).toBe(erpGolden);
    expect(await stale()).toEqual([]);
    await sync.flush();
    // Its system holds the email the hub wrote there, which its restored golden record does not have: cleared.
    const [row] = await rows('erp', erp);
    expect(row?.golden_id).toBe(erpGolden);
    expect(row?.vals.emails ?? []).toEqual([]);
    expect((await rows('crm', crm)).map((r) => r.golden_id)).toEqual([await store.xref('crm', crm)]);
  });

  it('a source delete takes what was sent to the record', async () => {
    const { erp } = await pair();
    expect(await rows('erp', erp)).toHaveLength(1);
    await store.removeSource('erp', erp, 'tombstone');
    expect(await rows('erp', erp)).toEqual([]);
    expect(await stale()).toEqual([]);
  });

  it("a steward's decision that moves a record away drops the row, and one that merges it back carries its new one", async () => {
    const { crm, erp, erpGolden, survivor } = await pair();
    await store.decide(
      { system: 'crm', sourceId: crm },
      { system: 'erp', sourceId: erp },
      'reject',
      'steward',
    );
    expect(await store.xref('erp', erp)).toBe(erpGolden);
    expect(await stale()).toEqual([]);
    await sync.flush();
    expect((await rows('erp', erp)).map((r) => r.golden_id)).toEqual([erpGolden]);
    // Together again: the row the record had under its own golden record comes along into the survivor.
    await store.decide(
      { system: 'crm', sourceId: crm },
      { system: 'erp', sourceId: erp },
      'accept',
      'steward',
    );
    await sync.flush();
    expect(await store.xref('erp', erp)).toBe(survivor);
    expect((await rows('erp', erp)).map((r) => r.golden_id)).toEqual([survivor]);
    expect(await stale()).toEqual([]);
  });

  it('an erasure leaves nothing of the customer in sync_sent, nor in what an unmerge carried to another record', async () => {
    const { crm, erp, erpGolden, survivor } = await pair();
    // Parted again: the ERP record's row, carried back with it, still holds the CRM person's email the hub wrote
    // there (the relay has not written the ERP record's own values yet).
    await unmergeById(store, await lastMerge(survivor), 'steward');
    expect(JSON.stringify(await rows('erp', erp))).toContain(`${crm}@example.org`);
    await eraseCustomer(store, { goldenId: survivor, requestedBy: 'dpo' });
    const left = (
      await store.pool.query<{ row: string }>(`select ss::text as row from ${q}.sync_sent ss`)
    ).rows.map((r) => r.row);
    expect(left.filter((r) => r.includes(crm) || r.includes(survivor))).toEqual([]);
    // The ERP customer stays; the relay compares every field with its record again.
    expect(await store.xref('erp', erp)).toBe(erpGolden);
    await sync.flush();
    expect(await stale()).toEqual([]);
  });
});
