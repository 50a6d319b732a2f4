import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError } from '../../lib/errors.ts';
import { mappingsDir, outboundMapping } from '../../mappings/index.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { CONTACTS, type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { customerRecords, testContext } from '../transports/test-support.ts';
import {
  BATCH_UPDATE_PATH,
  BATCH_UPSERT_PATH,
  createHubspotUpsertSink,
  hubspotBatching,
  hubspotUpsertSinkConfig,
  inputKey,
} from './upsert-sink.ts';

/**
 * The HubSpot sink writing the records in hand together in batch calls (`batchSize`), against the simulator: how
 * many requests, which records are written, which refused and why.
 */
let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());
afterEach(async () => {
  await fetch(`${hs.sim.url}/sim/reset?empty=true`, { method: 'POST' });
});

const base = JSON.parse(
  readFileSync(join(mappingsDir, 'hubspot/fixtures/canonical/person-several-emails-phones.json'), 'utf8'),
).value as CustomerEvent;

/** A person golden record HubSpot does not know yet (upserted by eai_golden_id). */
function person(n: number, givenName = `Person ${n}`, email = `p${n}@batch.example`): CustomerEvent {
  return {
    ...base,
    customer: {
      ...base.customer,
      customerId: `G-B${n}`,
      sourceIds: [],
      person: { ...base.customer.person!, givenName },
      emails: [{ address: email, use: 'work', primary: true }],
    },
  };
}

const record = customerRecords('hs-batch');

function sink(batchSize?: number) {
  const context = testContext('hs-batch');
  context.outboundMapping = outboundMapping('hubspot-batch-upsert');
  const config = hubspotUpsertSinkConfig.parse({
    baseUrl: hs.sim.url,
    accessToken: hs.app.accessTokens[0],
    retry: { retries: 0 },
    batchWaitMs: 200,
    ...(batchSize === undefined ? {} : { batchSize }),
  });
  return createHubspotUpsertSink(config, context);
}

interface Effect {
  path: string;
  operation: string;
  entityId: string;
  idempotencyKey?: string;
}
/** The sink's write requests the simulator applied, by idempotency key (one per request), with their effects. */
async function requests(): Promise<Map<string, Effect[]>> {
  const { effects } = (await (await fetch(`${hs.sim.url}/sim/effects?entityType=contact`)).json()) as {
    effects: Effect[];
  };
  const byRequest = new Map<string, Effect[]>();
  // The spec's own setup writes carry no key.
  for (const effect of effects.filter((e) => e.idempotencyKey !== undefined))
    byRequest.set(effect.idempotencyKey!, [...(byRequest.get(effect.idempotencyKey!) ?? []), effect]);
  return byRequest;
}

type Listed = { results: Array<{ id: string; properties: Record<string, string | null> }> };
async function contactsByGoldenId(): Promise<Map<string, Record<string, string | null>>> {
  const listed = await hs.json<Listed>(
    'GET',
    `${CONTACTS}?limit=100&properties=firstname,email,eai_golden_id`,
  );
  let all = listed.body.results;
  let after = (listed.body as { paging?: { next?: { after: string } } }).paging?.next?.after;
  while (after) {
    const page = await hs.json<Listed>(
      'GET',
      `${CONTACTS}?limit=100&after=${after}&properties=firstname,email,eai_golden_id`,
    );
    all = [...all, ...page.body.results];
    after = (page.body as { paging?: { next?: { after: string } } }).paging?.next?.after;
  }
  return new Map(all.map((c) => [c.properties.eai_golden_id ?? `id:${c.id}`, c.properties]));
}

