import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTACTS,
  type ContactObject,
  type HubSpotHarness,
  startHubSpot,
  upsertBody,
} from './test-support.ts';

let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());
afterEach(async () => {
  await fetch(`${hs.sim.url}/sim/reset?empty=true`, { method: 'POST' });
});

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
type Upserted = { status: string; results: ContactObject[]; startedAt: string; completedAt: string };

describe('batch upsert and batch update by record id', () => {
  it('upsert goes by a unique property only; update goes by the record id and creates nothing', async () => {
    const [ana] = (
      await hs.json<Upserted>('POST', `${CONTACTS}/batch/upsert`, upsertBody([{ email: 'ana@example.com' }]))
    ).body.results;
    const noIdProperty = await hs.json<{ category: string; message: string }>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      {
        inputs: [{ id: ana!.id, properties: { firstname: 'Ana' } }],
      },
    );
    expect([noIdProperty.status, noIdProperty.body.category]).toEqual([400, 'VALIDATION_ERROR']);
    expect(noIdProperty.body.message).toContain('idProperty is required');
    const byRecordId = await hs.json<{ message: string }>('POST', `${CONTACTS}/batch/upsert`, {
      inputs: [{ idProperty: 'hs_object_id', id: ana!.id, properties: { firstname: 'Ana' } }],
    });
    expect([byRecordId.status, byRecordId.body.message]).toEqual([
      400,
      'Unable to perform upsert by non-unique property hs_object_id',
    ]);
    const updated = await hs.json<Upserted>('POST', `${CONTACTS}/batch/update`, {
      inputs: [{ id: ana!.id, properties: { firstname: 'Ana' } }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.results[0]).toMatchObject({
      id: ana!.id,
      new: false,
      properties: { firstname: 'Ana' },
    });
    const unknown = await hs.json<{ numErrors: number; errors: Array<{ category: string }> }>(
      'POST',
      `${CONTACTS}/batch/update`,
      { inputs: [{ id: '999999999', properties: { firstname: 'Nobody' } }] },
    );
    expect([unknown.status, unknown.body.numErrors, unknown.body.errors[0]!.category]).toEqual([
      207,
      1,
      'OBJECT_NOT_FOUND',
    ]);
  });
});

describe('batch upsert', () => {
  it('creates by email, then updates the same contact, with the documented result shape', async () => {
    const first = await hs.json<Upserted>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([
        { email: 'Ana.Lopez@Example.com', firstname: 'Ana' },
        { email: 'bo@example.com', lastname: 'Berg' },
      ]),
    );
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('COMPLETE');
    expect(first.body.completedAt).toMatch(ISO_MS);
    const [ana, bo] = first.body.results;
    expect(ana).toMatchObject({
      new: true,
      archived: false,
      properties: { email: 'ana.lopez@example.com', firstname: 'Ana' },
    });
    expect(ana?.id).toMatch(/^\d+$/);
    expect(ana?.properties.hs_object_id).toBe(ana?.id);
    expect(ana?.properties.createdate).toMatch(ISO_MS);
    expect(ana?.properties.lastmodifieddate).toBe(ana?.updatedAt);
    expect(bo?.id).not.toBe(ana?.id);

    const second = await hs.json<Upserted>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ email: 'ana.lopez@example.com', firstname: 'Anna' }]),
    );
    expect(second.body.results[0]).toMatchObject({
      id: ana?.id,
      new: false,
      properties: { firstname: 'Anna' },
    });
    expect(Date.parse(second.body.results[0]?.updatedAt ?? '')).toBeGreaterThan(
      Date.parse(ana?.updatedAt ?? ''),
    );
    const effects = (await (await fetch(`${hs.sim.url}/sim/effects?entityType=contact`)).json()) as {
      effects: Array<{ operation: string }>;
    };
    expect(effects.effects.map((e) => e.operation)).toEqual(['create', 'create', 'update']);
  });

  it('upserts by a custom unique property', async () => {
    const made = await hs.json<Upserted>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ eai_golden_id: 'G-1', firstname: 'Cy' }], 'eai_golden_id'),
    );
    const again = await hs.json<Upserted>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ eai_golden_id: 'G-1', lastname: 'Dunn' }], 'eai_golden_id'),
    );
    expect(again.body.results[0]).toMatchObject({ id: made.body.results[0]?.id, new: false });
    const got = await hs.json<ContactObject>(
      'GET',
      `${CONTACTS}/${made.body.results[0]?.id}?properties=firstname,lastname,eai_golden_id`,
    );
    expect(got.body.properties).toMatchObject({ firstname: 'Cy', lastname: 'Dunn', eai_golden_id: 'G-1' });
  });

  it('refuses invalid batches as a whole with VALIDATION_ERROR bodies', async () => {
    const bad = await hs.json<Record<string, unknown>>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ email: 'ok@example.com' }, { email: 'not-an-email' }]),
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(bad.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(bad.body.message)).toContain('INVALID_EMAIL');
    const unknown = await hs.json<Record<string, unknown>>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ email: 'x@example.com', shoe_size: '44' }]),
    );
    expect(String(unknown.body.message)).toContain('PROPERTY_DOESNT_EXIST');
    const duplicate = await hs.json<Record<string, unknown>>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ email: 'd@example.com' }, { email: 'd@example.com' }]),
    );
    expect(String(duplicate.body.message)).toMatch(/^Duplicate IDs found in batch input/);
    const tooMany = await hs.json(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody(Array.from({ length: 101 }, (_, i) => ({ email: `c${i}@example.com` }))),
    );
    expect(tooMany.status).toBe(400);
    const idProperty = await hs.json<Record<string, unknown>>(
      'POST',
      `${CONTACTS}/batch/upsert`,
      upsertBody([{ firstname: 'x' }], 'firstname'),
    );
    expect(idProperty.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    const malformed = await hs.call('POST', `${CONTACTS}/batch/upsert`, '{"inputs": [');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const ledger = (await (await fetch(`${hs.sim.url}/sim/effects`)).json()) as { count: number };
    expect(ledger.count).toBe(0);
  });
});

