import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCustomers } from '../generator/generate.ts';
import { toJsonl } from '../generator/jsonl.ts';
import { CONTACTS, type ContactObject, type HubSpotHarness, startHubSpot } from './test-support.ts';

interface SearchPage {
  total: number;
  results: ContactObject[];
  paging?: { next: { after: string } };
}

const dir = mkdtempSync(join(tmpdir(), 'hubspot-sim-'));
const generated = generateCustomers({ seed: 7, entities: 120 });
const seeded = generated.records.filter((r) => r.system === 'hubspot');
// The generator's file holds all four systems; the HubSpot simulator takes its own lines only.
writeFileSync(join(dir, 'all.jsonl'), toJsonl(generated.records));

let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot({ seed: join(dir, 'all.jsonl') });
});
afterAll(async () => {
  await hs.sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const search = (body: unknown) => hs.json<SearchPage>('POST', `${CONTACTS}/search`, body);
const modified = (c: ContactObject) => Date.parse(c.properties.lastmodifieddate ?? '');

describe('search', () => {
  it('loads the generator seed as documented contact objects', async () => {
    const first = seeded[0]!.record as { id: string; properties: Record<string, string | null> };
    const got = await hs.json<ContactObject>('GET', `${CONTACTS}/${first.id}?properties=email,city,company`);
    expect(got.status).toBe(200);
    expect(got.body.properties.city).toBe(first.properties.city);
    expect(got.body.properties.email).toBe(first.properties.email?.toLowerCase() ?? null);
    const all = await search({ limit: 0 });
    expect(all.body.total).toBe(seeded.length);
  });

  it('filters on lastmodifieddate with GT and sorts ascending, paging to the end', async () => {
    const times = seeded
      .map((r) => Date.parse((r.record as { updatedAt: string }).updatedAt))
      .sort((a, b) => a - b);
    const cut = times[Math.floor(times.length / 2)]!;
    const expected = times.filter((t) => t > cut).length;
    const seen: ContactObject[] = [];
    let after: string | undefined;
    do {
      const page = await search({
        filterGroups: [
          { filters: [{ propertyName: 'lastmodifieddate', operator: 'GT', value: String(cut) }] },
        ],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
        properties: ['email', 'lastmodifieddate'],
        limit: 7,
        ...(after ? { after } : {}),
      });
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(expected);
      seen.push(...page.body.results);
      after = page.body.paging?.next.after;
    } while (after);
    expect(seen).toHaveLength(expected);
    expect(seen.every((c) => modified(c) > cut)).toBe(true);
    const order = seen.map(modified);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('ORs filter groups, ANDs filters, and takes ISO values for dates', async () => {
    const [a, b] = seeded.map((r) => r.record as { id: string; updatedAt: string });
    const page = await search({
      filterGroups: [
        { filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: a!.id }] },
        {
          filters: [
            { propertyName: 'hs_object_id', operator: 'EQ', value: b!.id },
            { propertyName: 'lastmodifieddate', operator: 'GTE', value: b!.updatedAt },
            { propertyName: 'lastmodifieddate', operator: 'LT', value: String(Date.parse(b!.updatedAt) + 1) },
          ],
        },
      ],
    });
    expect(page.body.results.map((c) => c.id).sort()).toEqual([a!.id, b!.id].sort());
    const exact = await search({
      filterGroups: [
        { filters: [{ propertyName: 'lastmodifieddate', operator: 'EQ', value: b!.updatedAt }] },
      ],
    });
    expect(exact.body.results.map((c) => c.id)).toContain(b!.id);
  });

  it('answers VALIDATION_ERROR for unknown operators, properties and limits over 200', async () => {
    for (const body of [
      { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'SOUNDS_LIKE', value: 'x' }] }] },
      { filterGroups: [{ filters: [{ propertyName: 'shoe_size', operator: 'EQ', value: '1' }] }] },
      { limit: 201 },
    ]) {
      const response = await search(body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    }
  });
});

describe('the 10,000-result cap', () => {
  it('hands out the cursor up to 10,000, then refuses to page beyond it', async () => {
    const lines = Array.from({ length: 10_050 }, (_, i) =>
      JSON.stringify({
        id: String(500_000 + i),
        properties: { email: `bulk${i}@example.com` },
        createdAt: '2024-01-01T00:00:00.000Z',
        updatedAt: '2024-01-01T00:00:00.000Z',
      }),
    );
    writeFileSync(join(dir, 'bulk.jsonl'), `${lines.join('\n')}\n`);
    const big = await startHubSpot({ seed: join(dir, 'bulk.jsonl') });
    try {
      const nearEnd = await big.json<SearchPage>('POST', `${CONTACTS}/search`, { limit: 100, after: '9900' });
      expect(nearEnd.body.total).toBe(10_050);
      expect(nearEnd.body.results).toHaveLength(100);
      expect(nearEnd.body.paging?.next.after).toBe('10000');
      const beyond = await big.json<Record<string, unknown>>('POST', `${CONTACTS}/search`, {
        limit: 100,
        after: '10000',
      });
      expect(beyond.status).toBe(400);
      expect(beyond.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    } finally {
      await big.sim.close();
    }
  });
});
