import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logCreatorTo } from './kafkajs.ts';

/** A pino logger at `level` whose lines are kept. */
function captured(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

const entry = (level: number, message: string) => ({
  namespace: 'Connection',
  level,
  label: 'ERROR',
  log: { timestamp: '2026-12-05T00:00:00.000Z', message, broker: '127.0.0.1:1' },
});

describe("kafkajs's lines go to the logger the transport is given, at its level", () => {
  it('writes a retried attempt as a warning and a failure as an error to that logger', () => {
    const { logger, lines } = captured('warn');
    const log = logCreatorTo(logger)();
    log(entry(logLevel.ERROR, 'Response ListOffsets(key: 2, version: 3)'));
    log(entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:1'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.broker === '127.0.0.1:1')).toBe(true);
  });

  it("writes nothing below the logger's level: a CLI command's bus logs errors only, so no retried attempt shows", () => {
    const { logger, lines } = captured('error');
    const log = logCreatorTo(logger)();
    log(entry(logLevel.WARN, 'Response ListOffsets(key: 2, version: 3)'));
    expect(lines).toEqual([]);
  });
});
