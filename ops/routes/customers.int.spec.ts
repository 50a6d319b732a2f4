/**
 * The customer routes on a real hub (matcher and 360 read model on the broker, master data in PostgreSQL): events
 * published to the hub's topics become golden records, found by id, xref and search; a steward accepts, unmerges
 * and merges over REST; the 360 shows credit, open orders with shipments and cases; an admin erases a customer.
 * Every answer is checked against the hub's OpenAPI document; 401, 403, 404, 409 and 410 say what is wrong.
 */
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../bus/index.ts';
import { assertConformsToOpenApi } from '../../tests/openapi-conformance.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { hashToken, newToken } from '../api/index.ts';
import { type Hub, startHub } from '../hub.ts';
import { CUSTOMER_ROLE_REASON } from './customers.ts';

const stack = testStack();
const bus = testBus();
const tokens = { viewer: newToken(), operator: newToken(), admin: newToken() };
const schema = `mdm_api_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
const topics = {
  customer: unique('mdm-api-customer'),
  order: unique('mdm-api-order'),
  shipment: unique('mdm-api-shipment'),
  case: unique('mdm-api-case'),
};
let hub: Hub;
let publisher: Publisher & { close(): Promise<void> };
let openapi: object;

type Role = keyof typeof tokens;

async function call(method: string, template: string, path: string, role?: Role, body?: unknown) {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: {
      ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked against the OpenAPI document
  const parsed: any = text ? JSON.parse(text) : undefined;
  assertConformsToOpenApi(openapi, {
    method: method.toLowerCase(),
    path: template,
    status: response.status,
    body: parsed,
  });
  return { status: response.status, body: parsed, headers: response.headers };
}

const occurredAt = new Date('2026-11-20T09:15:00Z');
const origin = (system: string, id: string) => ({
  system,
  documentId: `${system}-${id}`,
  changeOrigin: null,
  changedBy: null,
});
const berlin = (line: string, postalCode: string) => [
  { use: 'BILLING' as const, lines: [line], city: 'Berlin', region: null, postalCode, countryCode: 'DE' },
];
function customer(system: string, id: string, fields: Record<string, unknown>) {
  return {
    schema: 'CustomerEvent',
    topic: topics.customer,
    value: {
      changeType: 'CREATED',
      changedFields: [],
      clearedFields: [],
      mergedIds: [],
      occurredAt,
      origin: origin(system, id),
      customer: { customerId: `${system}:${id}`, sourceIds: [{ system, id }], ...fields },
    },
  };
}
function order(id: string, customerId: string, status: string) {
  return {
    schema: 'SalesOrderEvent',
    topic: topics.order,
    value: {
      changeType: 'CREATED',
      changedFields: [],
      occurredAt,
      origin: origin('sap', id),
      salesOrder: {
        orderId: `sap:${id}`,
        sourceIds: [{ system: 'sap', id }],
        orderNumber: id,
        orderDate: new Date('2026-11-19T00:00:00Z'),
        currency: 'EUR',
        customer: { customerId: `sap:${customerId}`, sourceIds: [{ system: 'sap', id: customerId }] },
        lines: [],
        totalAmount: { amount: '17998.81', currency: 'EUR' },
        status,
      },
    },
  };
}

const mueller = 'Müller Maschinenbau GmbH';
const email = 'einkauf@mueller-maschinenbau.de';

beforeAll(async () => {
  await bus.provisionTopics(Object.values(topics).map((topic) => ({ topic, partitions: 1 })));
  hub = await startHub({
    ...stack,
    group: unique('connect'),
    logger: pino({ level: 'silent' }),
    tokens: [
      { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
      { name: 'steward', role: 'operator', sha256: hashToken(tokens.operator) },
      { name: 'dpo', role: 'admin', sha256: hashToken(tokens.admin) },
    ],
    port: 0,
    masterdata: {
      schema,
      groupId: unique('mdm-api-matcher'),
      activityGroupId: unique('mdm-api-activity'),
      customerTopic: topics.customer,
      activityTopics: [topics.order, topics.shipment, topics.case],
      healthIntervalMs: 0,
    },
  });
  openapi = (await (await fetch(`${hub.url}/openapi.json`)).json()) as object;
  publisher = await bus.publisher();
  await publisher.publish([
    customer('sap', '0000100001', {
      partyType: 'ORGANIZATION',
      organizationName: mueller.toUpperCase(),
      emails: [{ address: email }],
      phones: [{ number: '030 1234567' }],
      // The sold-to party's delivery address too: Salesforce's addresses win (equal times: the smaller member
      // key), and SAP's SHIPPING address, a use they lack, is added beside them.
      addresses: [
        ...berlin('Friedrichstraße 123', '10117'),
        {
          use: 'SHIPPING',
          lines: ['Am Lagerhaus 7'],
          city: 'Bremen',
          region: null,
          postalCode: '28197',
          countryCode: 'DE',
        },
      ],
      taxId: { scheme: 'VAT', value: 'DE123456789' },
      credit: {
        limit: { amount: '250000', currency: 'EUR' },
        exposure: { amount: '18234.55', currency: 'EUR' },
        rating: 'A',
      },
    }),
    customer('salesforce', '001A', {
      partyType: 'ORGANIZATION',
      organizationName: 'Mueller Maschinenbau G.m.b.H.',
      emails: [{ address: email.toUpperCase() }],
      phones: [{ number: '+49 30 1234567' }],
      addresses: berlin('Friedrichstr. 123', '10117'),
      taxId: { scheme: 'VAT', value: 'DE 123 456 789' },
    }),
    customer('hubspot', '501', {
      partyType: 'PERSON',
      person: { givenName: 'Claudia', familyName: 'Weber' },
      addresses: berlin('Friedrichstraße 12', '10117'),
    }),
    customer('odoo', '77', {
      partyType: 'PERSON',
      person: { givenName: 'Claudia', familyName: 'Weber' },
      addresses: berlin('Invalidenstraße 3', '10115'),
    }),
    order('0000004711', '0000100001', 'OPEN'),
    order('0000004712', '0000100001', 'DELIVERED'),
    {
      schema: 'ShipmentEvent',
      topic: topics.shipment,
      value: {
        changeType: 'CREATED',
        changedFields: [],
        occurredAt,
        origin: origin('logistics', 'SH-1'),
        shipment: {
          shipmentId: 'logistics:SH-1',
          sourceIds: [],
          shipmentNumber: 'SH-1',
          orderReferences: [{ orderId: 'sap:0000004711', parties: [] }],
          carrier: { scac: 'UPSN', name: 'UPS', transportMode: 'PARCEL', serviceLevel: null },
          trackingNumbers: ['1Z999AA10123456784'],
          shippedAt: new Date('2026-11-21T06:00:00Z'),
          equipment: [],
          parties: [],
          packages: [],
          lines: [],
          milestones: [],
          status: 'SHIPPED',
        },
      },
    },
    {
      schema: 'CaseEvent',
      topic: topics.case,
      value: {
        changeType: 'CREATED',
        changedFields: [],
        clearedFields: [],
        occurredAt,
        origin: origin('salesforce', '500A'),
        case: {
          caseId: 'salesforce:500A',
          sourceIds: [],
          caseNumber: '00001000',
          subject: 'Two pumps arrived damaged',
          status: 'NEW',
          priority: 'HIGH',
          customerId: 'salesforce:001A',
          orderNumber: '0000004711',
        },
      },
    },
  ]);
});

afterAll(async () => {
  await publisher?.close();
  await hub?.close();
  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

describe('the customer routes of the hub', () => {
  let mullerId: string;

  it('matches the published customers: sap and salesforce in one golden record, found by xref', async () => {
    await waitFor('the four customers matched', async () => {
      const r = await call('GET', '/customers/xref/{system}/{sourceId}', '/customers/xref/odoo/77', 'viewer');
      return r.status === 200;
    });
    const sap = await call(
      'GET',
      '/customers/xref/{system}/{sourceId}',
      '/customers/xref/sap/0000100001',
      'viewer',
    );
    const sf = await call(
      'GET',
      '/customers/xref/{system}/{sourceId}',
      '/customers/xref/salesforce/001A',
      'viewer',
    );
    expect(sap.status).toBe(200);
    expect(sap.body).toEqual({ system: 'sap', sourceId: '0000100001', goldenId: sf.body.goldenId });
    mullerId = sap.body.goldenId;

    const missing = await call(
      'GET',
      '/customers/xref/{system}/{sourceId}',
      '/customers/xref/sap/nope',
      'viewer',
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'no sap customer nope in the cross-reference' });
  });

  it('answers 401 without a token and 403 to a viewer that decides', async () => {
    const anonymous = await call('GET', '/customers/{goldenId}', `/customers/${mullerId}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toMatch(/admin token is required/);
    for (const [template, path, body] of [
      [
        '/customers/decisions',
        '/customers/decisions',
        { decision: 'accept', a: { system: 'a', sourceId: '1' }, b: { system: 'b', sourceId: '2' } },
      ],
      ['/customers/merges/{mergeId}/unmerge', '/customers/merges/1/unmerge', undefined],
      ['/customers/{goldenId}/merge', `/customers/${mullerId}/merge`, { with: mullerId }],
    ] as const) {
      const denied = await call('POST', template, path, 'viewer', body);
      expect(denied.status, path).toBe(403);
      expect(denied.body).toEqual({ error: 'role viewer may not do this: it needs operator' });
    }
    // The reads that answer with a customer's personal data are an operator's, as a dead letter's body is; the
    // 403 says why and what a viewer reads instead. The cross-reference (ids only) and sync health stay a viewer's.
    for (const [template, path] of [
      ['/customers', '/customers?q=einkauf%40mueller-maschinenbau.de'],
      ['/customers/review', '/customers/review'],
      ['/customers/{goldenId}', `/customers/${mullerId}`],
      ['/customers/{goldenId}/360', `/customers/${mullerId}/360`],
    ] as const) {
      const denied = await call('GET', template, path, 'viewer');
      expect(denied.status, path).toBe(403);
      expect(denied.body).toEqual({
        error: `role viewer may not do this: it needs operator (${CUSTOMER_ROLE_REASON})`,
      });
      expect(JSON.stringify(denied.body)).not.toMatch(/m(ü|ue)ller|einkauf/i);
    }
    expect((await call('GET', '/sync/health', '/sync/health', 'viewer')).status).toBe(200);
    for (const [template, path] of [
      ['/customers', '/customers?q=mueller'],
      ['/customers/review', '/customers/review'],
      ['/customers/{goldenId}/360', `/customers/${mullerId}/360`],
      ['/sync/health', '/sync/health'],
    ] as const) {
      expect((await call('GET', template, path)).status, path).toBe(401);
    }
  });

  it('shows a golden record with the source of each field, its members and its merge history', async () => {
    const { status, body, headers } = await call(
      'GET',
      '/customers/{goldenId}',
      `/customers/${mullerId}`,
      'operator',
    );
    expect(status).toBe(200);
    expect(headers.get('content-location')).toBeNull();
    expect(body.requested).toBe(mullerId);
    expect(body.goldenId).toBe(mullerId);
    expect(body.status).toBe('active');
    expect(body.members).toEqual([
      { system: 'salesforce', sourceId: '001A' },
      { system: 'sap', sourceId: '0000100001' },
    ]);
    expect(['sap', 'salesforce']).toContain(body.lineage.organizationName.system);
    // Addresses of every use: the winner's, and the use it lacks from the other member, with where it came from.
    expect(body.lineage.addresses.system).toBe('salesforce');
    expect(body.lineage['addresses[SHIPPING]']).toEqual({
      system: 'sap',
      sourceId: '0000100001',
      rule: 'mostRecent',
    });
    expect(body.record.addresses.map((a: { use: string }) => a.use)).toEqual(['BILLING', 'SHIPPING']);
    expect(body.record.credit.limit).toEqual({ amount: '250000', currency: 'EUR' });
    // The salesforce record joined the sap record's golden record: a newcomer, not a merge of two golden records.
    expect(body.history).toEqual([]);
    // Nothing of it lost survivorship and was written back (the write-backs: masterdata/sync/writeback-bulk.int.spec.ts).
    expect(body.writeBacks).toEqual([]);

    const unknown = await call(
      'GET',
      '/customers/{goldenId}',
      '/customers/gc-00000000000000000000',
      'operator',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'no golden customer gc-00000000000000000000' });
    const malformed = await call('GET', '/customers/{goldenId}', '/customers/42', 'operator');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe(
      'invalid request: params.goldenId: must be a golden id: gc- and 20 hex digits',
    );
  });

  it('finds customers by email, phone and name with the matcher, best first', async () => {
    const byEmail = await call(
      'GET',
      '/customers',
      `/customers?q=${encodeURIComponent(' EINKAUF@Mueller-Maschinenbau.de ')}`,
      'operator',
    );
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.kind).toBe('email');
    expect(byEmail.body.hits.map((h: { goldenId: string }) => h.goldenId)).toEqual([mullerId]);

    const byPhone = await call(
      'GET',
      '/customers',
      `/customers?q=${encodeURIComponent('+49 (30) 123-4567')}`,
      'operator',
    );
    expect(byPhone.body.kind).toBe('phone');
    expect(byPhone.body.hits[0].goldenId).toBe(mullerId);
    // As written at home, with no default region configured: read in every region where it is a valid number.
    const byNationalPhone = await call(
      'GET',
      '/customers',
      `/customers?q=${encodeURIComponent('030 1234567')}`,
      'operator',
    );
    expect(byNationalPhone.body.kind).toBe('phone');
    expect(byNationalPhone.body.hits.map((h: { goldenId: string }) => h.goldenId)).toEqual([mullerId]);

    const byName = await call(
      'GET',
      '/customers',
      `/customers?q=${encodeURIComponent('muller maschinenbau')}`,
      'operator',
    );
    expect(byName.body.kind).toBe('name');
    expect(byName.body.hits[0]).toMatchObject({ goldenId: mullerId });
    expect(byName.body.hits[0].name).toMatch(/maschinenbau/i);
    // A later word of a company's name finds it too.
    const byWord = await call('GET', '/customers', '/customers?q=Maschinenbau', 'operator');
    expect(byWord.body.hits.map((h: { goldenId: string }) => h.goldenId)).toContain(mullerId);

    const person = await call(
      'GET',
      '/customers',
      `/customers?q=${encodeURIComponent('Klaudia Weber')}`,
      'operator',
    );
    const members = person.body.hits.map((h: { matched: { system: string } }) => h.matched.system).sort();
    expect(members).toEqual(['hubspot', 'odoo']);

    const nobody = await call('GET', '/customers', '/customers?q=zzzyxq%40nowhere.invalid', 'operator');
    expect(nobody.body.hits).toEqual([]);
    const tooShort = await call('GET', '/customers', '/customers?q=a', 'operator');
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.error).toBe('invalid request: query.q: must be at least 2 characters');
  });

  it('a steward accepts the pair in review, unmerges it, and merges the two golden records again', async () => {
    const queue = await call('GET', '/customers/review', '/customers/review', 'operator');
    expect(queue.status).toBe(200);
    expect(queue.body.waiting).toBe(1);
    const [pair] = queue.body.pairs;
    expect([pair.a.system, pair.b.system]).toEqual(['hubspot', 'odoo']);
    expect(pair.probability).toBeGreaterThanOrEqual(0.6);
    expect(pair.probability).toBeLessThan(0.99);

    const unknownRecord = await call('POST', '/customers/decisions', '/customers/decisions', 'operator', {
      decision: 'accept',
      a: { system: 'hubspot', sourceId: '501' },
      b: { system: 'odoo', sourceId: 'nope' },
    });
    expect(unknownRecord.status).toBe(404);
    expect(unknownRecord.body).toEqual({ error: 'no odoo customer nope in the master data' });

    const accepted = await call('POST', '/customers/decisions', '/customers/decisions', 'operator', {
      decision: 'accept',
      a: { system: 'odoo', sourceId: '77' },
      b: { system: 'hubspot', sourceId: '501' },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.a).toBe(accepted.body.b);
    expect(accepted.body.a).toBe(pair.a.goldenId);
    expect(accepted.body.splitOff).toEqual([]);
    expect((await call('GET', '/customers/review', '/customers/review', 'operator')).body.waiting).toBe(0);

    const shown = await call('GET', '/customers/{goldenId}', `/customers/${accepted.body.a}`, 'operator');
    const merge = shown.body.history.find((h: { kind: string }) => h.kind === 'merge');
    expect(merge).toMatchObject({ actor: 'steward:steward', absorbed: [pair.b.goldenId] });

    const undone = await call(
      'POST',
      '/customers/merges/{mergeId}/unmerge',
      `/customers/merges/${merge.id}/unmerge`,
      'operator',
    );
    expect(undone.status).toBe(200);
    expect(undone.body.restored.sort()).toEqual([pair.a.goldenId, pair.b.goldenId].sort());
    const again = await call(
      'POST',
      '/customers/merges/{mergeId}/unmerge',
      `/customers/merges/${merge.id}/unmerge`,
      'operator',
    );
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(new RegExp(`^merge ${merge.id} was already undone by #\\d+$`));
    // The unmerge's own entry exists but is no merge: a conflict with what undoes what (it was a 404).
    const unmergeId = /#(\d+)$/.exec(again.body.error)?.[1];
    const notMerge = await call(
      'POST',
      '/customers/merges/{mergeId}/unmerge',
      `/customers/merges/${unmergeId}/unmerge`,
      'operator',
    );
    expect(notMerge.status).toBe(409);
    expect(notMerge.body.error).toMatch(
      new RegExp(`^#${unmergeId} in the merge history is a \\w+, not a merge`),
    );
    const none = await call(
      'POST',
      '/customers/merges/{mergeId}/unmerge',
      '/customers/merges/999999/unmerge',
      'operator',
    );
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ error: 'no merge 999999 in the merge history' });

    // Merging the two golden records again: the survivor keeps its id, the other one answers with it.
    const merged = await call(
      'POST',
      '/customers/{goldenId}/merge',
      `/customers/${pair.b.goldenId}/merge`,
      'operator',
      {
        with: pair.a.goldenId,
      },
    );
    expect(merged.status).toBe(200);
    expect(merged.body).toEqual({ goldenId: pair.a.goldenId, merged: [pair.b.goldenId], splitOff: [] });
    const redirected = await call(
      'GET',
      '/customers/{goldenId}',
      `/customers/${pair.b.goldenId}`,
      'operator',
    );
    expect(redirected.status).toBe(200);
    expect(redirected.body).toMatchObject({
      requested: pair.b.goldenId,
      goldenId: pair.a.goldenId,
      status: 'active',
    });
    expect(redirected.headers.get('content-location')).toBe(`/customers/${pair.a.goldenId}`);
    const same = await call(
      'POST',
      '/customers/{goldenId}/merge',
      `/customers/${pair.a.goldenId}/merge`,
      'operator',
      {
        with: pair.b.goldenId,
      },
    );
    expect(same.status).toBe(409);
    expect(same.body.error).toBe(`${pair.a.goldenId} and ${pair.b.goldenId} are one golden record already`);

    // A person and an organization are never one customer: the golden record would be a PERSON with a company's name.
    const mixed = await call(
      'POST',
      '/customers/{goldenId}/merge',
      `/customers/${pair.a.goldenId}/merge`,
      'operator',
      {
        with: mullerId,
      },
    );
    expect(mixed.status).toBe(409);
    expect(mixed.body.error).toBe(
      `${pair.a.goldenId} is a person and ${mullerId} an organization: a person and an organization are not merged`,
    );
    const mixedPair = await call('POST', '/customers/decisions', '/customers/decisions', 'operator', {
      decision: 'accept',
      a: { system: 'sap', sourceId: '0000100001' },
      b: { system: 'odoo', sourceId: '77' },
    });
    expect(mixedPair.status).toBe(409);
    expect(mixedPair.body.error).toBe(
      'sap 0000100001 is an organization and odoo 77 a person: a person and an organization are not merged',
    );
    expect(
      (await call('GET', '/customers/{goldenId}', `/customers/${mullerId}`, 'operator')).body.goldenId,
    ).toBe(mullerId);
  });

  it('shows the customer 360: credit from the ERP, open orders with their shipments, recent cases', async () => {
    let body: {
      credit: unknown[];
      openOrders: Array<{ orderId: string; shipments: Array<{ shipmentId: string }> }>;
      recentCases: Array<{ caseId: string }>;
      openCases: number;
    } = { credit: [], openOrders: [], recentCases: [], openCases: 0 };
    await waitFor('orders, shipment and case in the 360', async () => {
      const r = await call('GET', '/customers/{goldenId}/360', `/customers/${mullerId}/360`, 'operator');
      body = r.body;
      return body.recentCases.length === 1 && body.openOrders[0]?.shipments.length === 1;
    });
    expect(body.credit).toEqual([
      {
        system: 'sap',
        sourceId: '0000100001',
        limit: { amount: '250000', currency: 'EUR' },
        exposure: { amount: '18234.55', currency: 'EUR' },
        available: { amount: '231765.45', currency: 'EUR' },
        rating: 'A',
      },
    ]);
    // The delivered order is not open; the open one is, with its shipment.
    expect(body.openOrders.map((o) => o.orderId)).toEqual(['sap:0000004711']);
    expect(body.openOrders[0]).toMatchObject({
      status: 'OPEN',
      total: { amount: '17998.81', currency: 'EUR' },
      shipments: [
        {
          shipmentId: 'logistics:SH-1',
          status: 'SHIPPED',
          carrier: 'UPS',
          trackingNumbers: ['1Z999AA10123456784'],
        },
      ],
    });
    // The case names the Salesforce account: found through the xref of the same golden record.
    expect(body.recentCases).toMatchObject([
      { caseId: 'salesforce:500A', status: 'NEW', subject: 'Two pumps arrived damaged' },
    ]);
    expect(body.openCases).toBe(1);

    const unknown = await call(
      'GET',
      '/customers/{goldenId}/360',
      '/customers/gc-00000000000000000000/360',
      'operator',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'no golden customer gc-00000000000000000000' });
  });
  it('erases a golden customer (admin only): 202 with an audit record free of its data, then 410 for its id, 200 for a repeat, and its records are not matched again', async () => {
    const path = `/customers/${mullerId}/erasure`;
    const template = '/customers/{goldenId}/erasure';
    expect((await call('POST', template, path, 'operator')).status).toBe(403);
    const unknown = await call('POST', template, '/customers/gc-00000000000000000000/erasure', 'admin');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'no golden customer gc-00000000000000000000' });

    const erased = await call('POST', template, path, 'admin');
    expect(erased.status).toBe(202);
    const erasureId: string = erased.body.erasureId;
    expect(erasureId).toMatch(/^er-[0-9a-f-]{36}$/);
    expect(erased.headers.get('location')).toBe(`/customers/erasures/${erasureId}`);
    expect(erased.body).toMatchObject({
      goldenId: mullerId,
      requestedBy: 'dpo',
      repeated: false,
      // The hub's relay published the golden topic's tombstones before the answer.
      status: 'published',
      // The default config pushes to no system: erased in the hub, to be erased in the systems by hand.
      systems: { sap: { records: 1, status: 'no-sink' }, salesforce: { records: 1, status: 'no-sink' } },
      counts: { sourceRecords: 2, orders: 2, shipments: 1, cases: 1 },
    });
    expect(JSON.stringify(erased.body)).not.toMatch(/m(ü|ue)ller|einkauf|1234567|pumps/i);

    const gone = await call('GET', '/customers/{goldenId}', `/customers/${mullerId}`, 'operator');
    expect(gone.status).toBe(410);
    expect(gone.body).toEqual({ error: `golden customer ${mullerId} was erased (${erasureId})` });
    expect(
      (await call('GET', '/customers/{goldenId}/360', `/customers/${mullerId}/360`, 'operator')).status,
    ).toBe(410);
    const xref = await call(
      'GET',
      '/customers/xref/{system}/{sourceId}',
      '/customers/xref/sap/0000100001',
      'viewer',
    );
    // Erased, not unknown: as the golden id answers, naming the erasure (the record's key is kept as a hash only).
    expect(xref.status).toBe(410);
    expect(xref.body).toEqual({ error: `sap customer 0000100001 was erased (${erasureId})` });
    const again = await call('POST', template, path, 'admin');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ erasureId, repeated: true, requestedBy: 'dpo' });
    const audit = await call(
      'GET',
      '/customers/erasures/{erasureId}',
      `/customers/erasures/${erasureId}`,
      'viewer',
    );
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ erasureId, goldenId: mullerId, status: 'published' });

    // By a record of the customer: the HubSpot contact's golden record.
    const weber = (
      await call('GET', '/customers/xref/{system}/{sourceId}', '/customers/xref/hubspot/501', 'viewer')
    ).body.goldenId;
    const byRecord = await call(
      'POST',
      '/customers/xref/{system}/{sourceId}/erasure',
      '/customers/xref/hubspot/501/erasure',
      'admin',
    );
    expect(byRecord.status).toBe(202);
    expect(byRecord.body.goldenIds).toContain(weber);

    // The ERP sends the erased customer again (a change still on its way): dropped, not matched.
    const matcher = hub.masterdata!.matcher;
    const dropped = matcher.counts.erased;
    await publisher.publish([
      customer('sap', '0000100001', {
        partyType: 'ORGANIZATION',
        organizationName: mueller,
        emails: [{ address: email }],
      }),
    ]);
    await waitFor('the change of the erased customer dropped', () => matcher.counts.erased > dropped);
    expect(
      (await call('GET', '/customers/xref/{system}/{sourceId}', '/customers/xref/sap/0000100001', 'viewer'))
        .status,
    ).toBe(410);
  });
});
