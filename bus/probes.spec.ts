import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, listeningPort } from '../tests/ports.ts';
import { registryAnswers } from './probes.ts';

/**
 * What readiness says of a registry that does not answer (`checks.schemaRegistry.error`): which registry and why. A
 * stopped registry read `fetch failed`, and one answering 500 while its PostgreSQL was away `not reachable`. These are
 * failures the shared stack's registry cannot be made to show; one that answers is the real one, probes.int.spec.ts.
 */
describe('registryAnswers (readiness)', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function answering(status: number, body: string): Promise<string> {
    const server: Server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}/apis/ccompat/v7`;
  }

  it('names the registry and the refused connection when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`;
    await expect(registryAnswers(url)).rejects.toThrow(
      new RegExp(`^schema registry ${url}: unreachable \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)$`),
    );
  });

  it('names the status and the start of the answer of a registry that answers 500', async () => {
    const url = await answering(
      500,
      '{"message":"org.postgresql.util.PSQLException: FATAL: terminating connection due to administrator command","error_code":0}',
    );
    await expect(registryAnswers(url)).rejects.toThrow(
      `schema registry ${url}: GET /subjects answered HTTP 500 ({"message":"org.postgresql.util.PSQLException: FATAL: terminating connection due to administrator command","error_code":0})`,
    );
  });

  it('says how long it waited for a registry that accepts and never answers', async () => {
    const silent = await listeningPort(true);
    closers.push(silent.close);
    const url = `http://127.0.0.1:${silent.port}`;
    await expect(registryAnswers(url, 200)).rejects.toThrow(
      `schema registry ${url}: no answer to GET /subjects within 200 ms`,
    );
  });
});
