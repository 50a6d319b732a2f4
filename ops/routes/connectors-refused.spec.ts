import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../bus/index.ts';
import { builtinPlugins, ConnectorRuntime } from '../../connectors/index.ts';
import { validateDefinition } from '../../connectors/runtime/definition.ts';
import { ConfigError } from '../../lib/errors.ts';
import { assertConformsToOpenApi } from '../../tests/openapi-conformance.ts';
import { createAdminApi, hashToken, newToken } from '../api/index.ts';
import { startOpsServer } from '../server.ts';
import { registerConnectorRoutes } from './connectors.ts';

const token = newToken();
const plugins = new Map(builtinPlugins.map((p) => [p.type, p]));

/** A misspelt common key, a common field of the wrong shape, an unknown format and an option file-source lacks. */
const wrong = {
  name: 'w1-refused',
  type: 'file-source',
  startat: 'latest',
  topics: 'canonical.customer',
  format: 'sap-idoc-orders5',
  config: { dir: 'in', patern: '*.xml' },
};

/** What `eai connectors validate` (checkDeployment) says of the same definition: validateDefinition's problems. */
function validateSays(raw: unknown): Array<{ in: string; path: string; message: string }> {
  try {
    validateDefinition(raw, plugins, 'body');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.fields.map((f) => ({ in: 'body', path: f.field, message: f.problem }));
  }
  throw new Error('valid');
}

describe('a definition the connector routes refuse', () => {
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  let openapi: Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>> };
  beforeAll(async () => {
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [{ name: 'ops', role: 'admin', sha256: hashToken(token) }],
    });
    // Never started: a refused definition is refused before anything reaches Kafka.
    const runtime = new ConnectorRuntime({
      plugins: builtinPlugins,
      bus: { transport: {} as Transport },
      logger: pino({ level: 'silent' }),
    } as ConstructorParameters<typeof ConnectorRuntime>[0]);
    registerConnectorRoutes(api, runtime);
    server = await startOpsServer({ checks: {}, api });
    openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as typeof openapi;
  });
  afterAll(async () => {
    await server?.close();
  });

  async function call(method: string, template: string, path: string, body: unknown) {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { error: string; details: Array<{ path: string }> };
    assertConformsToOpenApi(openapi, {
      method: method.toLowerCase(),
      path: template,
      status: res.status,
      body: answer,
    });
    return { status: res.status, body: answer };
  }

  it('names every problem, as validate does, whichever route writes it', async () => {
    const expected = validateSays(wrong);
    expect(expected.map((d) => d.path)).toEqual(['topics', 'startat', 'format', 'config.patern']);
    const { name: _, ...unnamed } = wrong;
    for (const [method, template, path, body] of [
      ['POST', '/connectors', '/connectors', wrong],
      ['PUT', '/connectors/{name}', '/connectors/w1-refused', unnamed],
      ['PUT', '/connectors/{name}/config', '/connectors/w1-refused/config', wrong],
    ] as const) {
      const refused = await call(method, template, path, body);
      expect(refused.status, `${method} ${path}`).toBe(400);
      expect(refused.body.details, `${method} ${path}`).toEqual(expected);
      expect(refused.body.error).toBe(`body: ${expected.map((d) => `${d.path}: ${d.message}`).join('; ')}`);
    }
  });

  it("takes Kafka Connect's shape to POST, its wrong initial_state named as such", async () => {
    const refused = await call('POST', '/connectors', '/connectors', {
      name: 'w1-refused',
      initial_state: 'SLEEPING',
      config: { 'connector.class': 'file-source', dir: 'in', patern: '*.xml' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((d) => d.path)).toEqual(['initial_state', 'config.patern']);
    const nameless = await call('POST', '/connectors', '/connectors', { type: 'file-source', config: {} });
    expect(nameless.status).toBe(400);
    expect(nameless.body.details.map((d) => d.path)).toEqual(['name', 'config.dir']);
    const list = await call('POST', '/connectors', '/connectors', [wrong]);
    expect(list.status).toBe(400);
  });

  it('still documents the definition as the body POST and PUT take', () => {
    const body = (method: string, path: string) =>
      (openapi.paths[path]![method]!.requestBody as { content: Record<string, { schema: unknown }> }).content[
        'application/json'
      ]!.schema;
    expect(body('post', '/connectors')).toEqual({ $ref: '#/components/schemas/ConnectorCreateInput' });
    expect(body('put', '/connectors/{name}')).toMatchObject({
      properties: { type: expect.anything(), config: expect.anything(), startAt: expect.anything() },
      additionalProperties: false,
    });
  });
});
