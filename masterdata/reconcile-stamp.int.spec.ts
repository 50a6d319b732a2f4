/**
 * `eai mdm reconcile` of a record whose golden id stamp a person removed in the system, the record alike in every
 * golden field: the report says it `differs` in the stamp (`sourceIds[eai_golden_id]`), as the repair that stamps it
 * again treats it; before, the report counted it `same` while `--repair` wrote the stamp. An export that reads no
 * stamp at all says nothing of it. On the real broker, registry and PostgreSQL, with the sync relay.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { readDecoded } from '../tests/decode-raw.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { parseMdmConfig } from './config.ts';
import { customerFile, loadJsonLines } from './load.ts';
import { inWords, reconcile } from './reconcile.ts';
import type { MasterDataStore } from './store.ts';
import { type GoldenSync, startGoldenSync } from './sync/index.ts';
import { dropStore, scratchStore } from './test-support.ts';

const person = (system: string, id: string, given: string, family: string) =>
  ({
    customerId: `${system}:${id}`,
    sourceIds: [{ system, id, idType: system === 'hubspot' ? 'hs_object_id' : null }],
    partyType: 'PERSON',
    person: { title: null, givenName: given, middleName: null, familyName: family },
    emails: [{ address: `${given}.${family}@example.org`.toLowerCase(), use: null, primary: true }],
    phones: [{ number: '+442079460000', isE164: true, use: null, primary: true }],
    updatedAt: '2026-03-01T10:00:00Z',
  }) as unknown as CustomerPartyMaster;

const stamped = (record: CustomerPartyMaster, goldenId: string) =>
  ({
    ...record,
    sourceIds: [...(record.sourceIds ?? []), { system: 'hubspot', id: goldenId, idType: 'eai_golden_id' }],
  }) as CustomerPartyMaster;

describe('reconcile of a record whose golden id stamp was removed in the system', () => {
  const bus = testBus('/eai/tests/mdm-reconcile-stamp');
  const goldenTopic = unique('h11-recstamp-golden');
  const prefix = `${unique('h11-recstamp-cmd')}.`;
  const dir = mkdtempSync(join(tmpdir(), 'h11-recstamp-'));
  let files = 0;
  let store: MasterDataStore;
  let sync: GoldenSync;
  const file = (...records: CustomerPartyMaster[]) => {
    const path = join(dir, `export-${++files}.jsonl`);
    writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    return path;
  };
  const load = async (system: string, ...records: CustomerPartyMaster[]) => {
    await loadJsonLines(store, system, file(...records), { again: true });
    await sync.flush();
  };
  const report = async (records: CustomerPartyMaster[], repair = false) => {
    const result = await reconcile(store, 'hubspot', customerFile(file(...records), 'hubspot'), { repair });
    await sync.flush();
    return result;
  };
  /** The hub's stamps written into HubSpot's record of the golden record (commands naming customerId). */
  const stamps = async (goldenId: string) => {
    const count = sync.counts.commands.hubspot ?? 0;
    return (
      count === 0 ? [] : await readDecoded<{ changedFields: string[] }>(`${prefix}hubspot`, count)
    ).filter((m) => m.key === goldenId && m.decoded.changedFields.includes('customerId')).length;
  };

  beforeAll(async () => {
    const config = parseMdmConfig({
      sync: {
        systems: { salesforce: { push: true }, hubspot: { push: true } },
        goldenTopic,
        commandTopicPrefix: prefix,
        pollMs: 3_600_000,
      },
    });
    store = await scratchStore(testStack().databaseUrl, config, 'h11rst');
    sync = await startGoldenSync({ bus, store });
  });
  afterAll(async () => {
    await sync?.stop();
    if (store) await dropStore(store);
  });

  it('reports the removed stamp as drift, which the repair stamps again; an export without stamps reports none', async () => {
    const mary = person('hubspot', '201', 'Mary', 'Somerville');
    const emmy = person('hubspot', '202', 'Emmy', 'Noether');
    await load('salesforce', person('salesforce', '003M', 'Mary', 'Somerville'));
    await load('hubspot', mary, emmy);
    const goldenId = (await store.xref('hubspot', '201')) as string;
    const emmyId = (await store.xref('hubspot', '202')) as string;
    expect(await store.xref('salesforce', '003M')).toBe(goldenId);
    expect(await stamps(goldenId)).toBe(1);
    // The stamp's echo: the hub holds both records stamped.
    await load('hubspot', stamped(mary, goldenId), stamped(emmy, emmyId));
    const inSync = await report([stamped(mary, goldenId), stamped(emmy, emmyId)]);
    expect(inSync.counts).toMatchObject({ same: 2, differs: 0, behind: 0 });

    // A person removed Mary's stamp; the export reads the stamp (Emmy's record, after hers, carries one).
    const removed = [mary, stamped(emmy, emmyId)];
    const found = await report(removed);
    expect(found.counts).toMatchObject({ same: 1, differs: 1, behind: 0, extra: 0, missing: 0 });
    expect(found.drift).toEqual([
      { kind: 'differs', sourceId: '201', goldenId, fields: ['sourceIds[eai_golden_id]'] },
    ]);
    expect(inWords('sourceIds[eai_golden_id]', 'hubspot')).toBe(
      'golden id stamp eai_golden_id (removed in hubspot; --repair writes it again)',
    );
    // A report applies nothing: no stamp written, and the next report finds the same drift.
    expect(await stamps(goldenId)).toBe(1);
    expect((await report(removed)).counts).toMatchObject({ same: 1, differs: 1 });

    // An export that reads no stamp at all (no record of it carries one) says nothing of the stamp.
    expect((await report([mary, emmy])).counts).toMatchObject({ same: 2, differs: 0 });

    // The repair does what the report said: loads the record and stamps it again, once.
    const repaired = await report(removed, true);
    expect(repaired.counts).toMatchObject({ same: 1, differs: 1 });
    expect(repaired.repaired).toEqual({ updated: 1, deleted: 0 });
    expect(await stamps(goldenId)).toBe(2);
    // The hub now holds the record as the export shows it: in sync, and no stamp sent again.
    expect((await report(removed)).counts).toMatchObject({ same: 2, differs: 0 });
    expect((await report(removed, true)).repaired).toEqual({ updated: 0, deleted: 0 });
    expect(await stamps(goldenId)).toBe(2);
  });
});
