import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../schemas/catalog.ts';
import { closedPort } from '../tests/ports.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { problemLines } from './commands/schemas.ts';

describe('eai schemas check, the lines it prints', () => {
  it('one line per problem, each naming its field, even when the message holds "; " itself', () => {
    expect(
      problemLines([
        {
          path: 'case.escalationLevel',
          message: 'type changed from int to string; a int cannot be read as string',
          version: 2,
          direction: 'backward',
        },
        { path: 'case.title', message: 'm', version: 2, direction: 'backward' },
      ]),
    ).toBe(
      '\n  case.escalationLevel: type changed from int to string; a int cannot be read as string (backward, against version 2)' +
        '\n  case.title: m (backward, against version 2)',
    );
    expect(problemLines([])).toBe('');
  });
});

describe('eai schemas check --registry', () => {
  /** A registry where every subject is unregistered (404), or every subject lookup fails (500). */
  let server: Server;
  let url: string;
  let subjects: number;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '';
      if (path.startsWith('/locked/')) return void response.writeHead(401).end('{"error_code":401}');
      const status = path === '/apis/ccompat/v7/subjects' ? 200 : path.startsWith('/apis/') ? subjects : 404;
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status === 200 ? '[]' : JSON.stringify({ error_code: status * 100 + 1, message: 'no' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  const check = (registryUrl: string) =>
    // Through the CLI's entry in this process (tests/run-eai-in-process.ts), beside the registry stand-in above.
    runEaiInProcess(['schemas', 'check', '--registry', '--json'], {
      env: { SCHEMA_REGISTRY_URL: registryUrl },
    });

  it('a registry that is down fails in one line saying what to do, not passes as if all were compatible', async () => {
    const registryUrl = `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`;
    const run = await check(registryUrl);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr)).toEqual({
      errors: [
        {
          error: 'ConfigError',
          message: `cannot reach the schema registry at ${registryUrl} (fetch failed): is the stack up? npx eai stack up, or set SCHEMA_REGISTRY_URL`,
        },
      ],
    });
  });

  it('a registry that wants credentials is named with the variable to set, not taken for a stack that is down', async () => {
    const run = await check(`${url}/locked/apis/ccompat/v7`);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr).errors[0].message).toBe(
      `schema registry ${url}/locked/apis/ccompat/v7 answered HTTP 401: it needs credentials: set EAI_REGISTRY_BASIC_AUTH (<key>:<secret>), EAI_REGISTRY_BEARER_TOKEN or EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL`,
    );
  });

  it('a subject not registered yet is skipped; a registry that fails to answer about one fails the check', async () => {
    subjects = 404;
    const fresh = await check(`${url}/apis/ccompat/v7`);
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ ok: true });
    subjects = 500;
    const failing = await check(`${url}/apis/ccompat/v7`);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toBe('');
    expect(failing.stderr.trim().split('\n').at(-1)).toMatch(
      /^\{"errors":\[\{"error":"RegistryUnavailableError","message":"schema registry GET \/subjects\/canonical\.customer-value\/versions: HTTP 500 no"/,
    );
  }, 30_000);
});

describe('eai schemas check --registry, a subject the registry refuses', () => {
  // The registry holds a version 3 of canonical.case-value (its versions 1 and 2 deleted) with a field the working
  // schema lacks, and keeps the subject FULL: forward, readers of that version cannot read what the hub would write.
  // The offline check (released files, BACKWARD) finds nothing, and the line said "INCOMPATIBLE (registry:
  // incompatible)" without a reason.
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const held = loadSchema('CaseEvent.avsc') as { fields: object[] };
    const withLegacy = { ...held, fields: [...held.fields, { name: 'legacy', type: 'string' }] };
    server = createServer((request, response) => {
      const path = (request.url ?? '').replace('/apis/ccompat/v7', '');
      const json = (status: number, body: unknown) =>
        void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path === '/subjects') return json(200, ['canonical.case-value']);
      if (!path.includes('canonical.case-value'))
        return json(404, { error_code: 40401, message: 'no subject' });
      if (path.startsWith('/config/')) return json(200, { compatibilityLevel: 'FULL' });
      if (path.startsWith('/compatibility/')) return json(200, { is_compatible: false });
      if (path.endsWith('/versions')) return json(200, [3]);
      if (path.endsWith('/versions/3'))
        return json(200, { version: 3, id: 7, schema: JSON.stringify(withLegacy) });
      return json(404, { error_code: 40402, message: 'no version' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/apis/ccompat/v7`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("names the field, the registry's rule and its version", async () => {
    const run = await runEaiInProcess(['schemas', 'check', '--registry'], {
      env: { SCHEMA_REGISTRY_URL: url },
    });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('CaseEvent '));
    expect(lines[at]).toBe(
      'CaseEvent [canonical.case-value, BACKWARD, 1 released]: INCOMPATIBLE (registry, FULL: incompatible)',
    );
    expect(lines[at + 1]).toBe(
      '  legacy: field "legacy" is gone from the new schema (removed or renamed) and has no default in the older one, so its readers cannot read new data (forward, registry, against version 3)',
    );
    const json = await runEaiInProcess(['schemas', 'check', '--registry', '--json'], {
      env: { SCHEMA_REGISTRY_URL: url },
    });
    const caseEvent = JSON.parse(json.stdout).schemas.find(
      (s: { schema: string }) => s.schema === 'CaseEvent',
    );
    expect(caseEvent.registry).toMatchObject({
      compatible: false,
      level: 'FULL',
      problems: [{ path: 'legacy', direction: 'forward', version: 3 }],
    });
  }, 30_000);
});
