import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../../tests/ports.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { createKafkajsTransport, logCreatorTo } from './kafkajs.ts';

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

/** A pino logger at `level` whose lines are kept as the text it writes (to see a key written twice). */
function capturedText(level: string, bindings: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level, name: 'eai' }, stream).child(bindings), lines };
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

  it('logs no JavaScript stack, and a broker that does not answer as warnings kafkajs retries, not errors', () => {
    // A one-minute broker outage under `eai up` wrote about 600 error lines, each with kafkajs's stack of the error.
    const { logger, lines } = captured('warn');
    const log = logCreatorTo(logger)();
    const stack =
      'Error: connect ECONNREFUSED 127.0.0.1:1\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:2021:16)';
    log({
      ...entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:1'),
      log: {
        ...entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:1').log,
        stack,
      } as never,
    });
    log({
      ...entry(logLevel.ERROR, 'x'),
      log: {
        timestamp: '2026-12-05T00:00:00.000Z',
        message:
          'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:1',
        retryCount: 2,
        retryTime: 1204,
      } as never,
    });
    log(entry(logLevel.ERROR, 'Restarting the consumer in 300ms'));
    log({
      ...entry(logLevel.ERROR, 'x'),
      log: {
        timestamp: '2026-12-05T00:00:00.000Z',
        message: 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:1',
        stack,
      } as never,
    });
    expect(lines.map((line) => [line.level, line.retried ?? false])).toEqual([
      [40, true],
      [40, true],
      [40, true],
      [50, false],
    ]);
    expect(lines.filter((line) => 'stack' in line)).toEqual([]);
    expect(lines[3]!.msg).toMatch(/^Crash: KafkaJSNumberOfRetriesExceeded: Connection error/);
  });

  it("writes its lines into the given logger's JSON with one `name` key (a second one is invalid for strict readers)", async () => {
    const { logger, lines } = capturedText('warn', { component: 'connectors' });
    const transport = createKafkajsTransport({
      brokers: [`127.0.0.1:${await closedPort()}`],
      clientId: 'eai-logger-spec',
      logger,
    });
    const admin = transport.admin();
    // Connecting to a closed port: kafkajs logs the refused connection, then retries (stopped below).
    void admin.connect().catch(() => undefined);
    await waitFor('a kafkajs line', () => lines.length > 0, 5_000);
    await admin.disconnect().catch(() => undefined);
    for (const line of lines) {
      expect(line.match(/"name":/g)).toHaveLength(1);
      expect(JSON.parse(line)).toMatchObject({ name: 'eai', logger: 'kafkajs', component: 'connectors' });
      expect(line).not.toContain('"stack"');
    }
  });
});
