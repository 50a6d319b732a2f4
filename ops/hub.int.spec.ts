import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorKey } from '../connectors/index.ts';
import { assertConformsToOpenApi } from '../tests/openapi-conformance.ts';
import { readRawMessages, topicEnds } from '../tests/raw-consumer.ts';
import { runEai } from '../tests/run-eai.ts';
import { testStack, unique } from '../tests/stack.ts';
import { hashToken } from './api/index.ts';
import { type Hub, startHub } from './hub.ts';

/**
 * The hub as `eai up` runs it: a deployment folder of connector files, the connector REST API behind bearer tokens
 * with roles, every answer checked against the served OpenAPI document, and a signed webhook onto Kafka.
 */
const tokens = {
  viewer: 'viewer-token-0123456789abcdef',
  operator: 'operator-token-0123456789',
  admin: 'admin-token-0123456789abcdef',
};
const webhookSecret = 'whsec-test-0123456789';
/** How a connector file refers to the secret (written without a template literal's placeholder syntax). */
/** A signed HubSpot contact webhook source's connector file. */
function hubspotHookYaml(name: string, secret: string): string {
  return [
    `name: ${name}`,
    'type: webhook-source',
    'format: hubspot-contact',
    'mapping: hubspot/contact.to-canonical.yaml',
    'config:',
    '  json: true',
    '  deliveryIdHeader: x-request-id',
    '  signature:',
    '    scheme: hmac-sha256',
    `    secret: ${secret}`,
    '',
  ].join('\n');
}

const secretRef = ['$', '{env:EAI_TEST_WEBHOOK_SECRET}'].join('');
const logs: string[] = [];

