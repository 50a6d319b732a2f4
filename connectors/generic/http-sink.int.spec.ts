import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../bus/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { CONTACTS, type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { type ConnectorRuntime, connectorKey } from '../index.ts';
import { sinkAgainstOutage, startRuntime } from '../runtime/test-support.ts';

/** What the target received: one entry per request, in arrival order. */
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/**
 * An endpoint of some system with no connector of its own (a WMS): it answers 503 to a key's first request (so the
 * sink retries), 400 to the customer `C-BAD` (a refusal that will not heal), else 200; it applies a request once per
 * Idempotency-Key.
 */
async function startTarget() {
  const received: Received[] = [];
  const seenKeys = new Set<string>();
  const applied: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      received.push({ method: request.method!, url: request.url!, headers: request.headers, body });
      const key = String(request.headers['idempotency-key']);
      if (request.url!.includes('C-BAD')) {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end('{"error":"unknown customer group"}');
        return;
      }
      if (!seenKeys.has(`first:${request.url}`)) {
        seenKeys.add(`first:${request.url}`);
        response.writeHead(503, { 'retry-after': '0' });
        response.end();
        return;
      }
      if (!seenKeys.has(key)) {
        seenKeys.add(key);
        applied.push(key);
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, applied, close: () => new Promise((resolve) => server.close(resolve)) };
}

type Customer = Record<string, unknown> & { customer: Record<string, unknown> };
function customerEvent(customerId: string, name: string): Customer {
  const base = exampleJson('CustomerEvent') as Customer;
  return { ...base, customer: { ...base.customer, customerId, organizationName: name } };
}

describe('http-sink: canonical records to any HTTP endpoint as CloudEvents', () => {
  let bus: Awaited<ReturnType<typeof startRuntime>>['bus'];
  let runtime: ConnectorRuntime;
  let target: Awaited<ReturnType<typeof startTarget>>;

  beforeAll(async () => {
    ({ bus, runtime } = await startRuntime('/eai/tests/http-sink'));
    target = await startTarget();
  });
  afterAll(async () => {
    await runtime?.stop();
    await target?.close();
  });

  it('PUTs each record once by its key, in order per key, after a 503; a 400 goes to dlq.sink with the answer', async () => {
    const topic = unique('wms-customers');
    await bus.provisionTopics([{ topic, partitions: 2 }]);
    const publisher = await bus.publisher();
    const events = [
      customerEvent('C-1', 'Anna Müller'),
      customerEvent('C-2', 'Bo Li'),
      customerEvent('C-1', 'Anna Müller-Lang'),
      customerEvent('C-BAD', 'Nobody'),
    ];
    await publisher.publish(events.map((value) => ({ schema: 'CustomerEvent', topic, value })));
    await publisher.close();

    const name = unique('wms');
    await runtime.put(
      {
        name,
        type: 'http-sink',
        topics: [topic],
        config: {
          baseUrl: target.url,
          method: 'PUT',
          path: '/api/customers/{key}',
          retry: { retries: 3, initialDelayMs: 10, maxDelayMs: 50 },
        },
      },
      'test',
    );
    await waitFor('the sink caught up', async () => {
      const status = await runtime.status(name);
      return status?.metrics.recordsIn === 4 && status.metrics.lagRecords === 0;
    });
    const applied = target.received.filter(
      (r) => !r.url.includes('C-BAD') && target.applied.includes(String(r.headers['idempotency-key'])),
    );
    // Each record applied once, though its first request was answered 503.
    expect(target.applied).toHaveLength(3);
    const byKey = (key: string) =>
      target.received
        .filter((r) => r.url === `/api/customers/${key}`)
        .map((r) => (r.body.data as Customer).customer.organizationName);
    // In order per key: the first version (refused once with 503, then sent again) before the second.
    expect(byKey('C-1')).toEqual(['Anna Müller', 'Anna Müller', 'Anna Müller-Lang']);
    const first = applied[0]!;
    expect(first.method).toBe('PUT');
    expect(first.headers['content-type']).toBe('application/cloudevents+json');
    expect(first.body).toMatchObject({
      specversion: '1.0',
      id: expect.any(String),
      source: '/eai/tests/http-sink',
      type: expect.stringContaining('CustomerEvent'),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      datacontenttype: 'application/json',
    });
    expect(String(first.headers['idempotency-key'])).toBe(
      `${connectorKey(name, runtime.group)}:${first.body.id}`,
    );

    const letters = await listDeadLetters(bus.transport, {
      topic: 'dlq.sink',
      filter: { originalTopic: topic },
    });
    expect(letters.entries).toHaveLength(1);
    expect(letters.entries[0]!.message).toContain('unknown customer group');
  });

  it('body: data sends the canonical record as JSON with ce- headers; a sink without topics is refused naming the field', async () => {
    const topic = unique('wms-data');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish([{ schema: 'CustomerEvent', topic, value: customerEvent('C-9', 'Cy Data') }]);
    await publisher.close();
    const name = unique('wms-data');
    await runtime.put(
      {
        name,
        type: 'http-sink',
        topics: [topic],
        config: { baseUrl: target.url, path: '/events', body: 'data', retry: { initialDelayMs: 10 } },
      },
      'test',
    );
    await waitFor('the record applied', async () =>
      target.received.some(
        (r) => r.url === '/events' && target.applied.includes(String(r.headers['idempotency-key'])),
      ),
    );
    const sent = target.received.filter((r) => r.url === '/events').at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['ce-specversion']).toBe('1.0');
    expect(sent.headers['ce-id']).toBeTruthy();
    expect((sent.body as Customer).customer).toMatchObject({
      customerId: 'C-9',
      organizationName: 'Cy Data',
    });

    await expect(
      runtime.put(
        { name: unique('no-topics'), type: 'http-sink', config: { baseUrl: target.url } },
        'wms.yaml',
      ),
    ).rejects.toThrow(/^wms\.yaml: topics: the http-sink sink consumes the topics it is given/);
  });
});

