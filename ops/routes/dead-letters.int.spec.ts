import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBus,
  DEFAULT_CONNECT_GROUP,
  DLQ_TOPICS,
  deadLetterRecord,
  VALUES_MARKED_HEADER,
} from '../../bus/index.ts';
import { sinkGroupId } from '../../connectors/index.ts';
import {
  type DeadLetterFixture,
  deadLetterFixture,
  RAW_VALUE,
  waitFor,
} from '../../tests/dead-letter-fixture.ts';
import { type MappingRedriveFixture, mappingRedriveFixture } from '../../tests/mapping-redrive-fixture.ts';
import { assertConformsToOpenApi } from '../../tests/openapi-conformance.ts';
import { closedPort } from '../../tests/ports.ts';
import { testBus, testStack } from '../../tests/stack.ts';
import { createAdminApi, hashToken, newToken } from '../api/index.ts';
import { UNMARKED_REASON_NOTE } from '../api/roles.ts';
import { startOpsServer } from '../server.ts';
import { BODY_ROLE_REASON, registerDeadLetterRoutes } from './dead-letters.ts';

const tokens = { viewer: newToken(), operator: newToken() };
const silent = pino({ level: 'silent' });

describe('dead-letter routes of the admin API', () => {
  const bus = testBus('/eai/tests/dead-letter-routes');
  let f: DeadLetterFixture;
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  let document: object;

  beforeAll(async () => {
    f = await deadLetterFixture('dl-rest');
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [
        { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
        { name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) },
      ],
    });
    registerDeadLetterRoutes(api, { transport: bus.transport, serde: bus.serde, topics: [f.dlqTopic] });
    server = await startOpsServer({ checks: {}, api });
    document = (await (await fetch(`${server.url}/openapi.json`)).json()) as object;
  });
  afterAll(async () => {
    await server?.close();
    await f?.close();
  });

  /** Calls the route and checks the answer against the OpenAPI document the server itself serves. */
  async function call(
    method: 'get' | 'post',
    template: string,
    url: string,
    options: { token?: string; body?: unknown } = {},
  ) {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${url}`, {
      method: method.toUpperCase(),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const body = (await response.json()) as Record<string, unknown>;
    assertConformsToOpenApi(document, { method, path: template, status: response.status, body });
    return { status: response.status, body };
  }

  it('lists the topics with their depth (viewer), and says 401 without a token', async () => {
    expect((await call('get', '/dead-letters', '/dead-letters')).status).toBe(401);
    const { status, body } = await call('get', '/dead-letters', '/dead-letters', { token: tokens.viewer });
    expect(status).toBe(200);
    expect(body).toEqual({ topics: [{ topic: f.dlqTopic, depth: 4, exists: true }] });
  });

  it('lists letters with filters and paging; 404 for a topic it does not serve, 400 for a bad limit', async () => {
    const path = '/dead-letters/{topic}';
    const base = `/dead-letters/${f.dlqTopic}`;
    const all = await call('get', path, base, { token: tokens.viewer });
    expect(all.status).toBe(200);
    const entries = all.body.entries as Array<{ offset: string; stage: string; message: string }>;
    expect(entries.map((e) => e.stage)).toEqual(['TASK_PUT', 'VALUE_CONVERTER', 'TASK_PUT', 'MAPPING']);
    expect(JSON.stringify(all.body)).not.toContain('legacy flat file');

    const refused = await call('get', path, `${base}?owner=${f.groupId}&text=credit`, {
      token: tokens.viewer,
    });
    expect((refused.body.entries as Array<{ offset: string }>).map((e) => e.offset)).toEqual(['0', '2']);
    // A message that quotes the target's answer (the refused record, personal data): a viewer's copy stops before it.
    const quoted = (entries: unknown) => (entries as Array<{ offset: string; message: string }>)[1]!.message;
    expect(quoted(refused.body.entries)).toBe(
      'credit block: customer of sap:3 unknown: (answer body left out: an operator reads it)',
    );
    const whole = await call('get', path, `${base}?owner=${f.groupId}&text=credit`, {
      token: tokens.operator,
    });
    expect(quoted(whole.body.entries)).toBe(
      'credit block: customer of sap:3 unknown: {"NAME1":"Jane Roe","SMTP_ADDR":"jane.roe@example.com"}',
    );
    // A viewer's text filter searches the message a viewer reads: it cannot tell which letter holds an email.
    for (const [token, found] of [
      [tokens.viewer, []],
      [tokens.operator, ['2']],
    ] as const) {
      const probed = await call('get', path, `${base}?text=jane.roe%40example.com`, { token });
      expect((probed.body.entries as Array<{ offset: string }>).map((e) => e.offset)).toEqual(found);
    }
    const page = await call('get', path, `${base}?limit=1&from=1`, { token: tokens.viewer });
    expect(page.body).toMatchObject({ entries: [{ offset: '1' }], next: { partition: 0, offset: '2' } });

    const other = await call('get', path, `/dead-letters/${f.topic}`, { token: tokens.viewer });
    expect(other.status).toBe(404);
    expect(other.body.error).toMatch(/is not a dead-letter topic/);
    const bad = await call('get', path, `${base}?limit=0`, { token: tokens.viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/query\.limit/);
  });

  it("keeps a letter's body from a viewer (403 naming the role), who lists its metadata instead", async () => {
    const path = '/dead-letters/{topic}/{partition}/{offset}';
    const denied = await call('get', path, `/dead-letters/${f.dlqTopic}/0/1`, { token: tokens.viewer });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      error: `role viewer may not do this: it needs operator (${BODY_ROLE_REASON})`,
    });
    expect(JSON.stringify(denied.body)).not.toContain(RAW_VALUE);
    const metadata = await call(
      'get',
      '/dead-letters/{topic}',
      `/dead-letters/${f.dlqTopic}?from=1&limit=1`,
      {
        token: tokens.viewer,
      },
    );
    expect(metadata.body.entries).toEqual([
      {
        partition: 0,
        offset: '1',
        timestamp: expect.any(String),
        key: expect.any(String),
        originalTopic: f.topic,
        originalPartition: 0,
        originalOffset: expect.any(String),
        owner: f.groupId,
        stage: 'VALUE_CONVERTER',
        exceptionClass: 'WireFormatError',
        message: expect.stringMatching(/^not Confluent wire format/),
        valuesMarked: true,
        attempts: expect.any(Number),
        ceId: null,
        sender: null,
        size: Buffer.byteLength(RAW_VALUE),
      },
    ]);
    const openapi = document as { paths: Record<string, Record<string, { 'x-eai-role': string }>> };
    expect(openapi.paths[path]!.get!['x-eai-role']).toBe('operator');
  });

  it('shows a letter to an operator: Avro decoded, raw as text; 404 for an offset with no letter', async () => {
    const path = '/dead-letters/{topic}/{partition}/{offset}';
    const avro = await call('get', path, `/dead-letters/${f.dlqTopic}/0/2`, { token: tokens.operator });
    expect(avro.status).toBe(200);
    expect(avro.body).toMatchObject({
      offset: '2',
      ceId: f.ceIds.get('sap:3'),
      value: { encoding: 'avro', json: { salesOrder: { orderId: 'sap:3' } } },
    });
    const raw = await call('get', path, `/dead-letters/${f.dlqTopic}/0/1`, { token: tokens.operator });
    expect(raw.body.value).toEqual({ encoding: 'text', text: RAW_VALUE });
    const missing = await call('get', path, `/dead-letters/${f.dlqTopic}/0/42`, { token: tokens.operator });
    expect(missing.status).toBe(404);
  });

  it('redrives for an operator only: 401, 403, 400 for an ambiguous body, then the letters come back', async () => {
    const path = '/dead-letters/{topic}/redrive';
    const url = `/dead-letters/${f.dlqTopic}/redrive`;
    const range = { selection: { fromOffset: '0', toOffset: '3' } };
    expect((await call('post', path, url, { body: range })).status).toBe(401);
    const viewer = await call('post', path, url, { token: tokens.viewer, body: range });
    expect(viewer.status).toBe(403);
    const both = await call('post', path, url, {
      token: tokens.operator,
      body: { ...range, filter: { owner: f.groupId } },
    });
    expect(both.status).toBe(400);
    expect(both.body.error).toMatch(/either selection or filter/);
    // A misspelt key is refused, naming it: dropped, `dryrun` made a real redrive, `ownr` selected every letter.
    const misspelt = await call('post', path, url, {
      token: tokens.operator,
      body: { ...range, dryrun: true },
    });
    expect([misspelt.status, misspelt.body.details]).toEqual([
      400,
      [{ in: 'body', path: 'dryrun', message: 'unknown key' }],
    ]);
    const ownr = await call('post', path, url, { token: tokens.operator, body: { filter: { ownr: 'x' } } });
    expect(ownr.status).toBe(400);
    expect(ownr.body.details).toContainEqual({ in: 'body', path: 'filter.ownr', message: 'unknown key' });
    const empty = await call('post', path, url, { token: tokens.operator, body: { filter: {} } });
    expect(empty.status).toBe(400);

    const dry = await call('post', path, url, { token: tokens.operator, body: { ...range, dryRun: true } });
    expect(dry.body).toMatchObject({ dryRun: true, selected: 4, redriven: 3 });
    // Offsets as JSON integers, as an operator writes them with curl, select the same letters.
    const numeric = await call('post', path, url, {
      token: tokens.operator,
      body: { selection: { fromOffset: 0, toOffset: 3 }, dryRun: true },
    });
    expect(numeric.body).toEqual(dry.body);
    expect(f.handled).toHaveLength(2);

    f.fix();
    const done = await call('post', path, url, { token: tokens.operator, body: range });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ dryRun: false, selected: 4, redriven: 3, repeated: [] });
    expect(done.body.skipped).toEqual([
      { partition: 0, offset: '3', reason: expect.stringContaining('no topic to go back to') },
    ]);
    await waitFor('the redriven orders handled', () => f.handled.length === 4);
    for (const h of f.handled.slice(2)) expect(h.ceId).toBe(f.ceIds.get(h.orderId));
  });

  it("takes a sink connector's name as owner for the letters its group signed (list and redrive)", async () => {
    const producer = bus.transport.producer();
    await producer.connect();
    const origin = {
      topic: 'command.crm.customer',
      partition: 0,
      timestamp: String(Date.now()),
      headers: {},
    };
    const refused = {
      stage: 'TASK_PUT' as const,
      owner: sinkGroupId('crm-sink', DEFAULT_CONNECT_GROUP),
      error: new Error('400'),
      attempts: 1,
    };
    await producer.send([
      deadLetterRecord(f.dlqTopic, { ...origin, offset: '7', key: null, value: Buffer.from('{}') }, refused),
    ]);
    await producer.disconnect();
    const listed = await call('get', '/dead-letters/{topic}', `/dead-letters/${f.dlqTopic}?owner=crm-sink`, {
      token: tokens.viewer,
    });
    expect((listed.body.entries as Array<{ originalOffset: string }>).map((e) => e.originalOffset)).toEqual([
      '7',
    ]);
    const dry = await call('post', '/dead-letters/{topic}/redrive', `/dead-letters/${f.dlqTopic}/redrive`, {
      token: tokens.operator,
      body: { filter: { owner: 'crm-sink' }, dryRun: true },
    });
    expect(dry.body).toMatchObject({ selected: 1 });
  });

  it('shows a viewer only where a letter written before the value marks failed; an operator reads it whole', async () => {
    const reason =
      'mappings/odoo/res-partner.yaml: emails[0]: $email: jane.roe@example.com;x is not an email address';
    const refused = {
      stage: 'MAPPING' as const,
      owner: 'legacy-source',
      error: new Error(reason),
      attempts: 1,
    };
    const origin = {
      topic: 'document:odoo-res-partner',
      partition: 0,
      timestamp: String(Date.now()),
      headers: {},
    };
    const marked = deadLetterRecord(f.dlqTopic, { ...origin, offset: '8', key: null, value: null }, refused);
    // As the hub wrote letters before it marked the values their reasons quote: the same headers, that one aside.
    const { [VALUES_MARKED_HEADER]: _, ...before } = marked.headers ?? {};
    const producer = bus.transport.producer();
    await producer.connect();
    await producer.send([
      { ...marked, headers: before },
      deadLetterRecord(f.dlqTopic, { ...origin, offset: '9', key: null, value: null }, refused),
    ]);
    await producer.disconnect();
    const list = async (token: string, query = '') =>
      (
        await call(
          'get',
          '/dead-letters/{topic}',
          `/dead-letters/${f.dlqTopic}?owner=legacy-source${query}`,
          {
            token,
          },
        )
      ).body.entries as Array<{ originalOffset: string; message: string; valuesMarked: boolean }>;
    const viewer = await list(tokens.viewer);
    expect(viewer.map((e) => [e.originalOffset, e.valuesMarked, e.message])).toEqual([
      ['8', false, `mappings/odoo/res-partner.yaml: emails[0]: $email: ${UNMARKED_REASON_NOTE}`],
      // Written by today's hub, unmarked: nothing in it is a value its maker marked, so it is shown as it is.
      ['9', true, reason],
    ]);
    expect((await list(tokens.operator)).map((e) => e.message)).toEqual([reason, reason]);
    // A viewer's text filter cannot find the old letter by the email its reason quotes.
    expect((await list(tokens.viewer, '&text=jane.roe')).map((e) => e.originalOffset)).toEqual(['9']);
    expect((await list(tokens.operator, '&text=jane.roe')).map((e) => e.originalOffset)).toEqual(['8', '9']);
  });
});

describe("redrive of mapping dead letters through the hub's connectors", () => {
  let f: MappingRedriveFixture;
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  let document: object;

  beforeAll(async () => {
    f = await mappingRedriveFixture('dl-rest-remap');
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [{ name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) }],
    });
    registerDeadLetterRoutes(api, {
      transport: f.bus.transport,
      serde: f.bus.serde,
      topics: [DLQ_TOPICS.mapping],
      remapDocument: (letter, entry) => f.runtime.remapDocument(letter, entry),
      connectGroup: f.runtime.group,
    });
    server = await startOpsServer({ checks: {}, api });
    document = (await (await fetch(`${server.url}/openapi.json`)).json()) as object;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await f?.close();
  });

  async function redrive(body: object) {
    const response = await fetch(`${server.url}/dead-letters/${DLQ_TOPICS.mapping}/redrive`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    const path = '/dead-letters/{topic}/redrive';
    assertConformsToOpenApi(document, { method: 'post', path, status: response.status, body: answer });
    expect(response.status).toBe(200);
    return answer as {
      redriven: number;
      remapped: Array<{ offset: string; connector: string; published: Array<{ id: string }> }>;
      failing: Array<{ offset: string; reason: string; error: { field: string | null } }>;
      repeated: unknown[];
    };
  }

  it('maps a CSV row letter again once its lookup is fixed and publishes that row alone; still failing ones say why', async () => {
    const row = {
      selection: {
        partition: f.letters.rows.partition,
        fromOffset: f.letters.rows.offset,
        toOffset: f.letters.rows.offset,
      },
    };
    const broken = await redrive({ ...row, dryRun: true });
    expect(broken).toMatchObject({ redriven: 0, remapped: [] });
    expect(broken.failing).toEqual([
      expect.objectContaining({
        offset: f.letters.rows.offset,
        connector: f.name,
        reason: expect.stringMatching(/country AT is not in the countries table/),
        error: expect.objectContaining({ field: 'customer.addresses[0].countryCode', location: 'line 3' }),
      }),
    ]);

    f.fix();
    const dry = await redrive({ ...row, dryRun: true });
    expect(dry.remapped).toEqual([
      {
        partition: f.letters.rows.partition,
        offset: f.letters.rows.offset,
        connector: f.name,
        published: [
          { topic: f.customerTopic, key: expect.stringMatching(/^csv:.*-2$/), id: `${f.ids.rows}:2` },
        ],
      },
    ]);
    expect(await f.customers()).toHaveLength(2);

    const done = await redrive(row);
    expect(done).toMatchObject({ redriven: 1, failing: [], repeated: [] });
    const customers = await f.customers(3);
    expect(customers.map((r) => r.headers.ce_id?.toString())).toEqual([
      `${f.ids.rows}:1`,
      `${f.ids.rows}:3`,
      `${f.ids.rows}:2`,
    ]);
    const swiss = await redrive({ filter: { owner: f.name, text: 'CH is not' } });
    expect(swiss).toMatchObject({ redriven: 0, remapped: [] });
    expect(swiss.failing.map((x) => x.offset)).toEqual([f.letters.swiss.offset]);
    expect(await f.customers()).toHaveLength(3);
  });
});

describe('dead-letter routes while Kafka does not answer', () => {
  it('answer 503 within their deadline, naming the cluster and what did not answer', async () => {
    const brokers = `127.0.0.1:${await closedPort()}`;
    const bus = createBus({
      brokers,
      registryUrl: testStack().registryUrl,
      clientId: 'dl-down',
      logger: silent,
    });
    const api = createAdminApi({
      logger: silent,
      tokens: [{ name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) }],
    });
    registerDeadLetterRoutes(api, { transport: bus.transport, serde: bus.serde, brokers, timeoutMs: 1_500 });
    const server = await startOpsServer({ checks: {}, api });
    try {
      for (const path of ['/dead-letters/dlq.mapping', '/dead-letters/dlq.mapping/0/0']) {
        const started = Date.now();
        const response = await fetch(`${server.url}${path}`, {
          headers: { authorization: `Bearer ${tokens.operator}` },
        });
        expect(Date.now() - started, path).toBeLessThan(5_000);
        expect(response.status, path).toBe(503);
        const body = (await response.json()) as { error: string };
        expect(body.error, path).toMatch(
          new RegExp(`^Kafka at ${brokers} or the schema registry did not answer \\(.+\\): try again$`),
        );
      }
    } finally {
      await server.close();
    }
  });
});
