import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { dbosLogger, MAX_DBOS_MESSAGE } from './dbos-logger.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, raw, log: pino({ level: 'debug' }, stream) };
}

describe("DBOS's log lines through the hub's logger", () => {
  it('are JSON with engine dbos, at the level asked and above', async () => {
    const { lines, log } = capture();
    const dbos = dbosLogger(log, 'warn');
    dbos.debug('recovering');
    dbos.info('DBOS launched');
    dbos.warn('pool connection failed');
    dbos.error(new Error('system database unreachable'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.level, l.engine, l.msg])).toEqual([
      [40, 'dbos', 'pool connection failed'],
      [50, 'dbos', 'system database unreachable'],
    ]);
    expect(lines[1]!.error).toBe('Error');
  });

  it("keep the orchestrator's component, each key once in the raw line", async () => {
    const { raw, lines, log } = capture();
    dbosLogger(log.child({ component: 'orchestrator' })).warn('pool connection failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({ component: 'orchestrator', engine: 'dbos' });
    // pino writes a binding bound twice as two keys; JSON.parse would hide it.
    const keys = [...raw[0]!.matchAll(/"([^"]+)":/g)].map((m) => m[1]);
    expect(keys.filter((k) => k === 'component')).toHaveLength(1);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('cut a message that names thousands of workflows, saying how much was left out', async () => {
    const { lines, log } = capture();
    const ids = Array.from({ length: 2000 }, (_, i) => `order-to-delivery:sap:${i}`).join(', ');
    dbosLogger(log).warn(`Shutting down while 2000 workflows are still running: ${ids}`);
    await new Promise((resolve) => setImmediate(resolve));
    const msg = String(lines[0]!.msg);
    expect(
      msg.startsWith('Shutting down while 2000 workflows are still running: order-to-delivery:sap:0'),
    ).toBe(true);
    expect(msg).toMatch(/… \(\d+ more characters\)$/);
    expect(msg.length).toBeLessThan(MAX_DBOS_MESSAGE + 40);
  });
});

describe("DBOS's warnings while PostgreSQL is away", () => {
  it('log once per kind when they start, at most once a minute while they last, once at info when the database answers again', async () => {
    const { lines, log } = capture();
    let now = Date.parse('2026-12-02T08:00:00.000Z');
    const dbos = dbosLogger(log, 'warn', { now: () => now });
    // What its loops wrote, each about once a second (the faults trial: ~6 lines a second for as long as it lasted).
    for (let second = 0; second < 90; second++) {
      dbos.warn(`Error listing database-backed queues: connect ECONNREFUSED 127.0.0.1:${15432}`);
      dbos.warn('Error in notifications listener: Error: connect ECONNREFUSED 127.0.0.1:15432');
      dbos.warn(
        `Database connection failed: Connection terminated unexpectedly. Retrying in ${(second % 7) + 0.25}s (attempt ${second + 1})`,
      );
      dbos.error(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:15432'), { code: 'ECONNREFUSED' }));
      now += 1000;
    }
    // A warning about something else is said as ever.
    dbos.warn('Current version is not the latest version.');
    dbos.databaseAnswers();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'Error listing database-backed queues'],
      [40, 'Error in notifications listener'],
      [40, 'Database connection failed'],
      [40, 'connect ECONNREFUSED #.#.#.#:#'],
      [40, 'Error listing database-backed queues: still failing after 60 s, 61 failures'],
      [40, 'Error in notifications listener: still failing after 60 s, 61 failures'],
      [40, 'Database connection failed: still failing after 60 s, 61 failures'],
      [40, 'connect ECONNREFUSED #.#.#.#:#: still failing after 60 s, 61 failures'],
      [40, 'Current version is not the latest version.'],
      [30, 'Error listing database-backed queues: no longer failing after 90 s (90 failures)'],
      [30, 'Error in notifications listener: no longer failing after 90 s (90 failures)'],
      [30, 'Database connection failed: no longer failing after 90 s (90 failures)'],
      [30, 'connect ECONNREFUSED #.#.#.#:#: no longer failing after 90 s (90 failures)'],
    ]);
    expect(lines.every((l) => l.engine === 'dbos')).toBe(true);
    // The first line of each says why, in DBOS's words.
    expect(lines[0]!.error).toBe('connect ECONNREFUSED 127.0.0.1:15432');
    expect(lines[2]!.error).toMatch(/^Connection terminated unexpectedly\. Retrying in/);
  });
});
