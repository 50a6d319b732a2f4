import { createServer } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RetriableError } from '../lib/errors.ts';
import { testStack, unique } from '../tests/stack.ts';
import { startHub } from './hub.ts';

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * A hub whose master data or orchestrator keeps its state in a PostgreSQL that is away when it starts: it does not
 * start, and says so in one line naming PostgreSQL (its password hidden) and DATABASE_URL. Seen in the ops trial:
 * `eai up --masterdata` and `eai up --orchestrator` printed pg's bare "eai: connect ECONNREFUSED 127.0.0.1:19997".
 */
describe('a hub started while its PostgreSQL is away', () => {
  const stack = testStack();
  const silent = pino({ level: 'silent' });

  it('says which database it could not reach, and what to set', async () => {
    const port = await closedPort();
    const databaseUrl = `postgres://postgres:pw-not-shown@127.0.0.1:${port}/eai`;
    const base = { ...stack, databaseUrl, logger: silent, tokens: [], port: 0 };
    const said = new RegExp(
      `^cannot reach PostgreSQL at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/eai, where (master data|the orchestrator) keeps its state \\(.*ECONNREFUSED.*\\): is the stack up\\? npx eai stack up, or set DATABASE_URL$`,
    );
    for (const role of [
      { group: unique('pg-away'), masterdata: { schema: 'mdm_pg_away', healthIntervalMs: 0 } },
      {
        group: unique('pg-away'),
        orchestrator: { executorId: unique('pg-away'), database: 'eai_pg_away', router: false },
      },
    ]) {
      const failure = await startHub({ ...base, ...role }).then(
        async (hub) => {
          await hub.close();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(RetriableError);
      expect((failure as Error).message).toMatch(said);
    }
  }, 60_000);
});
