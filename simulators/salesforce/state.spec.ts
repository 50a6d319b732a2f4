import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCustomers } from '../generator/generate.ts';
import { toJsonl } from '../generator/jsonl.ts';
import { API, getToken, startSalesforce } from './test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'sf-sim-'));
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe('state and seed', () => {
  it('remembers records, sessions, effects and idempotent answers across a restart with --state', async () => {
    const statePath = join(dir, 'salesforce.json');
    const first = await startSalesforce({ statePath });
    const created = await first.json<{ id: string }>('PATCH', `${API}/sobjects/Account/External_Id__c/K-1`, {
      Name: 'Kept',
    });
    expect(created.status).toBe(201);
    await first.sim.close();

    const second = await startSalesforce({ statePath });
    closers.push(second.sim.close);
    // The token issued before the restart still works.
    const read = await fetch(`${second.sim.url}${API}/sobjects/Account/${created.body.id}`, {
      headers: { authorization: `Bearer ${first.token}` },
    });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { Name: string }).Name).toBe('Kept');
    const upserted = await second.json('PATCH', `${API}/sobjects/Account/External_Id__c/K-1`, {
      Name: 'Kept again',
    });
    expect(upserted.body).toMatchObject({ id: created.body.id, created: false });
    const { count } = await second.control<{ count: number }>('GET', '/sim/effects');
    expect(count).toBe(2);
  });

  it('seeds from JSONL and resets to the seed or to empty', async () => {
    const seed = join(dir, 'seed.jsonl');
    writeFileSync(
      seed,
      [
        '# accounts first, contacts may point at them by external id',
        JSON.stringify({
          type: 'Account',
          Name: 'Müller GmbH',
          External_Id__c: 'S-1',
          LastModifiedDate: '2023-06-01T10:00:00Z',
        }),
        JSON.stringify({
          type: 'Contact',
          LastName: 'Müller',
          Email: 'k.mueller@example.de',
          Account: { External_Id__c: 'S-1' },
        }),
      ].join('\n'),
    );
    const sf = await startSalesforce({ seed });
    closers.push(sf.sim.close);
    const soql = (q: string) =>
      sf.json<{ totalSize: number; records: Array<Record<string, unknown>> }>(
        'GET',
        `${API}/query?q=${encodeURIComponent(q)}`,
      );
    expect(
      (await soql('SELECT Id FROM Account WHERE LastModifiedDate > 2024-01-01T00:00:00Z')).body.totalSize,
    ).toBe(0);
    const contacts = await soql('SELECT Id, AccountId FROM Contact');
    expect(contacts.body.records[0]?.AccountId).toMatch(/^001/);
    expect((await sf.control<{ count: number }>('GET', '/sim/effects')).count).toBe(0);

    await sf.json('POST', `${API}/sobjects/Account`, { Name: 'Extra' });
    await sf.call('POST', '/sim/reset');
    expect((await soql('SELECT Id FROM Account')).body.totalSize).toBe(1);
    await sf.call('POST', '/sim/reset?empty=true');
    expect((await soql('SELECT Id FROM Account')).body.totalSize).toBe(0);
    // Sessions survive a reset.
    expect(await getToken(sf.sim.url, 'eai-hub')).toMatch(/!/);
  });

  it("seeds the generator's lines with their ids, less the fields this org lacks, skipping other systems", async () => {
    const generated = generateCustomers({ seed: 5, entities: 40 });
    const seed = join(dir, 'generated.jsonl');
    writeFileSync(seed, toJsonl(generated.records));
    const sf = await startSalesforce({ seed });
    closers.push(sf.sim.close);
    const mine = generated.records.filter((r) => r.system === 'salesforce');
    const soql = (q: string) =>
      sf.json<{ totalSize: number; records: Array<Record<string, unknown>> }>(
        'GET',
        `${API}/query?q=${encodeURIComponent(q)}`,
      );
    const all = [
      ...(await soql('SELECT Id, Name, VAT_Number__c, LastModifiedDate FROM Account ORDER BY Id')).body
        .records,
      ...(await soql('SELECT Id, Salutation, LastName, LastModifiedDate FROM Contact ORDER BY Id')).body
        .records,
    ];
    expect(all.map((r) => r.Id).sort()).toEqual(mine.map((r) => (r.record as { Id: string }).Id).sort());
    const account = mine.find(
      (r) => r.type === 'Account' && (r.record as { VAT_Number__c?: unknown }).VAT_Number__c,
    );
    const { Id, VAT_Number__c, LastModifiedDate } = account!.record as Record<string, string>;
    expect(all.find((r) => r.Id === Id)).toMatchObject({
      VAT_Number__c,
      LastModifiedDate: new Date(LastModifiedDate!).toISOString().replace('Z', '+0000'),
    });
    // Keyset pages: after an Id, in Id order.
    const ids = all.filter((r) => String(r.Id).startsWith('001')).map((r) => String(r.Id));
    const rest = await soql(`SELECT Id FROM Account WHERE Id > '${ids[2]}' ORDER BY Id`);
    expect(rest.body.records.map((r) => r.Id)).toEqual(ids.slice(3));
  });
});