describe('the hub: connectors over REST, secure from the first route', () => {
  const stack = testStack();
  const suffix = unique('hub');
  const names = { files: `orders-${suffix}`, hook: `contacts-${suffix}` };
  let hub: Hub;
  let openapi: object;
  let drop: string;

  async function call(
    method: string,
    template: string,
    path: string,
    role?: keyof typeof tokens,
    body?: unknown,
  ) {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    assertConformsToOpenApi(openapi, {
      method: method.toLowerCase(),
      path: template,
      status: response.status,
      body: parsed,
    });
    return { status: response.status, body: parsed, headers: response.headers };
  }

  beforeAll(async () => {
    const deploy = mkdtempSync(join(tmpdir(), 'eai-deploy-'));
    drop = join(deploy, 'drop');
    writeFileSync(
      join(deploy, 'orders.yaml'),
      `name: ${names.files}\ntype: file-source\nformat: sap-idoc-orders05\nmapping: sap/idoc-orders05.to-canonical.yaml\nconfig:\n  dir: drop\n  stableMs: 50\n`,
    );
    writeFileSync(join(deploy, 'contacts.yaml'), hubspotHookYaml(names.hook, secretRef));
    await import('node:fs/promises').then((fs) => fs.mkdir(drop));
    process.env.EAI_TEST_WEBHOOK_SECRET = webhookSecret;
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(line) });
    hub = await startHub({
      ...stack,
      deployDir: deploy,
      group: unique('connect'),
      logger,
      tokens: (Object.keys(tokens) as Array<keyof typeof tokens>).map((role) => ({
        name: `${role}-1`,
        role,
        sha256: hashToken(tokens[role]),
      })),
    });
    openapi = (await (await fetch(`${hub.url}/openapi.json`)).json()) as object;
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('refuses every connector route without a token (401) and with too small a role (403)', async () => {
    expect((await call('GET', '/connectors', '/connectors')).status).toBe(401);
    expect((await call('GET', '/connectors', '/connectors', 'viewer')).body).toEqual(
      expect.arrayContaining([names.files, names.hook]),
    );
    expect(
      (await call('PUT', '/connectors/{name}/pause', `/connectors/${names.files}/pause`, 'viewer')).status,
    ).toBe(403);
    expect(
      (await call('DELETE', '/connectors/{name}/offsets', `/connectors/${names.files}/offsets`, 'operator'))
        .status,
    ).toBe(403);
    expect(
      (await call('POST', '/connectors', '/connectors', 'operator', { name: 'x', type: 'file-source' }))
        .status,
    ).toBe(403);
  });

  it('answers a route of a role it does not run with a 404 that says how to run it, and the CLI says the same', async () => {
    // Seen in the ops trial: `eai workflows ls` against a hub without the orchestrator said only
    // "404 no route GET /workflows", as for a mistyped path.
    const headers = { authorization: `Bearer ${tokens.viewer}` };
    const workflows = await fetch(`${hub.url}/workflows/order-to-delivery:sap:1?x=1`, { headers });
    expect(workflows.status).toBe(404);
    expect(await workflows.json()).toEqual({
      error:
        'no route GET /workflows/order-to-delivery:sap:1: this hub does not run the orchestrator role: start it with eai up --orchestrator (or EAI_ORCHESTRATOR=1)',
    });
    const sync = await fetch(`${hub.url}/sync/health`, { headers });
    expect(sync.status).toBe(404);
    expect(((await sync.json()) as { error: string }).error).toBe(
      'no route GET /sync/health: this hub does not run master data: start it with eai up --masterdata',
    );
    // Other unknown paths stay a bare 404.
    expect(await (await fetch(`${hub.url}/workflowz`, { headers })).json()).toEqual({
      error: 'no route GET /workflowz',
    });
    const cli = await runEai(['workflows', 'ls'], {
      env: { EAI_URL: hub.url, EAI_TOKEN: tokens.viewer },
    });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(
      'eai: GET /workflows?limit=100: 404 no route GET /workflows: this hub does not run the orchestrator role: start it with eai up --orchestrator (or EAI_ORCHESTRATOR=1)\n',
    );
  });

  it('shows a definition with its secret reference, never the secret, and lists the plugins', async () => {
    const { body } = await call('GET', '/connectors/{name}', `/connectors/${names.hook}`, 'viewer');
    expect(body.config.signature.secret).toBe(secretRef);
    const plugins = await call('GET', '/connector-plugins', '/connector-plugins', 'viewer');
    expect(plugins.body.map((p: { type: string }) => p.type)).toEqual(
      expect.arrayContaining(['file-source', 'webhook-source']),
    );
  });

  it('validates a definition without creating it, as Kafka Connect validates a config', async () => {
    const path = '/connector-plugins/{type}/config/validate';
    const bad = await call('PUT', path, '/connector-plugins/file-source/config/validate', 'admin', {
      name: `checked-${suffix}`,
      format: 'x12-850',
      outputTopics: { 'eai.canonical.SalesOrderEvent': `no.such.topic.${suffix}` },
      config: { dir: 7, stabelMs: 5 },
    });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({
      type: 'file-source',
      name: `checked-${suffix}`,
      errorCount: 2,
      warnings: [],
    });
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'config.dir',
      'config.stabelMs',
    ]);
    // Once the options are right, the output topic is checked too: it must exist.
    const topic = await call('PUT', path, '/connector-plugins/file-source/config/validate', 'admin', {
      name: `checked-${suffix}`,
      format: 'x12-850',
      outputTopics: { 'eai.canonical.SalesOrderEvent': `no.such.topic.${suffix}` },
      config: { dir: 'x' },
    });
    expect(topic.body.errors).toEqual([
      {
        field: 'outputTopics["eai.canonical.SalesOrderEvent"]',
        message: expect.stringMatching(/^topic "no\.such\.topic\.[^"]+" does not exist/),
      },
    ]);
    const good = await call('PUT', path, '/connector-plugins/webhook-source/config/validate', 'admin', {
      name: `checked-${suffix}`,
      format: 'hubspot-contact',
      config: { signature: { scheme: 'hmac-sha256', secret: 'written-out' } },
    });
    expect(good.body).toMatchObject({ errorCount: 0, errors: [] });
    expect(good.body.warnings).toEqual([
      { field: 'config.signature.secret', message: expect.stringMatching(/^a secret written out/) },
    ]);
    // Nothing was created.
    expect((await call('GET', '/connectors', '/connectors', 'viewer')).body).not.toContain(
      `checked-${suffix}`,
    );
    const other = await call('PUT', path, '/connector-plugins/file-source/config/validate', 'admin', {
      name: 'x',
      type: 'http-sink',
    });
    expect(other.body.errors).toEqual([
      { field: 'type', message: '"http-sink" differs from the path\'s "file-source"' },
    ]);
    const unknown = await call('PUT', path, '/connector-plugins/ftp-source/config/validate', 'admin', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/^no connector type "ftp-source"; known: .*file-source/);
    expect(
      (await call('PUT', path, '/connector-plugins/file-source/config/validate', undefined, {})).status,
    ).toBe(401);
    // It reads files and references on the hub's machine (a mapping path, ${file:…}): an admin's, as writing one is.
    expect(
      (await call('PUT', path, '/connector-plugins/file-source/config/validate', 'viewer', {})).status,
    ).toBe(403);
  });

  it('answers 400 naming the field for a bad definition, and 409 for a duplicate', async () => {
    const bad = await call('POST', '/connectors', '/connectors', 'admin', {
      name: `bad-${suffix}`,
      type: 'file-source',
      config: { dir: 7 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/config\.dir/);
    // Each wrong field of the plugin's config in `details` too, its path from the body, as request-shape errors.
    expect(bad.body.details).toEqual([
      { in: 'body', path: 'config.dir', message: expect.stringMatching(/string/) },
    ]);
    const twice = await call('PUT', '/connectors/{name}', `/connectors/bad-${suffix}`, 'admin', {
      type: 'http-sink',
      topics: ['canonical.customer'],
      config: { baseUrl: 'not a url' },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.details.map((d: { path: string }) => d.path)).toContain('config.baseUrl');
    expect(twice.body.details.every((d: { in: string }) => d.in === 'body')).toBe(true);
    // A bad name given in the path is named in the path, not in a body that never held it.
    const named = await call('PUT', '/connectors/{name}', `/connectors/Bad-${suffix}`, 'admin', {
      type: 'file-source',
      config: { dir: 'x' },
    });
    expect(named.status).toBe(400);
    expect(named.body.details).toEqual([
      { in: 'params', path: 'name', message: expect.stringMatching(/^lower-case letters/) },
    ]);
    // An output topic that does not exist is refused when the connector is written (the docs: it must exist).
    const nowhere = await call('POST', '/connectors', '/connectors', 'admin', {
      name: `nowhere-${suffix}`,
      type: 'file-source',
      format: 'x12-850',
      outputTopics: { 'eai.canonical.SalesOrderEvent': `no.such.topic.${suffix}` },
      config: { dir: 'x' },
    });
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.details).toEqual([
      {
        in: 'body',
        path: 'outputTopics["eai.canonical.SalesOrderEvent"]',
        message: expect.stringMatching(
          /^topic "no\.such\.topic\.[^"]+" does not exist; the topic must exist/,
        ),
      },
    ]);
    const dup = await call('POST', '/connectors', '/connectors', 'admin', {
      name: names.files,
      type: 'file-source',
      config: { dir: 'x' },
    });
    expect(dup.status).toBe(409);
  });

  it('takes a signed webhook onto Kafka and answers 2xx only then; a bad signature gets 401', async () => {
    const body = readFileSync('formats/hubspot-contact/fixtures/creation-batch.json');
    const sign = (bytes: Buffer) => createHmac('sha256', webhookSecret).update(bytes).digest('hex');
    const from = await topicEnds('canonical.customer'); // the shared topic may hold many other runs' events
    const bad = await fetch(`${hub.url}/webhooks/${names.hook}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': 'deadbeef',
        'x-request-id': `r-${suffix}-0`,
      },
      body,
    });
    expect(bad.status).toBe(401);
    const webhookAnswer = async (response: Response) => {
      const body = await response.json();
      assertConformsToOpenApi(openapi, {
        method: 'post',
        path: '/webhooks/{connector}',
        status: response.status,
        body,
      });
      return body;
    };
    await webhookAnswer(bad);
    // Over the source's own limit (maxBodyBytes, 8 MiB by default): refused from the declared length, before the
    // hub reads the body or checks its signature, and the connection closed.
    const over = await fetch(`${hub.url}/webhooks/${names.hook}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(8 * 1024 * 1024 + 1, ' '),
    });
    expect(over.status).toBe(413);
    expect(over.headers.get('connection')).toBe('close');
    expect(await webhookAnswer(over)).toEqual({ error: 'body over 8388608 bytes' });
    const good = await fetch(`${hub.url}/webhooks/${names.hook}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': sign(body),
        'x-request-id': `r-${suffix}-1`,
      },
      body,
    });
    expect(good.status).toBe(200);
    await webhookAnswer(good);
    const [record] = await readRawMessages('canonical.customer', 1, {
      from,
      wanted: (m) =>
        m.headers.ce_source?.startsWith('/hubspot-contact/') === true &&
        Number(m.headers.ce_time ? Date.parse(m.headers.ce_time) : 0) > Date.now() - 60_000,
    });
    expect(record!.headers.ce_type).toBe('hubspot-contact.eai.canonical.CustomerEvent');
    const status = await call(
      'GET',
      '/connectors/{name}/status',
      `/connectors/${names.hook}/status`,
      'viewer',
    );
    expect(status.body).toMatchObject({ state: 'RUNNING', metrics: { recordsIn: 1 } });
    expect(status.body.metrics.recordsOut).toBeGreaterThan(0);
  });

  it('serves its probes, metrics and document as the document declares them, readiness detail only to a token', async () => {
    const open = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${hub.url}${path}`, { headers });
      const text = await response.text();
      const json = (response.headers.get('content-type') ?? '').includes('json');
      const body = json ? JSON.parse(text) : text;
      assertConformsToOpenApi(openapi, { method: 'get', path, status: response.status, body });
      return { status: response.status, body };
    };
    expect((await open('/health/live')).status).toBe(200);
    expect(await open('/health/ready')).toEqual({ status: 200, body: { status: 'UP' } });
    const detailed = await open('/health/ready', { authorization: `Bearer ${tokens.viewer}` });
    expect(detailed.body.details.connectors).toMatchObject({ [names.hook]: 'RUNNING' });
    expect((await open('/health/ready', { authorization: 'Bearer not-a-token-0123456789' })).status).toBe(
      401,
    );
    expect((await open('/metrics')).body).toMatch(/^eai_dependency_up\{dependency="kafka"\} 1$/m);
    expect((await open('/openapi.json')).status).toBe(200);
  });

  it('maps a mapping dead letter again through the connector that refused it on redrive (dry run: it still fails, and why)', async () => {
    const from = await topicEnds('dlq.mapping');
    const bytes = readFileSync('formats/sap-idoc-orders05/fixtures/broken/non-numeric-quantity.xml');
    writeFileSync(join(drop, `broken-${suffix}.xml`), bytes);
    await readRawMessages('dlq.mapping', 1, {
      from,
      wanted: (m) =>
        m.headers['__connect.errors.connector.name'] === connectorKey(names.files, hub.runtime.group),
    });
    const { status, body } = await call(
      'POST',
      '/dead-letters/{topic}/redrive',
      '/dead-letters/dlq.mapping/redrive',
      'operator',
      { filter: { owner: names.files }, dryRun: true },
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ selected: 1, redriven: 0, skipped: [], remapped: [] });
    expect(body.failing).toEqual([
      expect.objectContaining({
        connector: names.files,
        error: expect.objectContaining({
          exceptionClass: 'FormatError',
          message: expect.stringMatching(/MENGE/),
        }),
      }),
    ]);
  });

  it('pauses, stops, resets and resumes a connector, and the CLI shows the same', async () => {
    const path = `/connectors/${names.files}`;
    expect((await call('PUT', '/connectors/{name}/pause', `${path}/pause`, 'operator')).status).toBe(202);
    expect((await call('GET', '/connectors/{name}/status', `${path}/status`, 'viewer')).body.state).toBe(
      'PAUSED',
    );
    expect((await call('DELETE', '/connectors/{name}/offsets', `${path}/offsets`, 'admin')).status).toBe(409);
    // The CLI names the command that stops it, not the REST route the hub's answer names.
    const notStopped = await runEai(
      ['connectors', 'offsets', names.files, '--reset', '--url', hub.url, '--token', tokens.admin],
      { timeoutMs: 60_000 },
    );
    expect(notStopped.code).toBe(1);
    expect(notStopped.stderr).toBe(
      `eai: connector ${names.files} must be STOPPED to change its offsets: npx eai connectors stop ${names.files} first (npx eai connectors resume ${names.files} after, to read from them)\n`,
    );
    expect((await call('PUT', '/connectors/{name}/stop', `${path}/stop`, 'operator')).status).toBe(202);
    // A wrong offset is named, field by field, and nothing of the request is applied.
    const wrong = await call('PATCH', '/connectors/{name}/offsets', `${path}/offsets`, 'admin', {
      offsets: [
        { partition: 'order-1.xml', offset: { done: true } },
        { partition: 7, offset: { done: true } },
      ],
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details).toEqual([
      {
        in: 'body',
        path: 'offsets[1].partition',
        message: 'a source partition is a string (GET …/offsets shows them)',
      },
    ]);
    // An offset the connector type cannot resume from is refused when it is set, naming the partition.
    const unreadable = await call('PATCH', '/connectors/{name}/offsets', `${path}/offsets`, 'admin', {
      offsets: [{ partition: '/tmp/x', offset: { bogus: true } }],
    });
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.details).toEqual([
      {
        in: 'body',
        path: 'offsets[0].offset',
        message: expect.stringMatching(/^partition "\/tmp\/x": is not a file-drop offset: /),
      },
    ]);
    expect(unreadable.body.error).toMatch(/^offsets\[0\]\.offset: partition "\/tmp\/x"/);
    const reset = await call('DELETE', '/connectors/{name}/offsets', `${path}/offsets`, 'admin');
    expect(reset.status).toBe(200);
    // A drop folder reads again what is still in it: what it finished is in done/ (it said "from the beginning").
    expect(reset.body.message).toMatch(/files it finished are in done\/: move them back/);
    expect((await call('GET', '/connectors/{name}/offsets', `${path}/offsets`, 'viewer')).body).toEqual({
      offsets: [],
    });
    expect((await call('PUT', '/connectors/{name}/resume', `${path}/resume`, 'operator')).status).toBe(202);
    expect((await call('GET', '/connectors/{name}/status', `${path}/status`, 'viewer')).body.state).toBe(
      'RUNNING',
    );
    expect((await call('POST', '/connectors/{name}/restart', `${path}/restart`, 'operator')).status).toBe(
      202,
    );
    expect(
      (await call('GET', '/connectors', '/connectors?expand=status', 'viewer')).body[names.files].status
        .state,
    ).toBe('RUNNING');

    const cli = await runEai(['connectors', 'ls', '--json', '--url', hub.url, '--token', tokens.viewer], {
      timeoutMs: 60_000,
    });
    expect(cli.code, cli.stderr).toBe(0);
    const listed = JSON.parse(cli.stdout) as Array<{ name: string; state: string }>;
    expect(listed.find((s) => s.name === names.files)?.state).toBe('RUNNING');
    const denied = await runEai(
      ['connectors', 'pause', names.files, '--url', hub.url, '--token', tokens.viewer],
      { timeoutMs: 60_000 },
    );
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim().split('\n')).toHaveLength(1);
    expect(denied.stderr).toMatch(/403/);
  });

  it('eai connectors apply resolves the file relative paths against its own folder, not the deployment folder', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'eai-apply-'));
    const name = `applied-${suffix}`;
    writeFileSync(join(elsewhere, 'hook-secret.txt'), `${webhookSecret}\n`);
    const file = join(elsewhere, 'hook.yaml');
    writeFileSync(file, hubspotHookYaml(name, ['$', '{file:hook-secret.txt}'].join('')));
    // The deployment folder has no hook-secret.txt: read from there, the secret reference would not resolve.
    const applied = await runEai(['connectors', 'apply', file, '--url', hub.url, '--token', tokens.admin], {
      timeoutMs: 60_000,
    });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim()).toBe(`${name}: created`);
    await expect
      .poll(
        async () =>
          (await call('GET', '/connectors/{name}/status', `/connectors/${name}/status`, 'viewer')).body.state,
        {
          timeout: 30_000,
        },
      )
      .toBe('RUNNING');
    expect((await call('DELETE', '/connectors/{name}', `/connectors/${name}`, 'admin')).status).toBe(204);
  });

  it('never writes a token or the webhook secret into a log line', () => {
    expect(logs.length).toBeGreaterThan(5);
    for (const line of logs) {
      for (const token of [...Object.values(tokens), webhookSecret]) expect(line).not.toContain(token);
    }
  });
});
