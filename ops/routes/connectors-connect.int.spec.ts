import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertConformsToOpenApi } from '../../tests/openapi-conformance.ts';
import { testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { hashToken } from '../api/index.ts';
import { type Hub, startHub } from '../hub.ts';

/**
 * Kafka Connect's documented REST calls against a hub, as a Connect user's script or tool makes them (the Connect
 * trial): Connect's shapes beside the hub's own, every answer checked against the served OpenAPI document.
 */
const tokens = { viewer: 'connect-viewer-token-0123456789', admin: 'connect-admin-token-0123456789' };

describe("Kafka Connect's REST calls against the hub", () => {
  const stack = testStack();
  const suffix = unique('kc');
  const names = { source: `orders-${suffix}`, sink: `table-${suffix}`, flat: `flat-${suffix}` };
  let hub: Hub;
  let openapi: object;
  let dir: string;

  async function call(method: string, template: string, path: string, body?: unknown, role = 'admin') {
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
    dir = mkdtempSync(join(tmpdir(), 'eai-connect-api-'));
    mkdirSync(join(dir, 'drop'));
    writeFileSync(
      join(dir, 'orders.yaml'),
      `name: ${names.source}\ntype: file-source\nformat: sap-idoc-orders05\nmapping: sap/idoc-orders05.to-canonical.yaml\nconfig:\n  dir: drop\n`,
    );
    writeFileSync(
      join(dir, 'table.yaml'),
      `name: ${names.sink}\ntype: file-sink\ntopics: [canonical.customer]\nmapping: csv/customer-table.from-canonical.yaml\nconfig:\n  dir: out\n`,
    );
    hub = await startHub({
      ...stack,
      deployDir: dir,
      group: unique('connect'),
      logger: pino({ level: 'silent' }),
      tokens: [
        { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
        { name: 'ci', role: 'admin', sha256: hashToken(tokens.admin) },
      ],
    });
    openapi = (await (await fetch(`${hub.url}/openapi.json`)).json()) as object;
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('answers the root, ?expand=status&expand=info, /config, /tasks and /topics in Connect’s shapes', async () => {
    expect((await call('GET', '/', '/')).body).toMatchObject({ version: expect.any(String), commit: null });
    const expanded = await call(
      'GET',
      '/connectors',
      '/connectors?expand=status&expand=info',
      undefined,
      'viewer',
    );
    await waitFor('the source RUNNING', async () => {
      const { body } = await call('GET', '/connectors/{name}/status', `/connectors/${names.source}/status`);
      return body.connector.state === 'RUNNING';
    });
    expect(expanded.body[names.sink]).toMatchObject({
      status: { connector: { state: expect.any(String) }, tasks: [{ id: 0 }] },
      info: {
        name: names.sink,
        config: { 'connector.class': 'file-sink', topics: ['canonical.customer'] },
        tasks: [{ connector: names.sink, task: 0 }],
        type: 'sink',
      },
    });
    const config = await call('GET', '/connectors/{name}/config', `/connectors/${names.source}/config`);
    expect(config.body).toMatchObject({ 'connector.class': 'file-source', format: 'sap-idoc-orders05' });
    expect((await call('GET', '/connectors/{name}/tasks', `/connectors/${names.source}/tasks`)).body).toEqual(
      [{ id: { connector: names.source, task: 0 }, config: config.body }],
    );
    const task = await call(
      'GET',
      '/connectors/{name}/tasks/{task}/status',
      `/connectors/${names.source}/tasks/0/status`,
    );
    // Connect's worker_id is the instance's name, host:port as Connect's (the hub has no EAI_INSTANCE_ID here).
    expect(task.body).toMatchObject({ id: 0, state: 'RUNNING', worker_id: hub.instance });
    expect(hub.instance).toBe(`${hostname()}:${new URL(hub.url).port}`);
    const noTask = await call(
      'GET',
      '/connectors/{name}/tasks/{task}/status',
      `/connectors/${names.source}/tasks/1/status`,
    );
    expect(noTask).toEqual({
      status: 404,
      body: expect.objectContaining({ error_code: 404, message: expect.stringMatching(/has one task, 0/) }),
    });
    expect(
      (await call('GET', '/connectors/{name}/topics', `/connectors/${names.source}/topics`)).body,
    ).toEqual({
      [names.source]: { topics: ['canonical.sales-order'] },
    });
    expect((await call('GET', '/connectors/{name}/topics', `/connectors/${names.sink}/topics`)).body).toEqual(
      {
        [names.sink]: { topics: ['canonical.customer'] },
      },
    );
    expect(
      (await call('PUT', '/connectors/{name}/topics/reset', `/connectors/${names.sink}/topics/reset`)).status,
    ).toBe(202);
  });

  it("creates and replaces a connector from Connect's flat config, and refuses a wrong one with Connect's error keys", async () => {
    const created = await call('POST', '/connectors', '/connectors', {
      name: names.flat,
      config: {
        'connector.class': 'file-source',
        'tasks.max': '1',
        format: 'sap-idoc-orders05',
        dir: join(dir, 'drop'),
        stableMs: '250',
        readyMarker: 'true',
      },
      initial_state: 'PAUSED',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: names.flat,
      type: 'file-source',
      state: 'PAUSED',
      config: { dir: join(dir, 'drop'), stableMs: 250, readyMarker: true },
    });
    const replaced = await call('PUT', '/connectors/{name}/config', `/connectors/${names.flat}/config`, {
      'connector.class': 'file-source',
      format: 'sap-idoc-orders05',
      dir: join(dir, 'drop'),
      stableMs: '100',
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      name: names.flat,
      config: { 'connector.class': 'file-source', config: { stableMs: 100 } },
      type: 'source',
    });
    const wrong = await call('PUT', '/connectors/{name}/config', `/connectors/${names.flat}/config`, {
      'connector.class': 'file-source',
      stableMs: 'soon',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error_code: 400, message: wrong.body.error });
    expect(wrong.body.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['config.dir', 'config.stableMs']),
    );
    expect((await call('DELETE', '/connectors/{name}', `/connectors/${names.flat}`)).status).toBe(204);
    const unknown = await fetch(`${hub.url}/connectors/${names.flat}/tasks-config`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(await unknown.json()).toMatchObject({
      error_code: 404,
      message: expect.stringMatching(/no route/),
    });
  });

  it('answers a misspelt connector name with the one meant (it said only no connector "…")', async () => {
    const slip = `${names.source}x`;
    const answer = await call('PUT', '/connectors/{name}/pause', `/connectors/${slip}/pause`);
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe(`no connector "${slip}"; did you mean "${names.source}"?`);
    const far = await call('GET', '/connectors/{name}/status', '/connectors/nothing-like-it/status');
    expect(far.body.error).toBe('no connector "nothing-like-it"');
  });

  it('restarts with ?onlyFailed, and sets a sink’s offsets in KIP-875’s keys', async () => {
    const skipped = await call(
      'POST',
      '/connectors/{name}/restart',
      `/connectors/${names.sink}/restart?includeTasks=true&onlyFailed=true`,
    );
    expect(skipped.status).toBe(202);
    expect(skipped.body.connector.state).not.toBe('RESTARTING');
    const restarted = await call(
      'POST',
      '/connectors/{name}/restart',
      `/connectors/${names.sink}/restart?includeTasks=true`,
    );
    expect(restarted.body).toMatchObject({
      connector: { state: 'RESTARTING' },
      tasks: [{ id: 0, state: 'RESTARTING' }],
    });

    expect((await call('PUT', '/connectors/{name}/stop', `/connectors/${names.sink}/stop`)).status).toBe(202);
    await waitFor(
      'the sink STOPPED',
      async () =>
        (await call('GET', '/connectors/{name}/status', `/connectors/${names.sink}/status`)).body.state ===
        'STOPPED',
    );
    const set = await call('PATCH', '/connectors/{name}/offsets', `/connectors/${names.sink}/offsets`, {
      offsets: [
        { partition: { kafka_topic: 'canonical.customer', kafka_partition: 0 }, offset: { kafka_offset: 0 } },
      ],
    });
    expect(set.status).toBe(200);
    // A partition the topic does not have is refused (the seek skipped it, and "offsets set" was said of nothing).
    const absent = await call('PATCH', '/connectors/{name}/offsets', `/connectors/${names.sink}/offsets`, {
      offsets: [
        {
          partition: { kafka_topic: 'canonical.customer', kafka_partition: 99 },
          offset: { kafka_offset: 0 },
        },
      ],
    });
    expect(absent.status).toBe(400);
    expect(absent.body.error).toMatch(/canonical\.customer has no partition 99 \(it has \d+: 0 to \d+\)/);
    // So is an offset past the partition's end (KIP-875: a consumer group's offset, the next to read): the sink
    // would find it out of range at resume and start over elsewhere.
    const pastEnd = await call('PATCH', '/connectors/{name}/offsets', `/connectors/${names.sink}/offsets`, {
      offsets: [
        {
          partition: { kafka_topic: 'canonical.customer', kafka_partition: 0 },
          offset: { kafka_offset: 2 ** 50 },
        },
      ],
    });
    expect(pastEnd.status).toBe(400);
    expect(pastEnd.body.error).toMatch(
      /offsets\[0\]\.offset\.offset: canonical\.customer partition 0 ends at offset \d+: offset 1125899906842624 is past its end/,
    );
    const read = await call('GET', '/connectors/{name}/offsets', `/connectors/${names.sink}/offsets`);
    expect(read.body.offsets).toContainEqual({
      partition: {
        topic: 'canonical.customer',
        partition: 0,
        kafka_topic: 'canonical.customer',
        kafka_partition: 0,
      },
      offset: { offset: 0, kafka_offset: 0 },
    });
    // What GET answers, written back as it is, is taken.
    expect(
      (await call('PATCH', '/connectors/{name}/offsets', `/connectors/${names.sink}/offsets`, read.body))
        .status,
    ).toBe(200);
  });

  it("lists plugins with Connect's class, their config keys, and validates Connect's flat config", async () => {
    const plugins = await call(
      'GET',
      '/connector-plugins',
      '/connector-plugins?connectorsOnly=false',
      undefined,
      'viewer',
    );
    expect(plugins.body).toContainEqual(
      expect.objectContaining({ class: 'file-source', type: 'file-source', kind: 'source' }),
    );
    const keys = await call(
      'GET',
      '/connector-plugins/{type}/config',
      '/connector-plugins/file-source/config',
      undefined,
      'viewer',
    );
    expect(keys.body).toContainEqual(
      expect.objectContaining({ name: 'dir', type: 'STRING', required: true, group: 'file-source' }),
    );
    expect(keys.body).toContainEqual(
      expect.objectContaining({ name: 'stableMs', type: 'INT', default_value: '1000' }),
    );
    const checked = await call(
      'PUT',
      '/connector-plugins/{type}/config/validate',
      '/connector-plugins/file-source/config/validate',
      {
        'connector.class': 'file-source',
        name: 'x',
        stableMs: 'soon',
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      },
    );
    expect(checked.body).toMatchObject({ errorCount: 3, error_count: 3, groups: ['Common', 'file-source'] });
    const value = (name: string) =>
      checked.body.configs.find((c: { value: { name: string } }) => c.value.name === name)?.value;
    expect(value('dir').errors).toHaveLength(1);
    expect(value('stableMs')).toMatchObject({ value: 'soon', errors: [expect.any(String)] });
    expect(value('key.converter').errors).toHaveLength(1);
    expect(value('name')).toMatchObject({ value: 'x', errors: [] });
    // A literal secret comes back redacted, as GET /connectors/{name} shows it.
    const secret = await call(
      'PUT',
      '/connector-plugins/{type}/config/validate',
      '/connector-plugins/http-sink/config/validate',
      {
        'connector.class': 'http-sink',
        name: 'y',
        authHeader: { name: 'Authorization', value: 'Bearer literalsecretXYZ' },
      },
    );
    expect(JSON.stringify(secret.body)).not.toContain('literalsecretXYZ');
  });
});
