// The initial snapshot's companies (`companies: true`) against the HubSpot simulator: every company that is not
// archived read after the contacts, with the configured properties, resumable from a position in the companies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reader } from '../../formats/hubspot-crm-object/index.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import type { Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { SNAPSHOT_PARTITION } from '../transports/snapshot.ts';
import { createTestContext } from '../transports/test-support.ts';
import { createHubspotContactWebhookSource, hubspotContactWebhookConfig } from './contact-webhook-source.ts';

const COMPANIES = '/crm/v3/objects/companies';
let hs: HubSpotHarness;
const contacts: string[] = [];
const companies: string[] = [];

beforeAll(async () => {
  hs = await startHubSpot();
  for (const i of [1, 2, 3]) {
    const made = await hs.json<{ id: string }>('POST', '/crm/v3/objects/contacts', {
      properties: { email: `p${i}@example.org`, firstname: `P${i}` },
    });
    contacts.push(made.body.id);
  }
  for (const name of ['Alpha GmbH', 'Beta SA', 'Gone Ltd', 'Gamma Oy']) {
    const made = await hs.json<{ id: string }>('POST', COMPANIES, {
      properties: { name, city: 'Hamburg', industry: 'RETAIL', description: 'not asked for' },
    });
    companies.push(made.body.id);
  }
  // Archived: not read.
  expect((await hs.call('DELETE', `${COMPANIES}/${companies[2]}`)).status).toBe(204);
});
afterAll(async () => {
  await hs?.sim.close();
});

async function started(config: Record<string, unknown>, positions = new Map<string, Json>()) {
  const test = createTestContext('hs-snapshot-companies');
  const parsed = hubspotContactWebhookConfig.parse({
    clientSecret: hs.app.clientSecret,
    baseUrl: hs.sim.url,
    accessToken: hs.app.accessTokens[0],
    pollWaitMs: 10,
    ...config,
  });
  const source = createHubspotContactWebhookSource(parsed, test.context);
  await source.start(positions);
  return source;
}

/** Polls and commits every page until the snapshot says done; the pages' documents and positions. */
async function snapshotPages(source: SourceTask) {
  const pages: Array<{ names: Array<string | undefined>; cursor: Json; documents: SourceDocument[] }> = [];
  const state = () => (source.status?.() as { snapshot?: { state?: string } } | undefined)?.snapshot?.state;
  for (let i = 0; i < 200 && state() !== 'done'; i++) {
    const documents = await source.poll();
    if (documents.length === 0) continue;
    const offset = documents[0]!.position!.offset as { cursor: Json };
    pages.push({
      names: documents.filter((d) => !d.positionOnly).map((d) => d.name),
      cursor: offset.cursor,
      documents,
    });
    await source.commit(documents, { ok: true, published: documents.length, deadLettered: 0 });
  }
  return pages;
}

