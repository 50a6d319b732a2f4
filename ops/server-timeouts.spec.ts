import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientTimeouts, startOpsServer } from './server.ts';

/** What the server sends before it closes a connection, and how long after `start` it closed it. */
function closed(socket: Socket, start: number): Promise<{ answer: string; afterMs: number }> {
  let answer = '';
  socket.on('data', (chunk) => {
    answer += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.on('close', () => resolve({ answer, afterMs: Date.now() - start })));
}

async function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

describe('slow clients of the ops port', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const s of servers.splice(0)) await s.close();
  });

  it('closes a connection that trickles its headers (slow loris) after the headers timeout', async () => {
    const server = await startOpsServer({
      checks: {},
      timeouts: { headersMs: 300, requestMs: 2000, checkEveryMs: 50 },
    });
    servers.push(server);
    const socket = await open(server.url);
    sockets.push(socket);
    const start = Date.now();
    const done = closed(socket, start);
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 100);
    const { answer, afterMs } = await done;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeLessThan(1500);
  });

  it('closes a connection that trickles its body after the request timeout', async () => {
    const server = await startOpsServer({
      checks: {},
      webhooks: async () => ({ status: 200 }),
      timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 },
    });
    servers.push(server);
    const socket = await open(server.url);
    sockets.push(socket);
    const start = Date.now();
    const done = closed(socket, start);
    socket.write('POST /webhooks/hook HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('a'), 100);
    const { answer, afterMs } = await done;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeLessThan(2000);
  });

  it("bounds them by default well below Node's own 60 s and 300 s", async () => {
    const { server, close } = await startOpsServer({ checks: {} });
    servers.push({ close });
    expect(server.headersTimeout).toBe(clientTimeouts.headersMs);
    expect(server.requestTimeout).toBe(clientTimeouts.requestMs);
    expect(clientTimeouts.headersMs).toBeLessThanOrEqual(15_000);
    expect(clientTimeouts.requestMs).toBeLessThanOrEqual(60_000);
  });
});
