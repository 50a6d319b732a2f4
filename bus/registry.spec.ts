import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRegistryClient,
  RegistryRefusedError,
  RegistryUnavailableError,
  SchemaIncompatibleError,
} from './registry.ts';

/** Registries that misbehave, on loopback: the client must give up with a typed error, never hang. */
describe('the registry client against a registry that fails', () => {
  const quiet = pino({ level: 'silent' });
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });
  async function listen(server: Server): Promise<string> {
    servers.push(server);
    server.on('connection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('gives up on a registry that accepts the connection and never answers, after bounded retries', async () => {
    let requests = 0;
    const silent = createServer((socket) => {
      socket.on('data', () => {
        requests += 1;
      });
      socket.on('error', () => {});
    });
    const logged: Array<{ msg: string; attempt: number; path: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const client = createRegistryClient(await listen(silent), { requestTimeoutMs: 300, retries: 2, logger });
    const started = performance.now();
    const error = await client.register('silent-value', { type: 'string' }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as RegistryUnavailableError).retriable).toBe(true);
    expect((error as Error).message).toMatch(/no answer within 300 ms/);
    expect(requests).toBe(3);
    expect(logged.map((l) => [l.msg, l.attempt, l.path])).toEqual([
      ['schema registry request retried', 1, '/subjects/silent-value/versions'],
      ['schema registry request retried', 2, '/subjects/silent-value/versions'],
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('retries 5xx and reports the registry unavailable, but refuses a 4xx at once', async () => {
    let requests = 0;
    const failing = createHttpServer((request, response) => {
      requests += 1;
      const status = request.url?.includes('broken') ? 503 : 422;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error_code: status * 100, message: `status ${status}` }));
    });
    const client = createRegistryClient(await listen(failing), { retries: 2, logger: quiet });

    const unavailable = await client.versions('broken-value').catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(RegistryUnavailableError);
    expect((unavailable as Error).message).toMatch(/HTTP 503 status 503/);
    expect(requests).toBe(3);

    requests = 0;
    const refused = await client.register('fine-value', { type: 'nonsense' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryRefusedError);
    expect(refused).toMatchObject({ status: 422, retriable: false });
    expect(requests).toBe(1);
  });

  it('names the registry when nothing listens on its port', async () => {
    const closed = await listen(createServer());
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const client = createRegistryClient(closed, { retries: 1, logger: quiet });
    const error = await client.typeById(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as Error).message).toContain(`${closed}/schemas/ids/1: unreachable`);
  });
});

describe('the registry client explains a refused schema', () => {
  it("names the registry's own version numbers, not their positions (a subject whose version 1 was deleted)", async () => {
    const held = {
      type: 'record',
      name: 'Probe',
      namespace: 'eai.tests',
      fields: [{ name: 'id', type: 'string' }],
    };
    const server = createHttpServer((request, response) => {
      const path = request.url ?? '';
      const json = (status: number, body: unknown) =>
        void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.method === 'POST') return json(409, { error_code: 409, message: 'Incompatible artifact' });
      if (path.startsWith('/config/')) return json(200, { compatibilityLevel: 'BACKWARD' });
      if (path.endsWith('/versions')) return json(200, [2, 5]);
      if (/\/versions\/[25]$/.test(path)) return json(200, { schema: JSON.stringify(held) });
      return json(404, { error_code: 40401, message: 'no' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const client = createRegistryClient(url, { retries: 0, logger: pino({ level: 'silent' }) });
      const next = { ...held, fields: [...held.fields, { name: 'currency', type: 'string' }] };
      const error = await client.register('probe-value', next).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaIncompatibleError);
      expect((error as Error).message).toContain(
        'currency: field "currency" is missing in the writer\'s schema and has no default, so old data cannot be read (backward, against version 5)',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the registry client explains another record type sent to a subject', () => {
  it('names the record the subject holds and says to publish elsewhere, not to add aliases', async () => {
    const held = { type: 'record', name: 'SalesOrderEvent', namespace: 'eai.canonical', fields: [] };
    const server = createHttpServer((request, response) => {
      const path = request.url ?? '';
      const json = (status: number, body: unknown) =>
        void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.method === 'POST') return json(409, { error_code: 409, message: 'Incompatible artifact' });
      if (path.startsWith('/config/')) return json(200, { compatibilityLevel: 'BACKWARD' });
      if (path.endsWith('/versions')) return json(200, [1]);
      if (path.endsWith('/versions/1')) return json(200, { schema: JSON.stringify(held) });
      return json(404, { error_code: 40401, message: 'no' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const client = createRegistryClient(url, { retries: 0, logger: pino({ level: 'silent' }) });
      const customer = { ...held, name: 'CustomerEvent' };
      const error = await client.register('h7.orders-value', customer).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /^schema eai\.canonical\.CustomerEvent for subject "h7\.orders-value" is incompatible \(BACKWARD\): subject "h7\.orders-value" holds eai\.canonical\.SalesOrderEvent \(version 1\), not eai\.canonical\.CustomerEvent: a subject keeps one record type \(TopicNameStrategy\), so publish CustomerEvent to a topic of its own \(registry said: /,
      );
      // A real rename, with the old name among its aliases, is judged field by field as before.
      const renamed = {
        ...held,
        name: 'OrderEvent',
        aliases: ['SalesOrderEvent'],
        fields: [{ name: 'x', type: 'string' }],
      };
      const rename = await client.register('h7.orders-value', renamed).catch((e: unknown) => e);
      expect((rename as Error).message).toContain('x: field "x" is missing in the writer\'s schema');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
