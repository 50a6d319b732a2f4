import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { newToken } from '../ops/api/index.ts';
import { dropDatabase } from '../store/database.ts';
import { runEai } from '../tests/run-eai.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('eai up (the README first command, on the configured stack)', () => {
  it('prints its endpoints, answers health and metrics, and stops cleanly on SIGTERM', async () => {
    const stack = testStack();
    const port = await freePort();
    const adminToken = newToken();
    // A connect group of its own: connectors other tests deployed to the default group on this stack stay theirs.
    const group = `eai-up-spec-${port}`;
    const hub = spawn(
      process.execPath,
      // With a mapping thread: it starts with the hub and stops with it on SIGTERM.
      ['cli/eai.js', 'up', '--json', '--port', String(port), '--group', group, '--mapping-threads', '1'],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          DATABASE_URL: stack.databaseUrl,
          EAI_LOG_LEVEL: 'warn',
          EAI_ADMIN_TOKEN: adminToken,
          // Its name in connector statuses and readiness, as a pod's would be.
          EAI_INSTANCE_ID: `up-spec-${port}`,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => hub.on('exit', (code) => resolve(code)));
    try {
      let stdout = '';
      hub.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      const deadline = Date.now() + 45_000;
      let endpoints:
        | {
            health?: string;
            liveness?: string;
            metrics?: string;
            openapi?: string;
            brokers?: string;
            group?: string;
            connectors?: number;
          }
        | undefined;
      while (!endpoints && Date.now() < deadline) {
        const line = stdout.split('\n').find((l) => l.includes('"health"'));
        if (line) endpoints = JSON.parse(line);
        else await sleep(100);
      }
      expect(endpoints, `eai up printed: ${stdout}`).toBeDefined();
      expect(endpoints!.brokers).toBe(stack.brokers);
      expect(endpoints).toMatchObject({
        group,
        instance: `up-spec-${port}`,
        connectors: 0,
        mappingThreads: 1,
      });
      expect(endpoints!.health).toBe(`http://127.0.0.1:${port}/health/ready`);

      // Readiness's detail (the instance, its connectors) to a token holder; a probe gets the status alone.
      expect(await (await fetch(endpoints!.health!)).json()).toEqual({ status: 'UP' });
      const ready = await fetch(endpoints!.health!, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { details: { instance: string } }).details.instance).toBe(
        `up-spec-${port}`,
      );
      expect((await fetch(endpoints!.liveness!)).status).toBe(200);
      const metrics = await (await fetch(endpoints!.metrics!)).text();
      expect(metrics).toMatch(/^# HELP eai_/m);

      const openapi = (await (await fetch(endpoints!.openapi!)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(openapi.paths)).toContain('/api/whoami');
      const whoami = `http://127.0.0.1:${port}/api/whoami`;
      expect((await fetch(whoami)).status).toBe(401);
      const me = await fetch(whoami, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(await me.json()).toEqual({ name: 'admin', role: 'admin' });
      expect(Object.keys(openapi.paths)).toContain('/dead-letters/{topic}/redrive');
      const depths = await fetch(`http://127.0.0.1:${port}/dead-letters`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(depths.status).toBe(200);
      const { topics } = (await depths.json()) as { topics: Array<{ topic: string }> };
      expect(topics.map((t) => t.topic)).toEqual(['dlq.mapping', 'dlq.orchestrator', 'dlq.sink']);

      hub.kill('SIGTERM');
      expect(await Promise.race([exited, sleep(30_000, 'still running', { ref: false })])).toBe(0);
    } finally {
      hub.kill('SIGKILL');
    }
  });

  it('with --host 0.0.0.0 it answers on the machine’s other addresses too, and the group forwards to <host name>:<port>', async () => {
    const stack = testStack();
    const port = await freePort();
    const hub = spawn(
      process.execPath,
      [
        'cli/eai.js',
        'up',
        '--json',
        '--port',
        String(port),
        '--host',
        '0.0.0.0',
        '--group',
        `eai-up-host-${port}`,
      ],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          DATABASE_URL: stack.databaseUrl,
          EAI_LOG_LEVEL: 'warn',
          EAI_ADMIN_TOKEN: newToken(),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => hub.on('exit', (code) => resolve(code)));
    try {
      let stdout = '';
      hub.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      let endpoints: { health?: string; listening?: string; advertisedUrl?: string } | undefined;
      for (const deadline = Date.now() + 45_000; !endpoints && Date.now() < deadline; ) {
        const line = stdout.split('\n').find((l) => l.includes('"health"'));
        if (line) endpoints = JSON.parse(line);
        else await sleep(100);
      }
      expect(endpoints, `eai up printed: ${stdout}`).toMatchObject({
        // This machine reaches it at its loopback; the others at its host name.
        health: `http://127.0.0.1:${port}/health/ready`,
        listening: `0.0.0.0:${port}`,
        advertisedUrl: `http://${hostname()}:${port}`,
      });
      expect((await fetch(endpoints!.health!)).status).toBe(200);
      // An address of this machine other than loopback (every machine this runs on has one: its network's).
      const outside = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && !i.internal && i.family === 'IPv4');
      expect(outside, 'a non-loopback IPv4 address').toBeDefined();
      expect((await fetch(`http://${outside!.address}:${port}/health/live`)).status).toBe(200);
      hub.kill('SIGTERM');
      expect(await Promise.race([exited, sleep(30_000, 'still running', { ref: false })])).toBe(0);
    } finally {
      hub.kill('SIGKILL');
    }
  });

  it('with --masterdata runs the customer matcher: /customers and /sync/health answer, the schema is migrated', async () => {
    const stack = testStack();
    const port = await freePort();
    const adminToken = newToken();
    const schema = unique('mdm_up').replaceAll('-', '_');
    const hub = spawn(
      process.execPath,
      ['cli/eai.js', 'up', '--json', '--port', String(port), '--masterdata', '--mdm-schema', schema],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          DATABASE_URL: stack.databaseUrl,
          EAI_LOG_LEVEL: 'warn',
          EAI_ADMIN_TOKEN: adminToken,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => hub.on('exit', (code) => resolve(code)));
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      let stdout = '';
      hub.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      const deadline = Date.now() + 60_000;
      let endpoints: { masterdata?: string } | undefined;
      while (!endpoints && Date.now() < deadline) {
        const line = stdout.split('\n').find((l) => l.includes('"health"'));
        if (line) endpoints = JSON.parse(line);
        else await sleep(100);
      }
      expect(endpoints, `eai up printed: ${stdout}`).toBeDefined();
      expect(endpoints!.masterdata).toBe(`on (schema ${schema})`);
      const headers = { authorization: `Bearer ${adminToken}` };
      const health = await fetch(`http://127.0.0.1:${port}/sync/health`, { headers });
      expect(health.status).toBe(200);
      expect(['ok', 'degraded', 'failing']).toContain(((await health.json()) as { status: string }).status);
      const unknown = await fetch(`http://127.0.0.1:${port}/customers/gc-00000000000000000000`, { headers });
      expect(unknown.status).toBe(404);
      const tables = await db.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1 order by table_name',
        [schema],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'customer_case',
          'customer_order',
          'customer_shipment',
          'golden',
          'source_record',
        ]),
      );
      // The schema's own consumer groups: sharing `mdm`'s would split canonical.customer with a hub on `mdm` and
      // start from the offsets `mdm` committed.
      const admin = testBus().transport.admin();
      await admin.connect();
      try {
        for (const group of [`eai-masterdata.${schema}`, `eai-customer-activity.${schema}`])
          expect((await admin.describeGroup(group)).state, group).toBe('Stable');
      } finally {
        await admin.disconnect();
      }
      hub.kill('SIGTERM');
      expect(await Promise.race([exited, sleep(30_000, 'still running', { ref: false })])).toBe(0);
      await admin.connect();
      for (const group of [`eai-masterdata.${schema}`, `eai-customer-activity.${schema}`])
        await admin.deleteGroup(group).catch(() => undefined);
      await admin.disconnect();
    } finally {
      hub.kill('SIGKILL');
      await db.query(`drop schema if exists "${schema}" cascade`);
      await db.end();
    }
  });
});