describe('http-sink: a target down for longer than the group session (the production default: retried until applied)', () => {
  it('holds the records back while the target answers 503 (status: retrying), keeps its partition, then applies each once, in order per key, with nothing dead-lettered', async () => {
    // The runtime as a hub runs it: no bounded sink retries; a sink group's session (10 s) is shorter than the outage.
    // The target's breaker tries again 1 s after it opened, not 30 s (the default): once the target is back, the test
    // waited up to 30 s for the breaker's trial request.
    const o = await sinkAgainstOutage('/eai/tests/http-sink-outage', 'Outage', {
      breaker: { halfOpenAfterMs: 1000 },
    });
    try {
      await waitFor('the status saying the sink retries', async () => {
        const status = await o.runtime.status(o.name);
        return (status?.metrics.retrying?.attempts ?? 0) >= 2;
      });
      expect((await o.runtime.status(o.name))!.metrics.retrying!.error).toContain('503');
      // Longer than a sink group's session (10 s): the member keeps its partition, and no record goes round twice.
      await new Promise((resolve) => setTimeout(resolve, 14_000));
      expect(o.answered.filter((a) => a.status === 200)).toEqual([]);
      o.target.down = false;
      await waitFor(
        'the sink caught up',
        async () => {
          const status = await o.runtime.status(o.name);
          return status?.metrics.recordsOut === 3 && status.metrics.lagRecords === 0;
        },
        30_000,
      );
      // Once each (a record handed round again after a lost session would be sent a second time), in order.
      const applied = o.answered.filter((a) => a.status === 200).map((a) => a.version);
      expect(applied).toEqual(['Outage v1', 'Outage v2', 'Outage v3']);
      const status = (await o.runtime.status(o.name))!;
      expect(status.metrics.retrying).toBeNull();
      expect(status.metrics.recordsFailed).toBe(0);
      const letters = await listDeadLetters(o.bus.transport, {
        topic: 'dlq.sink',
        filter: { originalTopic: o.topic },
      });
      expect(letters.entries).toHaveLength(0);
    } finally {
      await o.close();
    }
  }, 90_000);
});

