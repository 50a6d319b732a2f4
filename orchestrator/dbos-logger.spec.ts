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
