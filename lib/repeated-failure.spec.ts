import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RepeatedFailure, RepeatedFailures } from './repeated-failure.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino({ level: 'debug' }, stream) };
}
const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('a failure repeated in a loop', () => {
  it("logs the error without the answer body it quotes (a target's 503 that echoes a customer's name and email)", async () => {
    const { lines, log } = capture();
    const poll = new RepeatedFailure(log, {
      failed: 'source poll failed',
      healed: 'source poll works again',
      everyMs: 0,
    });
    const echo = new Error(
      'polling res.partner failed, tried again shortly: odoo: POST /json/2/res.partner/search_read answered HTTP 503: {"record":{"name":"Jane Roe","email":"jane.roe@example.com"}}',
    );
    poll.failed(echo);
    poll.failed(echo);
    poll.healed();
    await flushed();
    expect(lines).toHaveLength(3);
    expect(lines[0]!.error).toBe(
      'polling res.partner failed, tried again shortly: odoo: POST /json/2/res.partner/search_read answered HTTP 503: (answer body left out)',
    );
    expect(JSON.stringify(lines)).not.toMatch(/Jane|jane\.roe/);
  });

  it('logs when it starts, at most once a minute while it lasts with the count and the first error, once when it heals', async () => {
    const { lines, log } = capture();
    let now = Date.parse('2026-12-02T08:00:00.000Z');
    const pass = new RepeatedFailure(log, {
      failed: 'golden sync pass failed; retrying',
      healed: 'golden sync passes again',
      now: () => now,
    });
    // A pass a second for 73 s, PostgreSQL away: it refuses at first, then drops the connections it took.
    for (let second = 0; second < 73; second++) {
      pass.failed(new Error(second < 30 ? 'connect ECONNREFUSED 127.0.0.1:15432' : 'read ECONNRESET'));
      now += 1000;
    }
    expect(pass.failing).toBe(true);
    expect(pass.healed()).toBe(true);
    // Working on: nothing more to say.
    expect(pass.healed()).toBe(false);
    await flushed();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'golden sync pass failed; retrying'],
      [40, 'golden sync pass failed; retrying: still failing after 60 s, 61 failures'],
      [30, 'golden sync passes again after 73 s (73 failures)'],
    ]);
    expect(lines[0]).toMatchObject({ error: 'connect ECONNREFUSED 127.0.0.1:15432' });
    // The latest error, and the first one's words kept beside it.
    expect(lines[1]).toMatchObject({
      error: 'read ECONNRESET',
      firstError: 'connect ECONNREFUSED 127.0.0.1:15432',
      failures: 61,
      since: '2026-12-02T08:00:00.000Z',
    });
    expect(lines[2]).toMatchObject({ failures: 73, firstError: 'connect ECONNREFUSED 127.0.0.1:15432' });
  });

  it('starts afresh after it healed: the next failure is logged at once with its own error', async () => {
    const { lines, log } = capture();
    let now = 0;
    const lock = new RepeatedFailure(log, {
      failed: 'orchestrator: live lock not taken again',
      healed: 'orchestrator: live lock taken again',
      everyMs: 10_000,
      now: () => now,
    });
    lock.failed('connect ECONNREFUSED');
    now = 2000;
    lock.healed();
    now = 3000;
    lock.failed('Connection terminated unexpectedly');
    lock.failed('Connection terminated unexpectedly');
    await flushed();
    expect(lines.map((l) => [l.msg, l.error ?? l.firstError])).toEqual([
      ['orchestrator: live lock not taken again', 'connect ECONNREFUSED'],
      ['orchestrator: live lock taken again after 2 s (1 failure)', 'connect ECONNREFUSED'],
      ['orchestrator: live lock not taken again', 'Connection terminated unexpectedly'],
    ]);
  });

  it('keeps each kind apart, and heals them all at once', async () => {
    const { lines, log } = capture();
    let now = 0;
    const kinds = new RepeatedFailures(log, { now: () => now });
    for (let i = 0; i < 5; i++) {
      kinds.failed('Error listing database-backed queues', 'connect ECONNREFUSED');
      kinds.failed('Error transitioning delayed workflows', 'connect ECONNREFUSED');
      now += 1000;
    }
    kinds.healed();
    kinds.healed();
    await flushed();
    expect(lines.map((l) => l.msg)).toEqual([
      'Error listing database-backed queues',
      'Error transitioning delayed workflows',
      'Error listing database-backed queues: no longer failing after 5 s (5 failures)',
      'Error transitioning delayed workflows: no longer failing after 5 s (5 failures)',
    ]);
  });

  it('two errors in turn (a source polling two entities) are one failure: a line a minute, at the level asked', async () => {
    const { lines, log } = capture();
    let now = 0;
    const polls = new RepeatedFailure(log, {
      failed: 'source poll failed',
      healed: 'source poll works again',
      level: 'error',
      now: () => now,
    });
    // An Odoo outage of two minutes: each entity's poll fails every 15 s, one after the other.
    for (let at = 0; at < 120_000; at += 15_000) {
      now = at;
      polls.failed(new Error('polling res.partner failed, tried again shortly: HTTP 503'));
      now = at + 1000;
      polls.failed(new Error('polling sale.order failed, tried again shortly: HTTP 503'));
    }
    await flushed();
    // Before, each failure was "another error than the last" and logged: 16 lines.
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'source poll failed'],
      [50, 'source poll failed: still failing after 60 s, 9 failures'],
    ]);
  });
});