describe('HubSpot sink in batches', () => {
  it('writes 250 records in hand together in ceil(250 / 100) batch upserts, each record once', async () => {
    const out = sink();
    expect(out.concurrency).toBe(200);
    const outcomes = await Promise.all(Array.from({ length: 250 }, (_, i) => out.put(record(person(i)))));
    expect(outcomes.every((o) => o === undefined)).toBe(true);
    const sent = await requests();
    expect([...sent.values()].map((effects) => effects.length)).toEqual([100, 100, 50]);
    expect([...sent.values()].every((effects) => effects.every((e) => e.path === BATCH_UPSERT_PATH))).toBe(
      true,
    );
    const written = await contactsByGoldenId();
    expect(written.size).toBe(250);
    expect(written.get('G-B249')).toMatchObject({ firstname: 'Person 249', email: 'p249@batch.example' });
  });

  it('batchSize 1 sends one request per record, each with its record idempotency key', async () => {
    const out = sink(1);
    expect(out.concurrency).toBeUndefined();
    const records = Array.from({ length: 3 }, (_, i) => record(person(i)));
    for (const r of records) await out.put(r);
    expect([...(await requests()).keys()]).toEqual(records.map((r) => r.idempotencyKey));
  });

  it('never puts two records of one contact in a request: the later one goes in the next, and wins', async () => {
    const out = sink();
    await Promise.all([
      out.put(record(person(1, 'First'))),
      out.put(record(person(2))),
      out.put(record(person(1, 'Second'))),
    ]);
    expect([...(await requests()).values()].map((effects) => effects.length)).toEqual([2, 1]);
    expect((await contactsByGoldenId()).get('G-B1')?.firstname).toBe('Second');
  });

  it('splits a batch HubSpot refuses whole (400) to write the good records and refuse only the bad one', async () => {
    const out = sink();
    // Keyed by a property HubSpot does not hold as unique: HubSpot refuses the whole batch with 400 VALIDATION_ERROR.
    const bad = person(3);
    bad.customer = {
      ...bad.customer,
      customerId: 'hubspot:phone-3',
      sourceIds: [{ system: 'hubspot', id: '+44 20 7946 0003', idType: 'phone' }],
    };
    const outcomes = await Promise.all(
      [person(1), person(2), bad, person(4), person(5)].map((value) =>
        out.put(record(value)).catch((error: unknown) => error),
      ),
    );
    expect(outcomes.filter((o) => o === undefined)).toHaveLength(4);
    const refused = outcomes[2];
    expect(refused).toBeInstanceOf(NonRetriableError);
    expect((refused as Error).message).toMatch(
      /batch\/upsert refused with HTTP 400: .*Property phone is not a unique identifier property/,
    );
    const written = await contactsByGoldenId();
    expect([...written.keys()].sort()).toEqual(['G-B1', 'G-B2', 'G-B4', 'G-B5']);
  });

  it('dead-letters only the inputs a 207 names, with HubSpot reason, and counts the others as written', async () => {
    const known = await hs.json<{ id: string }>('POST', CONTACTS, {
      properties: { email: 'known@batch.example', firstname: 'Known' },
    });
    const out = sink();
    // Known to HubSpot by its id (the xref): batch/update by id.
    const byId = (id: string, givenName: string): CustomerEvent => ({
      ...person(9, givenName),
      customer: {
        ...person(9, givenName).customer,
        customerId: `G-ID${id}`,
        sourceIds: [{ system: 'hubspot', id, idType: 'contact' }],
      },
    });
    const outcomes = await Promise.all(
      [byId(known.body.id, 'Known L.'), byId('987654321', 'Gone')].map((value) =>
        out.put(record(value)).catch((error: unknown) => error),
      ),
    );
    expect(outcomes[0]).toBeUndefined();
    expect(outcomes[1]).toBeInstanceOf(NonRetriableError);
    expect((outcomes[1] as Error).message).toMatch(
      /POST \/crm\/v3\/objects\/contacts\/batch\/update wrote nothing for the record .*OBJECT_NOT_FOUND: Could not find object with id 987654321/,
    );
    const sent = await requests();
    expect(sent.size).toBe(1);
    expect([...sent.values()][0]!.map((e) => e.path)).toEqual([BATCH_UPDATE_PATH]);
    const read = await hs.json<{ properties: { firstname: string } }>('GET', `${CONTACTS}/${known.body.id}`);
    expect(read.body.properties.firstname).toBe('Known L.');
  });

  it('links a record whose email another contact holds (409) to that contact, the rest of its batch written', async () => {
    const holder = await hs.json<{ id: string }>('POST', CONTACTS, {
      properties: { email: 'taken@batch.example', firstname: 'Form' },
    });
    const out = sink();
    const outcomes = await Promise.all(
      [person(1), person(2, 'Taken', 'taken@batch.example'), person(3)].map((value) =>
        out.put(record(value)),
      ),
    );
    expect(outcomes).toEqual([undefined, undefined, undefined]);
    const written = await contactsByGoldenId();
    expect([...written.keys()].sort()).toEqual(['G-B1', 'G-B2', 'G-B3']);
    const read = await hs.json<{ properties: Record<string, string> }>(
      'GET',
      `${CONTACTS}/${holder.body.id}?properties=eai_golden_id,firstname`,
    );
    expect(read.body.properties).toMatchObject({ eai_golden_id: 'G-B2', firstname: 'Taken' });
  });

  it('reads a 207 by the ids its errors name, and splits one that names no input of the batch', () => {
    const batching = hubspotBatching(100, 0, 'c');
    const items = [
      { idProperty: 'email', id: 'A@x.example', properties: {} },
      { id: '42', properties: {} },
    ];
    const sent = { method: 'POST', path: BATCH_UPSERT_PATH };
    const answer = (errors: unknown[]) => JSON.stringify({ status: 'COMPLETE', results: [], errors });
    const verdicts = batching.results(
      answer([{ category: 'OBJECT_NOT_FOUND', message: 'gone', context: { ids: ['42'] } }]),
      items,
      sent,
    );
    expect(verdicts).toHaveLength(2);
    expect((verdicts as unknown[])[0]).toBeUndefined();
    expect(String((verdicts as unknown[])[1])).toMatch(/OBJECT_NOT_FOUND: gone/);
    expect(
      batching.results(
        answer([{ category: 'VALIDATION_ERROR', message: 'x', context: { ids: ['a@x.example'] } }]),
        items,
        sent,
      ),
    ).toEqual([expect.any(NonRetriableError), undefined]);
    expect(batching.results(answer([{ category: 'X', message: 'no context' }]), items, sent)).toBe('unknown');
    expect(inputKey({ idProperty: 'email', id: ' A@X.example ' })).toBe(
      inputKey({ idProperty: 'email', id: 'a@x.example' }),
    );
    expect(inputKey({ id: '42' })).toBe('hs_object_id:42');
  });
});
