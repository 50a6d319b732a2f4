/**
 * Reconcile on a real PostgreSQL: an export that writes SAP's customer numbers without their leading zeros (a CSV
 * opened and saved in Excel, SAP's output form) names the records the hub holds with them, so a repair neither
 * deletes them nor creates them anew.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { testStack } from '../tests/stack.ts';
import { defaultMdmConfig } from './config.ts';
import { eraseCustomer } from './erasure.ts';
import { customerFile } from './load.ts';
import { reconcile } from './reconcile.ts';
import type { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores) await dropStore(s);
});

const soldTo = (kunnr: string, name: string, phone: string): CustomerPartyMaster =>
  ({
    customerId: `sap:${kunnr}`,
    sourceIds: [{ system: 'sap', id: kunnr }],
    partyType: 'ORGANIZATION',
    organizationName: name,
    phones: [{ number: phone }],
    addresses: [
      {
        use: 'BILLING',
        lines: ['Hauptstraße 12'],
        city: 'Stuttgart',
        postalCode: '70173',
        countryCode: 'DE',
      },
    ],
  }) as CustomerPartyMaster;

describe('reconcile', () => {
  it('reads a customer number without its leading zeros as the record the hub holds with them', async () => {
    const store = await scratchStore(testStack().databaseUrl, defaultMdmConfig(), 'reconcile');
    stores.push(store);
    await store.upsertBatch([
      { system: 'sap', customer: soldTo('0000100001', 'Müller Maschinenbau GmbH', '+49 711 1234560') },
      { system: 'sap', customer: soldTo('0000100002', 'Schulte Fördertechnik AG', '+49 521 778800') },
    ]);
    const golden = await store.xref('sap', '0000100001');
    const file = join(mkdtempSync(join(tmpdir(), 'reconcile-')), 'sap-today.jsonl');
    writeFileSync(
      file,
      `${[
        soldTo('100001', 'Müller Maschinenbau GmbH', '+49 711 1234599'),
        soldTo('100002', 'Schulte Fördertechnik AG', '+49 521 778800'),
      ]
        .map((c) => JSON.stringify(c))
        .join('\n')}\n`,
    );

    const report = await reconcile(store, 'sap', customerFile(file, 'sap'));
    expect(report.counts).toEqual({ missing: 0, extra: 0, differs: 1, behind: 0, erased: 0, same: 1 });
    expect(report.drift).toEqual([
      { kind: 'differs', sourceId: '0000100001', goldenId: golden, fields: ['phones'] },
    ]);

    const repaired = await reconcile(store, 'sap', customerFile(file, 'sap'), { repair: true });
    expect(repaired.repaired).toEqual({ updated: 1, deleted: 0 });
    expect(await store.xref('sap', '0000100001')).toBe(golden);
    // No second record under the other form: the cross-reference holds the two numbers as SAP does.
    const xref: string[] = [];
    for await (const x of store.exportXref()) xref.push(x.sourceId);
    expect(xref).toEqual(['0000100001', '0000100002']);
    expect((await store.sourceState('sap', '0000100001'))?.record.phones).toEqual([
      { number: '+49 711 1234599' },
    ]);
  });

  it('names a record erased in the hub that the export still holds as erased, not extra, and no repair loads it', async () => {
    const store = await scratchStore(testStack().databaseUrl, defaultMdmConfig(), 'reconcile');
    stores.push(store);
    const person = (kunnr: string, given: string, family: string, email: string): CustomerPartyMaster =>
      ({
        customerId: `sap:${kunnr}`,
        sourceIds: [{ system: 'sap', id: kunnr }],
        partyType: 'PERSON',
        person: { givenName: given, familyName: family },
        emails: [{ address: email }],
        addresses: [
          { use: 'BILLING', lines: ['Lindenweg 3'], city: 'Kassel', postalCode: '34117', countryCode: 'DE' },
        ],
      }) as CustomerPartyMaster;
    await store.upsertBatch([
      { system: 'sap', customer: person('0000200001', 'Jana', 'Vogt', 'jana.vogt@example.de') },
    ]);
    const erasure = await eraseCustomer(store, {
      record: { system: 'sap', sourceId: '0000200001' },
      requestedBy: 'dpo@example.com',
    });
    // SAP's export still holds her (without the leading zeros), and a customer the hub never saw.
    const file = join(mkdtempSync(join(tmpdir(), 'reconcile-')), 'sap-today.jsonl');
    writeFileSync(
      file,
      `${[
        person('200001', 'Jana', 'Vogt', 'jana.vogt@example.de'),
        person('200002', 'Lars', 'Brandt', 'lars.brandt@example.de'),
      ]
        .map((c) => JSON.stringify(c))
        .join('\n')}\n`,
    );
    const report = await reconcile(store, 'sap', customerFile(file, 'sap'));
    expect(report.counts).toEqual({ missing: 0, extra: 1, differs: 0, behind: 0, erased: 1, same: 0 });
    expect(report.drift).toEqual([
      { kind: 'erased', sourceId: '200001', goldenId: null, fields: [], erasureId: erasure.erasureId },
      { kind: 'extra', sourceId: '200002', goldenId: null, fields: [] },
    ]);

    const repaired = await reconcile(store, 'sap', customerFile(file, 'sap'), { repair: true });
    expect(repaired.repaired).toEqual({ updated: 1, deleted: 0 });
    expect(repaired.counts.erased).toBe(1);
    expect(await store.xref('sap', '200001')).toBeNull();
    expect(await store.xref('sap', '200002')).not.toBeNull();
    // Sync health reads the erased count from the last run, repaired or not.
    const [last] = await store.lastReconciles();
    expect(last).toMatchObject({ system: 'sap', counts: { erased: 1, extra: 1 }, repaired: { updated: 1 } });
    // Erased in SAP by hand: the next reconcile finds nothing erased.
    writeFileSync(file, `${JSON.stringify(person('200002', 'Lars', 'Brandt', 'lars.brandt@example.de'))}\n`);
    expect((await reconcile(store, 'sap', customerFile(file, 'sap'))).counts.erased).toBe(0);
  });
});
