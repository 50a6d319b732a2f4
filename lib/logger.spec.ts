import { afterEach, describe, expect, it } from 'vitest';
import { quotedValue } from './errors.ts';
import { createLogger, logLevels, resetLogLevels, setLogLevel } from './logger.ts';

describe('run-time log levels by name (root, component:<name>, connector:<name>)', () => {
  afterEach(resetLogLevels);

  it('sets the most specific name set on every live logger and on the children made after', () => {
    const root = createLogger('levels-spec', 'info');
    const connectors = root.child({ component: 'levels-spec-connectors' });
    const a = connectors.child({ connector: 'levels-a' });
    const b = connectors.child({ connector: 'levels-b' });
    const other = root.child({ component: 'levels-spec-other' });
    expect([connectors.level, a.level, b.level, other.level]).toEqual(['info', 'info', 'info', 'info']);

    expect(setLogLevel('connector:levels-a', 'debug')).toEqual(['connector:levels-a']);
    expect([connectors.level, a.level, b.level, other.level]).toEqual(['info', 'debug', 'info', 'info']);
    // A child of a's logger (a transport's) follows a's name; one made later under the component does not.
    expect(a.child({ transport: 'poll' }).level).toBe('debug');
    expect(connectors.child({ connector: 'levels-c' }).level).toBe('info');

    setLogLevel('component:levels-spec-connectors', 'warn');
    // The component's level reaches its loggers, not the connector set more specifically below it.
    expect([connectors.level, a.level, b.level, other.level]).toEqual(['warn', 'debug', 'warn', 'info']);
    expect(logLevels()).toMatchObject({
      'connector:levels-a': { level: 'debug', lastModified: expect.any(Number) },
      'connector:levels-b': { level: 'warn', lastModified: null },
      'component:levels-spec-other': { level: 'info', lastModified: null },
    });

    // root clears every name set below it, as log4j's does.
    const cleared = setLogLevel('root', 'error');
    expect(cleared).toContain('connector:levels-a');
    expect(cleared).toContain('component:levels-spec-connectors');
    expect([root.level, connectors.level, a.level, b.level, other.level]).toEqual([
      'error',
      'error',
      'error',
      'error',
      'error',
    ]);
    expect(Object.keys(logLevels())[0]).toBe('root');
    resetLogLevels();
    expect([root.level, a.level, other.level]).toEqual(['info', 'info', 'info']);
    expect(logLevels().root).toEqual({ level: process.env.EAI_LOG_LEVEL ?? 'info', lastModified: null });
  });
});

describe('document values in log lines', () => {
  it('shows the values an error quotes as "…" (a customer\'s email a reader refused), in the message, the fields and an error\'s message, and leaves plain text alone', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger('values-spec', 'info', {
      write: (line: string) => {
        lines.push(JSON.parse(line));
      },
    });
    const refused = `customer.email: ${quotedValue('jane.roe@example.com')} is not an email`;
    log.warn(
      { error: refused, detail: { reason: refused }, connector: 'hs-in' },
      `refused ${quotedValue('Jane Roe')}`,
    );
    log.error({ err: new Error(refused) }, 'plain "quoted" name stays');
    // A database error whose message quotes no value, and whose detail does (pg's, marked by store/pool.ts).
    const duplicate = Object.assign(
      new Error('duplicate key value violates unique constraint "person_pkey"'),
      {
        detail: `Key (email)=(${quotedValue('jane.roe@example.com')}) already exists.`,
      },
    );
    log.error({ err: duplicate }, 'upsert failed');
    expect(lines[0]).toMatchObject({
      msg: 'refused "…"',
      error: 'customer.email: "…" is not an email',
      detail: { reason: 'customer.email: "…" is not an email' },
      connector: 'hs-in',
    });
    expect(lines[1]).toMatchObject({
      msg: 'plain "quoted" name stays',
      err: { message: 'customer.email: "…" is not an email' },
    });
    expect(lines[2]).toMatchObject({
      err: { message: duplicate.message, detail: 'Key (email)=("…") already exists.' },
    });
    expect(JSON.stringify(lines)).not.toContain('jane.roe');
    expect(JSON.stringify(lines)).not.toContain('Jane Roe');
  });

  it('shows the values a list\'s texts quote as "…" (an order amendment\'s changes)', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger('values-spec', 'info', {
      write: (line: string) => {
        lines.push(JSON.parse(line));
      },
    });
    log.warn(
      {
        changes: [`line 10 quantity ${quotedValue(12)} → ${quotedValue(20)} C62`, 'line 20 removed'],
        n: [1],
      },
      'amendment too late',
    );
    expect(lines[0]).toMatchObject({
      changes: ['line 10 quantity "…" → "…" C62', 'line 20 removed'],
      n: [1],
    });
  });
});