describe('eai up with a registry URL that answers but is no registry API', () => {
  it("refuses Apicurio's server root at start, naming the URL to set (every publish would fail with a bare 404)", async () => {
    const stack = testStack();
    const root = stack.registryUrl.replace(/\/apis\/ccompat\/v7$/, '');
    expect(root).not.toBe(stack.registryUrl);
    const port = await freePort();
    const result = await runEai(['up', '--port', String(port), '--group', `eai-up-root-${port}`], {
      env: {
        KAFKA_BROKERS: stack.brokers,
        SCHEMA_REGISTRY_URL: root,
        DATABASE_URL: stack.databaseUrl,
        EAI_ADMIN_TOKEN: newToken(),
      },
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `eai: ${root} answers GET /subjects with 404: that is Apicurio's server root, its Confluent-compatible API is ${stack.registryUrl}; set SCHEMA_REGISTRY_URL=${stack.registryUrl}\n`,
    );
    expect(result.stdout).toBe('');
  });
});

describe('eai up with a Kafka that is not there', () => {
  it('says so in one line after about half a minute (it logged 17 kafkajs retries over 80 s first)', async () => {
    const stack = testStack();
    const port = await freePort();
    const kafka = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const result = await runEai(['up', '--port', String(port), '--group', `eai-up-nokafka-${port}`], {
      env: {
        KAFKA_BROKERS: kafka,
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        DATABASE_URL: stack.databaseUrl,
        EAI_ADMIN_TOKEN: newToken(),
      },
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^eai: cannot reach Kafka at ${kafka.replaceAll('.', '\\.')} \\([^\\n]*\\): is the stack up\\? npx eai stack up, or set KAFKA_BROKERS\\n$`,
      ),
    );
    expect(result.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(75_000);
  });
});

describe('eai up --orchestrator', () => {
  it('runs the orchestrator role with --orchestrator: its endpoints, /workflows and the definitions', async () => {
    const stack = testStack();
    const port = await freePort();
    const adminToken = newToken();
    const database = unique('eai_orch_up').replaceAll('-', '_');
    const hub = spawn(
      process.execPath,
      ['cli/eai.js', 'up', '--json', '--port', String(port), '--orchestrator', '--executor-id', 'up-spec'],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          DATABASE_URL: stack.databaseUrl,
          EAI_LOG_LEVEL: 'warn',
          EAI_ADMIN_TOKEN: adminToken,
          EAI_ORCHESTRATOR_DATABASE: database,
          // No router: a fresh group would replay every order other tests put on canonical.sales-order.
          EAI_ORCHESTRATOR_ROUTER: '0',
          EAI_ORCHESTRATOR_TIMERS: '{"asnEscalationMs":60000}',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => hub.on('exit', (code) => resolve(code)));
    try {
      let stdout = '';
      hub.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      const deadline = Date.now() + 60_000;
      let endpoints: { workflows?: string; executorId?: string; orchestratorDatabase?: string } | undefined;
      while (!endpoints && Date.now() < deadline) {
        const line = stdout.split('\n').find((l) => l.includes('"health"'));
        if (line) endpoints = JSON.parse(line);
        else await sleep(100);
      }
      expect(endpoints, `eai up printed: ${stdout}`).toMatchObject({
        workflows: `http://127.0.0.1:${port}/workflows`,
        executorId: 'up-spec',
        orchestratorDatabase: database,
      });
      const auth = { authorization: `Bearer ${adminToken}` };
      const list = await fetch(endpoints!.workflows!, { headers: auth });
      expect(list.status).toBe(200);
      expect(await list.json()).toEqual([]);
      const definitions = (await (
        await fetch(`http://127.0.0.1:${port}/workflow-definitions`, { headers: auth })
      ).json()) as Array<{ name: string }>;
      expect(definitions.map((d) => d.name)).toEqual([
        'complaint-return@1',
        'complaint-return@2',
        'complaint-return@3',
        'order-to-delivery@1',
        'order-to-delivery@2',
        'order-to-delivery@3',
        'order-to-delivery@4',
        'order-to-delivery@5',
        'order-to-delivery@6',
        'order-to-delivery@7',
      ]);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`, { headers: auth });
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { details: Record<string, unknown> }).details.parkedWorkflows).toEqual(
        [],
      );

      hub.kill('SIGTERM');
      expect(await Promise.race([exited, sleep(30_000, 'still running', { ref: false })])).toBe(0);
    } finally {
      hub.kill('SIGKILL');
      await dropDatabase(stack.databaseUrl, database);
    }
  });
});
