import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins, type ConnectorRuntime, type ConnectorStatus } from '../../connectors/index.ts';
import { assertConformsToOpenApi } from '../../tests/openapi-conformance.ts';
import { createAdminApi, hashToken, newToken } from '../api/index.ts';
import { startOpsServer } from '../server.ts';
import { registerConnectorRoutes } from './connectors.ts';

const tokens = { viewer: newToken(), operator: newToken() };
const answer = '{"Name":"Jane Roe","Email":"jane.roe@example.com"}';
const error = `salesforce-accounts: PATCH /sobjects/Account/eai_golden_id__c/gc-1 answered HTTP 400: ${answer}`;

/** A sink whose target refused a record and echoed it in its answer, as many APIs do in a 400. */
const status: ConnectorStatus = {
  name: 'salesforce-accounts',
  type: 'salesforce-upsert-sink',
  kind: 'sink',
  state: 'RUNNING',
  workerId: 'hub-1',
  trace: null,
  updatedAt: '2026-12-05T06:00:00.000Z',
  metrics: {
    recordsIn: 2,
    recordsOut: 1,
    recordsSkipped: 0,
    skippedReasons: {},
    recordsFailed: 1,
    lastSuccessAt: '2026-12-05T06:00:00.000Z',
    lastError: error,
    retrying: { since: '2026-12-05T06:00:01.000Z', attempts: 3, error },
    lagRecords: 1,
    lagSeconds: 2,
  },
};

describe("a connector's status as a viewer and as an operator read it", () => {
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  let openapi: object;
  beforeAll(async () => {
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [
        { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
        { name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) },
      ],
    });
    // The routes read the runtime's status only; the rest of the runtime is not reached here.
    const runtime = {
      names: () => [status.name],
      status: async (name: string) => (name === status.name ? structuredClone(status) : undefined),
    } as unknown as ConnectorRuntime;
    registerConnectorRoutes(api, runtime);
    server = await startOpsServer({ checks: {}, api });
    openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as object;
    failedServer = await failedConnectorServer();
  });
  afterAll(async () => {
    await server?.close();
    await failedServer?.close();
  });

  let failedServer: Awaited<ReturnType<typeof startOpsServer>>;
  /** The same connector FAILED by that error: its trace is the error, as the runtime's fail() sets both. */
  async function failedConnectorServer() {
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [{ name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) }],
    });
    const failed: ConnectorStatus = {
      ...status,
      state: 'FAILED',
      trace: error,
      autoRestart: { restarts: 1, nextRestartAt: null, lastRestartAt: '2026-12-05T06:00:02.000Z', error },
    };
    registerConnectorRoutes(api, {
      names: () => [failed.name],
      status: async (name: string) => (name === failed.name ? structuredClone(failed) : undefined),
    } as unknown as ConnectorRuntime);
    return startOpsServer({ checks: {}, api });
  }

  it("cuts a FAILED connector's trace for a viewer as its lastError, in Kafka Connect's fields too", async () => {
    // Seen in the ops trial: a FAILED connector's trace (the same error as its lastError) reached a viewer whole, the
    // record a target echoed with it, in `trace`, `connector.trace` and `tasks[0].trace`.
    const response = await fetch(`${failedServer.url}/connectors/salesforce-accounts/status`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    const body = (await response.json()) as {
      trace: string;
      connector: { trace?: string };
      tasks: Array<{ trace?: string }>;
      autoRestart: { error: string };
    };
    expect(body.trace).toMatch(/answered HTTP 400: \(answer body left out: an operator reads it\)$/);
    expect(body.connector.trace).toBe(body.trace);
    expect(body.tasks[0]?.trace).toBe(body.trace);
    expect(body.autoRestart.error).toBe(body.trace);
    expect(JSON.stringify(body)).not.toContain('jane.roe');
  });

  async function get(template: string, path: string, token: string) {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.json();
    assertConformsToOpenApi(openapi, { method: 'get', path: template, status: response.status, body });
    return body as ConnectorStatus & Record<string, { status: ConnectorStatus }>;
  }

  it('gives a viewer the errors without the answer body they quote, and an operator whole', async () => {
    const cut = `salesforce-accounts: PATCH /sobjects/Account/eai_golden_id__c/gc-1 answered HTTP 400: (answer body left out: an operator reads it)`;
    const viewer = await get(
      '/connectors/{name}/status',
      '/connectors/salesforce-accounts/status',
      tokens.viewer,
    );
    expect(viewer.metrics.lastError).toBe(cut);
    expect(viewer.metrics.retrying).toEqual({ since: '2026-12-05T06:00:01.000Z', attempts: 3, error: cut });
    expect(JSON.stringify(viewer)).not.toContain('jane.roe');
    const listed = await get('/connectors', '/connectors?expand=status', tokens.viewer);
    expect(listed['salesforce-accounts']!.status.metrics.lastError).toBe(cut);

    const operator = await get(
      '/connectors/{name}/status',
      '/connectors/salesforce-accounts/status',
      tokens.operator,
    );
    expect(operator.metrics.lastError).toBe(error);
    expect(operator.metrics.retrying?.error).toBe(error);
  });
});

describe('checking a definition over the API', () => {
  const admin = newToken();
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  const validated: unknown[] = [];
  beforeAll(async () => {
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [
        { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
        { name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) },
        { name: 'ops-admin', role: 'admin', sha256: hashToken(admin) },
      ],
    });
    // The runtime's check reads the mapping file and the references on the hub's machine and quotes what it found
    // (a file that is no mapping: its keys, /etc/shadow's lines as they are); here it only records the call.
    const runtime = {
      plugins: new Map(builtinPlugins.filter((p) => p.type === 'file-source').map((p) => [p.type, p])),
      validate: async (definition: unknown) => {
        validated.push(definition);
        return { definition, warnings: [] };
      },
    } as unknown as ConnectorRuntime;
    registerConnectorRoutes(api, runtime);
    server = await startOpsServer({ checks: {}, api });
  });
  afterAll(async () => {
    await server?.close();
  });

  const check = (token: string) =>
    fetch(`${server.url}/connector-plugins/file-source/config/validate`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', format: 'csv', mapping: '/etc/shadow', config: { dir: '/tmp' } }),
    });

  it("is an admin's: a viewer or an operator could read the hub's files through its answer", async () => {
    for (const token of [tokens.viewer, tokens.operator]) {
      const response = await check(token);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /needs admin \(it reads the definition's mapping/,
      );
    }
    expect(validated).toEqual([]);
    const response = await check(admin);
    expect(response.status).toBe(200);
    expect(validated).toHaveLength(1);
  });
});