describe('single objects, list paging, history, merge', () => {
  it('pages through every contact with limit/after and properties selection', async () => {
    const emails = Array.from({ length: 23 }, (_, i) => ({ email: `p${i}@example.com`, city: `City ${i}` }));
    await hs.json('POST', `${CONTACTS}/batch/upsert`, upsertBody(emails));
    const seen: ContactObject[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await hs.json<{
        results: ContactObject[];
        paging?: { next: { after: string; link: string } };
      }>('GET', `${CONTACTS}?limit=10&properties=email,city${after ? `&after=${after}` : ''}`);
      seen.push(...page.body.results);
      after = page.body.paging?.next.after;
      if (after) expect(page.body.paging?.next.link).toContain(`after=${after}`);
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen.map((c) => c.properties.email).sort()).toEqual(emails.map((e) => e.email).sort());
    expect(Object.keys(seen[0]?.properties ?? {}).sort()).toEqual([
      'city',
      'createdate',
      'email',
      'hs_object_id',
      'lastmodifieddate',
    ]);
  });

  it('reads, patches and archives by id or by email, keeping property history', async () => {
    const created = await hs.json<ContactObject>('POST', CONTACTS, {
      properties: { email: 'h@example.com', city: 'Lyon' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const patched = await hs.json<ContactObject>('PATCH', `${CONTACTS}/h@example.com?idProperty=email`, {
      properties: { city: 'Paris' },
    });
    expect(patched.body).toMatchObject({ id, properties: { city: 'Paris' } });
    const withHistory = await hs.json<ContactObject>('GET', `${CONTACTS}/${id}?propertiesWithHistory=city`);
    expect(withHistory.body.propertiesWithHistory?.city?.map((h) => h.value)).toEqual(['Paris', 'Lyon']);
    expect(withHistory.body.propertiesWithHistory?.city?.[0]).toMatchObject({
      sourceType: 'INTEGRATION',
      sourceId: String(hs.app.appId),
    });
    expect(withHistory.body.properties).toHaveProperty('firstname', null);

    const conflict = await hs.json<Record<string, unknown>>('POST', CONTACTS, {
      properties: { email: 'H@example.com' },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      category: 'CONFLICT',
      message: `Contact already exists. Existing ID: ${id}`,
    });

    expect((await hs.call('DELETE', `${CONTACTS}/${id}`)).status).toBe(204);
    const gone = await hs.json<Record<string, unknown>>('GET', `${CONTACTS}/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    const archived = await hs.json<ContactObject>('GET', `${CONTACTS}/${id}?archived=true`);
    expect(archived.body.archived).toBe(true);
    expect((await hs.call('DELETE', `${CONTACTS}/${id}`)).status).toBe(204);
    const deletes = (await (await fetch(`${hs.sim.url}/sim/effects?operation=archive`)).json()) as {
      count: number;
    };
    expect(deletes.count).toBe(1);
  });

  it('merges two contacts: the secondary id resolves to the primary, its email becomes additional', async () => {
    const a = await hs.json<ContactObject>('POST', CONTACTS, {
      properties: { email: 'a@example.com', firstname: 'Al' },
    });
    const b = await hs.json<ContactObject>('POST', CONTACTS, {
      properties: { email: 'b@example.com', phone: '+49 30 1' },
    });
    const merged = await hs.json<ContactObject>('POST', `${CONTACTS}/merge`, {
      primaryObjectId: a.body.id,
      objectIdToMerge: b.body.id,
    });
    expect(merged.status).toBe(200);
    const viaOld = await hs.json<ContactObject>(
      'GET',
      `${CONTACTS}/${b.body.id}?properties=phone,hs_additional_emails,hs_merged_object_ids`,
    );
    expect(viaOld.body).toMatchObject({
      id: a.body.id,
      properties: {
        phone: '+49 30 1',
        hs_additional_emails: 'b@example.com',
        hs_merged_object_ids: b.body.id,
      },
    });
    const self = await hs.json<Record<string, unknown>>('POST', `${CONTACTS}/merge`, {
      primaryObjectId: a.body.id,
      objectIdToMerge: a.body.id,
    });
    expect(self.body).toMatchObject({ category: 'VALIDATION_ERROR' });
  });

  it('GDPR-deletes a contact for good: gone with its history, archived or not, and the contacts merged into it; by id or a unique property; its stored answers forgotten', async () => {
    const key = { 'Idempotency-Key': 'upsert-gina' };
    const body = upsertBody([{ email: 'gina@example.com', firstname: 'Gina', eai_golden_id: 'gc-1' }]);
    const gina = (await hs.json<Upserted>('POST', `${CONTACTS}/batch/upsert`, body, key)).body.results[0]!;
    const replay = await hs.call('POST', `${CONTACTS}/batch/upsert`, body, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const old = await hs.json<ContactObject>('POST', CONTACTS, { properties: { email: 'g2@example.com' } });
    await hs.json('POST', `${CONTACTS}/merge`, { primaryObjectId: gina.id, objectIdToMerge: old.body.id });
    await hs.call('DELETE', `${CONTACTS}/${gina.id}`);

    const deleted = await hs.call('POST', `${CONTACTS}/gdpr-delete`, { objectId: gina.id });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    for (const path of [
      `${CONTACTS}/${gina.id}`,
      `${CONTACTS}/${gina.id}?archived=true`,
      `${CONTACTS}/${old.body.id}`,
    ])
      expect((await hs.call('GET', path)).status).toBe(404);
    const archived = await hs.json<{ results: ContactObject[] }>('GET', `${CONTACTS}?archived=true`);
    expect(archived.body.results).toEqual([]);
    // The stored answer (it echoed the properties) is gone: the same key is a new request now.
    const again = await hs.call('POST', `${CONTACTS}/batch/upsert`, body, key);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const recreated = ((await again.json()) as Upserted).results[0]!;
    expect(recreated.id).not.toBe(gina.id);

    // Again by id: 404; by a unique property: deleted; by an unknown email: 204 (HubSpot blocklists it).
    expect((await hs.call('POST', `${CONTACTS}/gdpr-delete`, { objectId: gina.id })).status).toBe(404);
    const byGolden = await hs.call('POST', `${CONTACTS}/gdpr-delete`, {
      objectId: 'gc-1',
      idProperty: 'eai_golden_id',
    });
    expect(byGolden.status).toBe(204);
    expect((await hs.call('GET', `${CONTACTS}/${recreated.id}`)).status).toBe(404);
    const byEmail = await hs.call('POST', `${CONTACTS}/gdpr-delete`, {
      objectId: 'nobody@example.com',
      idProperty: 'email',
    });
    expect(byEmail.status).toBe(204);
    const effects = (await (await fetch(`${hs.sim.url}/sim/effects?operation=gdpr-delete`)).json()) as {
      count: number;
    };
    expect(effects.count).toBe(2);
  });

  it('answers 401 INVALID_AUTHENTICATION without the private-app token', async () => {
    for (const authorization of [undefined, 'Bearer pat-na1-wrong']) {
      const response = await fetch(`${hs.sim.url}${CONTACTS}`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    }
  });
});
