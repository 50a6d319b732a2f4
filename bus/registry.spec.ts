import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistryClient, RegistryRefusedError, RegistryUnavailableError } from './registry.ts';

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
