/**
 * A value that loses survivorship in a bulk load (`eai mdm load`) or a repairing reconcile (`eai mdm reconcile
 * --repair`) is written back to the system it came from, as a live edit's is: the golden record does not change, so
 * no golden change queues it; `upsertBatch` (and the repair, for records it finds behind) queues a write-back. On the
 * real broker, registry and PostgreSQL, with the relay; no matcher (the systems' word comes as files).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { quoteSchema } from '../../store/migrate.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { parseMdmConfig } from '../config.ts';
import { customerFile, loadJsonLines } from '../load.ts';
import { reconcile } from '../reconcile.ts';
import type { MasterDataStore } from '../store.ts';
import { dropStore, scratchStore } from '../test-support.ts';
import { type GoldenSync, startGoldenSync, writeBackHistory } from './index.ts';

const person = (system: string, id: string, phone: string, given = 'Ada', family = 'Lovelace') =>
  ({
    customerId: `${system}:${id}`,
    sourceIds: [{ system, id, idType: null }],
    partyType: 'PERSON',
    person: { title: null, givenName: given, middleName: null, familyName: family },
    emails: [{ address: `${given}.${family}@example.org`.toLowerCase(), use: null, primary: true }],
    phones: [{ number: phone, isE164: true, use: null, primary: true }],
    updatedAt: '2026-03-01T10:00:00Z',
  }) as unknown as CustomerPartyMaster;

const SF_PHONE = '+442079460000';

describe('write-back of values that lose in a bulk load or a reconcile repair', () => {
  const bus = testBus('/eai/tests/mdm-writeback-bulk');
  const goldenTopic = unique('h10-wbbulk-golden');
  const prefix = `${unique('h10-wbbulk-cmd')}.`;
  const dir = mkdtempSync(join(tmpdir(), 'h10-wbbulk-'));
  let files = 0;
  let store: MasterDataStore;
  let sync: GoldenSync;
  const file = (...records: CustomerPartyMaster[]) => {
    const path = join(dir, `export-${++files}.jsonl`);
    writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    return path;
  };
  const load = async (system: string, ...records: CustomerPartyMaster[]) => {
    const summary = await loadJsonLines(store, system, file(...records), { again: true });
    await sync.flush();
    return summary.counts;
  };
  type Decoded = { changedFields: string[]; customer: { phones: Array<{ number: string }> } };
  const commands = async (system: string, goldenId: string) => {
    const count = sync.counts.commands[system] ?? 0;
    return (count === 0 ? [] : await readDecoded<Decoded>(`${prefix}${system}`, count))
      .filter((m) => m.key === goldenId)
      .map((m) => m.decoded);
  };

  beforeAll(async () => {
    const config = parseMdmConfig({
      survivorship: {
        default: { rule: 'mostRecent' },
        // Salesforce's phone is trusted over HubSpot's: a HubSpot phone loses.
        fields: { phones: { rule: 'sourcePriority', priority: ['salesforce', 'hubspot'] } },
      },
      sync: {
        systems: { salesforce: { push: true }, hubspot: { push: true }, sap: {} },
        goldenTopic,
        commandTopicPrefix: prefix,
        // Only flush() runs the relay: a spec can take a queued row away first.
        pollMs: 3_600_000,
      },
    });
    store = await scratchStore(testStack().databaseUrl, config, 'h10wbb');
    sync = await startGoldenSync({ bus, store });
  });
  afterAll(async () => {
    await sync?.stop();
    if (store) await dropStore(store);
  });

  it('a load whose value loses writes the golden value back to that system only; a load of what it then holds is in sync', async () => {
    await load('salesforce', person('salesforce', '003A', SF_PHONE));
    expect(await load('hubspot', person('hubspot', '101', SF_PHONE))).toMatchObject({ merged: 1 });
    const goldenId = (await store.xref('salesforce', '003A')) as string;
    expect(await store.xref('hubspot', '101')).toBe(goldenId);
    const [sfBefore, hsBefore] = [
      (await commands('salesforce', goldenId)).length,
      (await commands('hubspot', goldenId)).length,
    ];

    // HubSpot's export holds another phone: it is stored, and loses to Salesforce's.
    expect(await load('hubspot', person('hubspot', '101', '+442079469999'))).toMatchObject({ updated: 1 });
    expect((await store.golden(goldenId))?.record?.phones?.map((p) => p.number)).toEqual([SF_PHONE]);
    const toHubspot = (await commands('hubspot', goldenId)).slice(hsBefore);
    expect(toHubspot.map((c) => c.changedFields)).toEqual([['phones', 'updatedAt']]);
    expect(toHubspot[0]?.customer.phones.map((p) => p.number)).toEqual([SF_PHONE]);
    expect((await commands('salesforce', goldenId)).slice(sfBefore)).toEqual([]);
    expect(sync.counts.writebacks).toMatchObject({ hubspot: 1 });
    // The golden record's history (eai mdm show) holds it: when, to which system and record, which fields.
    expect(await writeBackHistory(store.pool, store.schema, goldenId)).toEqual([
      { at: expect.any(Date), goldenId, system: 'hubspot', sourceId: '101', fields: ['phones'] },
    ]);

    // HubSpot took the write: its next export holds the golden phone, nothing goes out, and a reconcile finds it in sync.
    const now = person('hubspot', '101', SF_PHONE);
    expect(await load('hubspot', now)).toMatchObject({ updated: 1 });
    expect((await commands('hubspot', goldenId)).length).toBe(hsBefore + 1);
    const report = await reconcile(store, 'hubspot', customerFile(file(now), 'hubspot'));
    expect(report.counts).toMatchObject({ same: 1, behind: 0, differs: 0 });
    expect(await writeBackHistory(store.pool, store.schema, goldenId)).toHaveLength(1);
  });

  it('a load to a system the config does not push to queues nothing', async () => {
    await load('salesforce', person('salesforce', '003B', SF_PHONE, 'Grace', 'Hopper'));
    await load('sap', person('sap', '0000100002', SF_PHONE, 'Grace', 'Hopper'));
    const outbox = `select count(*)::int as n from ${quoteSchema(store.schema)}.golden_outbox where writeback is not null`;
    await loadJsonLines(store, 'sap', file(person('sap', '0000100002', '+4930123', 'Grace', 'Hopper')));
    expect((await store.pool.query(outbox)).rows[0].n).toBe(0);
    await sync.flush();
  });

  it('a repair writes back what lost in the export, and what it finds behind the golden record', async () => {
    await load('salesforce', person('salesforce', '003C', SF_PHONE, 'Alan', 'Turing'));
    await load('hubspot', person('hubspot', '103', SF_PHONE, 'Alan', 'Turing'));
    const goldenId = (await store.xref('salesforce', '003C')) as string;
    expect(await store.xref('hubspot', '103')).toBe(goldenId);
    const hsBefore = (await commands('hubspot', goldenId)).length;

    // The export differs from what the hub holds: the repair stores it, it loses, and the golden phone goes back.
    const drifted = person('hubspot', '103', '+442079468888', 'Alan', 'Turing');
    const repaired = await reconcile(store, 'hubspot', customerFile(file(drifted), 'hubspot'), {
      repair: true,
    });
    expect(repaired.counts).toMatchObject({ differs: 1 });
    await sync.flush();
    expect((await commands('hubspot', goldenId)).slice(hsBefore).map((c) => c.changedFields)).toEqual([
      ['phones', 'updatedAt'],
    ]);

    // A record already behind (as one loaded before write-backs were queued: its row taken away unsent).
    const q = quoteSchema(store.schema);
    const behind = person('hubspot', '103', '+442079467777', 'Alan', 'Turing');
    await loadJsonLines(store, 'hubspot', file(behind));
    await store.pool.query(`delete from ${q}.golden_outbox where writeback is not null`);
    await sync.flush();
    const report = await reconcile(store, 'hubspot', customerFile(file(behind), 'hubspot'));
    expect(report.counts).toMatchObject({ behind: 1 });
    expect(report.drift).toEqual([{ kind: 'behind', sourceId: '103', goldenId, fields: ['phones'] }]);
    const commandsBefore = (await commands('hubspot', goldenId)).length;
    await reconcile(store, 'hubspot', customerFile(file(behind), 'hubspot'), { repair: true });
    await sync.flush();
    const sent = (await commands('hubspot', goldenId)).slice(commandsBefore);
    expect(sent.map((c) => c.changedFields)).toEqual([['phones', 'updatedAt']]);
    expect(sent[0]?.customer.phones.map((p) => p.number)).toEqual([SF_PHONE]);
    expect((await store.pool.query(`select count(*)::int as n from ${q}.golden_outbox`)).rows[0].n).toBe(0);
  });

  it('a load or a repair of a record whose golden id stamp was cleared in the system stamps it again, once', async () => {
    const stamped = (r: CustomerPartyMaster, goldenId: string) =>
      ({
        ...r,
        sourceIds: [...(r.sourceIds ?? []), { system: 'hubspot', id: goldenId, idType: 'eai_golden_id' }],
      }) as CustomerPartyMaster;
    await load('salesforce', person('salesforce', '003D', SF_PHONE, 'Mary', 'Somerville'));
    const ada = person('hubspot', '104', SF_PHONE, 'Mary', 'Somerville');
    await load('hubspot', ada);
    const goldenId = (await store.xref('salesforce', '003D')) as string;
    expect(await store.xref('hubspot', '104')).toBe(goldenId);
    // Another customer of the same export, whose record shows its stamp: the export reads eai_golden_id.
    const other = person('hubspot', '105', '+442079465555', 'Emmy', 'Noether');
    await load('hubspot', other);
    const otherId = (await store.xref('hubspot', '105')) as string;
    const stamps = async () =>
      (await commands('hubspot', goldenId)).filter((c) => c.changedFields.includes('customerId')).length;
    // The relay stamped the record once; its next export shows the stamp (the hub holds it by that word).
    expect(await stamps()).toBe(1);
    await load('hubspot', stamped(ada, goldenId), stamped(other, otherId));
    expect(await stamps()).toBe(1);

    // A person cleared it in HubSpot; the export shows the record without it: the hub stamps it again, once.
    await load('hubspot', ada, stamped(other, otherId));
    expect(await stamps()).toBe(2);
    await load('hubspot', ada, stamped(other, otherId));
    expect(await stamps()).toBe(2);
    // Its echo (the next export) holds it: nothing more.
    await load('hubspot', stamped(ada, goldenId), stamped(other, otherId));
    expect(await stamps()).toBe(2);

    // A repair of an export without it stamps it again, once (the record holds every golden value: it differs in
    // the stamp alone).
    const repair = () =>
      reconcile(store, 'hubspot', customerFile(file(ada, stamped(other, otherId)), 'hubspot'), {
        repair: true,
      });
    expect((await repair()).counts).toMatchObject({ same: 1, differs: 1 });
    await sync.flush();
    expect(await stamps()).toBe(3);
    // Its echo not back yet (the hub holds the record as the export showed it), the next repair sends nothing more.
    expect((await repair()).counts).toMatchObject({ same: 2, differs: 0 });
    await sync.flush();
    expect(await stamps()).toBe(3);
    await load('hubspot', stamped(ada, goldenId), stamped(other, otherId));

    // An export that reads no stamp at all (HubSpot's crm-object, Salesforce's sobject) says nothing of it: none sent.
    await load('hubspot', ada, other);
    expect(await stamps()).toBe(3);
    expect(
      (await reconcile(store, 'hubspot', customerFile(file(ada), 'hubspot'), { repair: true })).counts,
    ).toMatchObject({ same: 1 });
    await sync.flush();
    expect(await stamps()).toBe(3);
  });
});