/** What a raw target received: the body as bytes, not parsed (a mapped document is any format). */
interface RawReceived {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A target that answers a key's first request 503 (so each document is retried on its own), then 200. */
async function startRawTarget() {
  const received: RawReceived[] = [];
  const refusedOnce = new Set<string>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const key = String(request.headers['idempotency-key']);
      received.push({
        url: request.url!,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const first = !refusedOnce.has(key);
      refusedOnce.add(key);
      response.writeHead(first ? 503 : 200, first ? { 'retry-after': '0' } : {});
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * A from-canonical mapping of a partner who takes one `;` table per address (a record writes as many documents as
 * its customer has addresses, none for a deletion), written where the test's deployment lives.
 */
function addressTableMapping(dir: string): string {
  const file = join(dir, 'address-table.from-canonical.yaml');
  writeFileSync(
    file,
    [
      'description: canonical CustomerEvent → one table per address',
      'input: eai.canonical.CustomerEvent',
      'output: csv',
      'options:',
      '  csv:',
      "    delimiter: ';'",
      'fixtures: { inputs: fixtures, expected: expected }',
      'records: "changeType != \'DELETED\' ? customer.addresses"',
      'fields:',
      '  rows:',
      '    $each: $',
      '    city: city',
      '    postal code: postalCode',
    ].join('\n'),
  );
  return file;
}

function customerWithCities(customerId: string, cities: string[], changeType = 'UPDATED'): Customer {
  const base = customerEvent(customerId, customerId);
  const addresses = cities.map((city, i) => ({
    use: 'BILLING',
    lines: [`Street ${i}`],
    city,
    postalCode: `1000${i}`,
  }));
  return { ...base, changeType, customer: { ...base.customer, addresses } };
}

describe('http-sink with a mapping: each document the mapping writes, as its writer’s media type', () => {
  let bus: Awaited<ReturnType<typeof startRuntime>>['bus'];
  let runtime: ConnectorRuntime;
  let target: Awaited<ReturnType<typeof startRawTarget>>;
  let hs: HubSpotHarness;
  let dir: string;

  beforeAll(async () => {
    ({ bus, runtime } = await startRuntime('/eai/tests/http-sink-mapped'));
    target = await startRawTarget();
    hs = await startHubSpot();
    dir = mkdtempSync(join(tmpdir(), 'eai-http-sink-mapped-'));
  });
  afterAll(async () => {
    await runtime?.stop();
    await target?.close();
    await hs?.sim.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends one request per document (text/csv, the key with /n for several), retried each on its own; a record it writes nothing for is skipped', async () => {
    const topic = unique('partner-addresses');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish([
      {
        schema: 'CustomerEvent',
        topic,
        value: customerWithCities('C-1', ['Berlin', 'Köln']),
        attributes: { id: 'a1' },
      },
      {
        schema: 'CustomerEvent',
        topic,
        value: customerWithCities('C-2', ['Gone'], 'DELETED'),
        attributes: { id: 'a2' },
      },
      {
        schema: 'CustomerEvent',
        topic,
        value: customerWithCities('C-3', ['Wien']),
        attributes: { id: 'a3' },
      },
    ]);
    await publisher.close();
    const name = unique('partner');
    const retry = { retries: 3, initialDelayMs: 10, maxDelayMs: 50 };
    await runtime.put(
      {
        name,
        type: 'http-sink',
        topics: [topic],
        mapping: addressTableMapping(dir),
        config: { baseUrl: target.url, path: '/tables/{key}', retry },
      },
      'test',
    );
    await waitFor('the sink caught up', async () => {
      const m = (await runtime.status(name))!.metrics;
      return m.recordsOut + m.recordsSkipped + m.recordsFailed === 3;
    });
    expect((await runtime.status(name))!.metrics).toMatchObject({
      recordsOut: 2,
      recordsSkipped: 1,
      recordsFailed: 0,
    });
    const key = (id: string) => `${connectorKey(name, runtime.group)}:${id}`;
    // Applied: each key's second request (its first was answered 503).
    const applied = target.received.filter((r, i) =>
      target.received
        .slice(0, i)
        .some((earlier) => earlier.headers['idempotency-key'] === r.headers['idempotency-key']),
    );
    expect(applied.map((r) => [r.url, r.headers['idempotency-key'], r.headers['ce-id'], r.body])).toEqual([
      ['/tables/C-1', `${key('a1')}/1`, 'a1/1', 'city;postal code\r\nBerlin;10000\r\n'],
      ['/tables/C-1', `${key('a1')}/2`, 'a1/2', 'city;postal code\r\nKöln;10001\r\n'],
      ['/tables/C-3', key('a3'), 'a3', 'city;postal code\r\nWien;10000\r\n'],
    ]);
    for (const r of applied) {
      expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(r.headers).toMatchObject({
        'ce-specversion': '1.0',
        'ce-source': '/eai/tests/http-sink-mapped',
      });
    }
    // Retried document by document: the first document is sent twice, not again when the second is refused once.
    expect(target.received.filter((r) => r.headers['idempotency-key'] === `${key('a1')}/1`)).toHaveLength(2);
    expect(target.received.some((r) => r.url === '/tables/C-2')).toBe(false);
  });

  it('body: cloudevent wraps the document in a structured CloudEvent, its media type as datacontenttype', async () => {
    const topic = unique('partner-structured');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish([{ schema: 'CustomerEvent', topic, value: customerWithCities('C-5', ['Graz']) }]);
    await publisher.close();
    const name = unique('partner-ce');
    await runtime.put(
      {
        name,
        type: 'http-sink',
        topics: [topic],
        mapping: addressTableMapping(dir),
        config: {
          baseUrl: target.url,
          path: '/structured',
          body: 'cloudevent',
          retry: { initialDelayMs: 10 },
        },
      },
      'test',
    );
    await waitFor('the record written or failed', async () => {
      const m = (await runtime.status(name))!.metrics;
      return m.recordsOut + m.recordsFailed === 1;
    });
    expect((await runtime.status(name))!.metrics.recordsOut).toBe(1);
    const sent = target.received.filter((r) => r.url === '/structured').at(-1)!;
    expect(sent.headers['content-type']).toBe('application/cloudevents+json');
    expect(JSON.parse(sent.body)).toMatchObject({
      specversion: '1.0',
      datacontenttype: 'text/csv; charset=utf-8',
      data: 'city;postal code\r\nGraz;10000\r\n',
    });
  });

  it('upserts a contact at the HubSpot simulator through hubspot/batch-upsert (application/json, the idempotency key it keeps)', async () => {
    const topic = unique('hubspot-contacts');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    const value = customerEvent('G-4711', 'Nordwind Handel GmbH');
    await publisher.publish([{ schema: 'CustomerEvent', topic, value, attributes: { id: 'h1' } }]);
    await publisher.close();
    const name = unique('hubspot-generic');
    await runtime.put(
      {
        name,
        type: 'http-sink',
        topics: [topic],
        mapping: 'hubspot/batch-upsert.from-canonical.yaml',
        config: {
          baseUrl: hs.sim.url,
          path: '/crm/v3/objects/contacts/batch/upsert',
          authHeader: { value: `Bearer ${hs.app.accessTokens[0]}` },
          retry: { initialDelayMs: 10 },
        },
      },
      'test',
    );
    await waitFor('the record written or failed', async () => {
      const m = (await runtime.status(name))!.metrics;
      return m.recordsOut + m.recordsFailed === 1;
    });
    expect((await runtime.status(name))!.metrics.recordsOut).toBe(1);
    const contact = await hs.json<{ properties: Record<string, string> }>(
      'GET',
      `${CONTACTS}/G-4711?idProperty=eai_golden_id&properties=email,city,eai_golden_id`,
    );
    expect(contact.status).toBe(200);
    expect(contact.body.properties).toMatchObject({
      email: 'einkauf@mueller-maschinenbau.de',
      city: 'Berlin',
      eai_golden_id: 'G-4711',
    });
    const effects = await hs.json<{ effects: Array<{ idempotencyKey?: string; operation: string }> }>(
      'GET',
      '/sim/effects?entityType=contact',
    );
    expect(effects.body.effects.map((e) => e.idempotencyKey)).toEqual([
      `${connectorKey(name, runtime.group)}:h1`,
    ]);
  });

  it('is refused at deployment when its mapping writes a format without a writer, naming the field', async () => {
    const noWriter = resolve('mappings/engine/testdata/writers/customer.xml.from-canonical.yaml');
    const name = unique('no-writer');
    await expect(
      runtime.put(
        {
          name,
          type: 'http-sink',
          topics: ['canonical.customer'],
          mapping: noWriter,
          config: { baseUrl: target.url },
        },
        'partner.yaml',
      ),
    ).rejects.toThrow(
      /^partner\.yaml: mapping: ".*customer\.xml\.from-canonical\.yaml" writes format xml, which has no writer/,
    );
    expect(await runtime.status(name)).toBeUndefined();
  });
});