describe('the HubSpot initial snapshot with companies: true', () => {
  it('reads every contact, then every company that is not archived, each company a crm-object of type company', async () => {
    const source = await started({ companies: true, snapshot: { mode: 'initial', pageSize: 2 } });
    const pages = await snapshotPages(source);
    const live = [companies[0], companies[1], companies[3]];
    expect(pages.map((p) => p.names)).toEqual([
      [`contact/${contacts[0]}`, `contact/${contacts[1]}`],
      [`contact/${contacts[2]}`],
      [`company/${live[0]}`, `company/${live[1]}`],
      [`company/${live[2]}`],
    ]);
    // The cursor says which list and where: the contacts' `{after}`, then the companies'.
    expect(pages.map((p) => p.cursor)).toEqual([
      { after: contacts[2] },
      { object: 'companies' },
      { object: 'companies', after: live[2] },
      null,
    ]);
    expect(source.status?.()).toMatchObject({ snapshot: { state: 'done', records: 6, pages: 4 } });
    const read = pages
      .slice(2)
      .flatMap((p) => p.documents)
      .flatMap((d) => reader.parse(d.bytes));
    expect(read.map((d) => [d.id.split('@')[0], d.tree.objectType])).toEqual(
      live.map((id) => [`company:${id}`, 'company']),
    );
    // The default company properties: those the company mappings read, not the others the company holds.
    expect(read[0]!.tree.properties).toMatchObject({
      name: 'Alpha GmbH',
      city: 'Hamburg',
      industry: 'RETAIL',
    });
    expect(Object.keys(read[0]!.tree.properties)).not.toContain('description');
    await source.stop();
  });

  it('reads the configured company properties, and resumes within the companies from a stored position', async () => {
    const position = new Map<string, Json>([
      [
        SNAPSHOT_PARTITION,
        {
          cursor: { object: 'companies', after: companies[1]! },
          records: 4,
          pages: 3,
          startedAt: new Date().toISOString(),
        },
      ],
    ]);
    const source = await started(
      { companies: true, snapshot: { mode: 'initial', companyProperties: ['name', 'description'] } },
      position,
    );
    const pages = await snapshotPages(source);
    expect(pages.map((p) => p.names)).toEqual([[`company/${companies[1]}`, `company/${companies[3]}`]]);
    const [first] = reader.parse(pages[0]!.documents[0]!.bytes);
    expect(first!.tree.properties).toMatchObject({ name: 'Beta SA', description: 'not asked for' });
    expect(Object.keys(first!.tree.properties)).not.toContain('city');
    expect(source.status?.()).toMatchObject({ snapshot: { state: 'done', records: 6 } });
    await source.stop();
  });

  it('reads the companies alone when they are turned on after a finished contact snapshot, and nothing after that', async () => {
    // A contact snapshot finished before companies were read (its position names no parts), then `companies: true`.
    const position = new Map<string, Json>([
      [
        SNAPSHOT_PARTITION,
        {
          cursor: null,
          records: 3,
          pages: 2,
          startedAt: '2024-01-01T00:00:00.000Z',
          finishedAt: '2024-01-01T00:01:00.000Z',
          done: true,
        },
      ],
    ]);
    const source = await started({ companies: true, snapshot: { mode: 'initial' } }, position);
    const pages = await snapshotPages(source);
    expect(pages.flatMap((p) => p.names)).toEqual(
      [companies[0], companies[1], companies[3]].map((id) => `company/${id}`),
    );
    expect(source.status?.()).toMatchObject({ snapshot: { state: 'done', records: 6 } });
    const end = pages.at(-1)!.documents.at(-1)!.position!.offset as Json;
    expect(end).toMatchObject({ done: true, scope: ['contacts', 'companies'] });
    await source.stop();
    // Done with both: a later start reads nothing; contacts only, it reads nothing either.
    for (const config of [{ companies: true }, {}]) {
      const again = await started(
        { ...config, snapshot: { mode: 'initial' } },
        new Map([[SNAPSHOT_PARTITION, end]]),
      );
      expect((await snapshotPages(again)).flatMap((p) => p.names)).toEqual([]);
      expect(again.status?.()).toMatchObject({ snapshot: { state: 'done', records: 6 } });
      await again.stop();
    }
  });

  it('reads no company without companies: true, nor one a position in the companies names once it is off', async () => {
    const off = await started({ snapshot: { mode: 'initial' } });
    expect((await snapshotPages(off)).flatMap((p) => p.names)).toEqual(contacts.map((id) => `contact/${id}`));
    await off.stop();
    const position = new Map<string, Json>([
      [
        SNAPSHOT_PARTITION,
        {
          cursor: { object: 'companies', after: companies[1]! },
          records: 4,
          pages: 3,
          startedAt: new Date().toISOString(),
        },
      ],
    ]);
    const turnedOff = await started({ snapshot: { mode: 'initial' } }, position);
    expect((await snapshotPages(turnedOff)).flatMap((p) => p.names)).toEqual([]);
    expect(turnedOff.status?.()).toMatchObject({ snapshot: { state: 'done', records: 4 } });
    await turnedOff.stop();
  });
});
