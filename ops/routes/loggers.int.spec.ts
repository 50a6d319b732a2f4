import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, resetLogLevels } from '../../lib/logger.ts';
import { assertConformsToOpenApi } from '../../tests/openapi-conformance.ts';
import { testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { hashToken } from '../api/index.ts';
import { type Hub, startHub } from '../hub.ts';

/** `/admin/loggers` (Kafka Connect's KIP-495) on a hub with two connectors: one connector's level set at run time. */
const tokens = {
  viewer: 'loggers-viewer-token-0123456789',
  operator: 'loggers-operator-token-0123456789',
};

describe('run-time log levels over /admin/loggers', () => {
  const stack = testStack();
  const suffix = unique('lg');
  const names = { a: `orders-a-${suffix}`, b: `orders-b-${suffix}` };
  let hub: Hub;
  let openapi: object;

  async function call(method: string, template: string, path: string, body?: unknown, role = 'operator') {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[role as keyof typeof tokens]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    assertConformsToOpenApi(openapi, { method, path: template, status: response.status, body: parsed });
    return { status: response.status, body: parsed };
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-loggers-'));
    for (const name of Object.values(names)) {
      mkdirSync(join(dir, name));
      writeFileSync(
        join(dir, `${name}.yaml`),
        `name: ${name}\ntype: file-source\nformat: sap-idoc-orders05\nmapping: sap/idoc-orders05.to-canonical.yaml\nconfig:\n  dir: ${name}\n`,
      );
    }
    hub = await startHub({
      ...stack,
      deployDir: dir,
      group: unique('loggers'),
      // The hub's own logger as `eai up` makes it (its children are the names), quiet unless a level is set.
      logger: createLogger('loggers-spec', 'error'),
      tokens: [
        { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
        { name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) },
      ],
    });
    openapi = (await (await fetch(`${hub.url}/openapi.json`)).json()) as object;
    await waitFor('both connectors RUNNING', async () => {
      const { body } = await call('GET', '/connectors', '/connectors?expand=status');
      return Object.values(body as Record<string, { status: { connector: { state: string } } }>).every(
        (s) => s.status.connector.state === 'RUNNING',
      );
    });
  });
  afterAll(async () => {
    resetLogLevels();
    await hub?.close();
  });

  it("lists the hub's logger names, sets one connector's to DEBUG and leaves the other's", async () => {
    const before = await call('GET', '/admin/loggers', '/admin/loggers', undefined, 'viewer');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      'component:connectors': { level: 'ERROR', last_modified: null },
      [`connector:${names.a}`]: { level: 'ERROR', last_modified: null },
      [`connector:${names.b}`]: { level: 'ERROR', last_modified: null },
    });
    expect(Object.keys(before.body)[0]).toBe('root');

    // Viewers read; setting a level is an operator's.
    const refused = await call(
      'PUT',
      '/admin/loggers/{name}',
      `/admin/loggers/connector:${names.a}`,
      { level: 'DEBUG' },
      'viewer',
    );
    expect(refused.status).toBe(403);
    // A key the route does not know is named, not dropped.
    const extra = await call('PUT', '/admin/loggers/{name}', `/admin/loggers/connector:${names.a}`, {
      level: 'debug',
      levle: 'trace',
    });
    expect([extra.status, extra.body.details]).toEqual([
      400,
      [{ in: 'body', path: 'levle', message: 'unknown key' }],
    ]);
    const set = await call('PUT', '/admin/loggers/{name}', `/admin/loggers/connector:${names.a}`, {
      level: 'debug',
    });
    expect(set).toEqual({ status: 200, body: [`connector:${names.a}`] });
    const a = await call(
      'GET',
      '/admin/loggers/{name}',
      `/admin/loggers/connector:${names.a}`,
      undefined,
      'viewer',
    );
    expect(a.body).toEqual({ level: 'DEBUG', last_modified: expect.any(Number) });
    const b = await call(
      'GET',
      '/admin/loggers/{name}',
      `/admin/loggers/connector:${names.b}`,
      undefined,
      'viewer',
    );
    expect(b.body).toEqual({ level: 'ERROR', last_modified: null });
  });

  it('refuses an unknown level, scope=cluster and an unknown name, each saying what to do, with Connect’s keys', async () => {
    const level = await call('PUT', '/admin/loggers/{name}', '/admin/loggers/root', { level: 'VERBOSE' });
    expect(level.status).toBe(400);
    expect(level.body).toMatchObject({
      error_code: 400,
      message: expect.stringMatching(/one of FATAL, ERROR, WARN, INFO, DEBUG, TRACE, OFF/),
    });
    const cluster = await call('PUT', '/admin/loggers/{name}', '/admin/loggers/root?scope=cluster', {
      level: 'INFO',
    });
    expect(cluster.status).toBe(400);
    expect(cluster.body.error).toMatch(/set it on each/);
    const missing = await call(
      'GET',
      '/admin/loggers/{name}',
      '/admin/loggers/connector:nobody',
      undefined,
      'viewer',
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/GET \/admin\/loggers lists them/);
  });
});
