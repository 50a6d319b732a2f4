import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../../bus/index.ts';
import { builtinPlugins, ConnectorRuntime, checkDeployment } from '../../connectors/index.ts';
import { createAdminApi, hashToken } from '../../ops/api/index.ts';
import { registerConnectorRoutes } from '../../ops/routes/connectors.ts';
import { startOpsServer } from '../../ops/server.ts';
import { registerConnectorsCommand, skippedReasonsText, statusLine, statusTable } from './connectors.ts';

/** A hub that refuses every definition as the real one does: its sentence, and each wrong field in `details`. */
let server: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'eai-apply-'));
const patched: unknown[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.method === 'PATCH') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        patched.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"offsets set"}');
      });
      return;
    }
    if (request.url?.startsWith('/connectors/literal')) {
      response.writeHead(201, { 'content-type': 'application/json' }).end('{"name":"literal"}');
      return;
    }
    const unset = request.url?.startsWith('/connectors/hook');
    const details = unset
      ? [
          {
            in: 'body',
            path: 'config.signature.secret',
            message:
              "environment variable HOOK_SECRET is not set in the hub's environment (the process running eai up)",
          },
        ]
      : [{ in: 'body', path: 'config.dir', message: 'missing: a string is required' }];
    response.writeHead(400, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: `body: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function apply(file: string, hub = url): Promise<Error> {
  const program = new Command('eai').exitOverride();
  registerConnectorsCommand(program);
  const outcome = await program
    .parseAsync(['node', 'eai', 'connectors', 'apply', file, '--url', hub, '--token', 't'])
    .then(
      () => new Error('applied'),
      (error: unknown) => error as Error,
    );
  return outcome;
}

describe('eai connectors apply, refused', () => {
  it('names the file applied and each wrong field, not the request line, the status and "body:"', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\ntype: file-source\nconfig: {}\n');
    const error = await apply(file);
    expect(error.message).toBe(`${file}: config.dir: missing: a string is required`);
    expect(error.name).toBe('ConfigError');
    const hook = join(dir, 'hook.yaml');
    writeFileSync(hook, 'name: hook\ntype: webhook-source\n');
    expect((await apply(hook)).message).toBe(
      `${hook}: config.signature.secret: environment variable HOOK_SECRET is not set in the hub's environment (the process running eai up)`,
    );
  });
});

describe('eai connectors apply, refused by a hub', () => {
  it('says every problem validate says of the file, in its words, not the first one only', async () => {
    // Seen by an evaluator: validate listed three problems of a file, apply only "topics: a list of topics…" (the
    // route's body schema refused the request before the connector's own options were checked).
    const file = join(dir, 'w1-several.yaml');
    writeFileSync(
      file,
      'name: w1-several\ntype: file-source\nstartat: latest\nformat: sap-idoc-orders5\nconfig:\n  dir: in\n  patern: "*.xml"\n',
    );
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [{ name: 'ops', role: 'admin', sha256: hashToken('t') }],
    });
    // Never started: a refused definition is refused before anything reaches Kafka.
    registerConnectorRoutes(
      api,
      new ConnectorRuntime({
        plugins: builtinPlugins,
        bus: { transport: {} as Transport },
        logger: pino({ level: 'silent' }),
      } as ConstructorParameters<typeof ConnectorRuntime>[0]),
    );
    const hub = await startOpsServer({ checks: {}, api });
    try {
      const [validated] = checkDeployment(file, new Map(builtinPlugins.map((p) => [p.type, p])));
      expect(validated!.errors.map((e) => e.field)).toEqual(['startat', 'format', 'config.patern']);
      const refused = await apply(file, hub.url);
      expect(refused.message).toBe(
        `${file}: ${validated!.errors.map((e) => `${e.field}: ${e.problem}`).join('; ')}`,
      );
    } finally {
      await hub.close();
    }
  });
});

describe('eai connectors apply, accepted with a secret written out', () => {
  it('tells the one who applied it which field to write as a reference, on stderr', async () => {
    // Seen in the ops trial: the hub took `authHeader.value: Bearer …` written out and warned in its own log only,
    // while apply said "created".
    const file = join(dir, 'literal.yaml');
    writeFileSync(
      file,
      'name: literal\ntype: http-sink\ntopics: [canonical.customer]\nconfig:\n  baseUrl: http://127.0.0.1:9\n  authHeader: { value: Bearer s3cr3t }\n',
    );
    const errors: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      errors.push(String(chunk));
      return true;
    });
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect((await apply(file)).message).toBe('applied');
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
    expect(errors).toEqual([
      `${file}: warning: config.authHeader.value: a secret written out: stored on Kafka with the definition as written; write \${env:NAME} or \${file:path} instead\n`,
    ]);
  });
});

describe('eai connectors offsets --set', () => {
  it('takes the list of offsets alone, or one entry alone, as well as {"offsets": […]}', async () => {
    // Seen in the ops trial: a file holding the list the --json output has under "offsets" was refused by the hub with
    // "body: Invalid input: expected object, received array".
    const offsets = [{ partition: '/var/spool/in', offset: { file: 'a.edi' } }];
    const files = [join(dir, 'list.json'), join(dir, 'object.json'), join(dir, 'entry.json')];
    writeFileSync(files[0]!, JSON.stringify(offsets));
    writeFileSync(files[1]!, JSON.stringify({ offsets }));
    // One entry alone, as docs/connectors.md writes it (`{"partition": …, "offset": …}`): the hub refused it with
    // "body.offsets: Invalid input: expected array, received undefined".
    writeFileSync(files[2]!, JSON.stringify(offsets[0]));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const file of files) {
        const program = new Command('eai').exitOverride();
        registerConnectorsCommand(program);
        await program.parseAsync([
          'node',
          'eai',
          'connectors',
          'offsets',
          'x',
          '--set',
          file,
          '--url',
          url,
          '--token',
          't',
        ]);
      }
    } finally {
      stdout.mockRestore();
    }
    expect(patched).toEqual([{ offsets }, { offsets }, { offsets }]);
  });
});

describe('eai connectors status, a sink retrying', () => {
  it('says it retries, since when, how often and why, without the answer body a target put in the error', async () => {
    const odoo503 =
      'odoo-write: POST /jsonrpc object.execute_kw answered HTTP 503: {"jsonrpc":"2.0","error":{"data":{"debug":"Traceback (most recent call last):\\n  File"}}}';
    const status = {
      name: 'odoo-write',
      type: 'odoo-write-sink',
      kind: 'sink',
      state: 'RUNNING',
      workerId: 'w1',
      trace: null,
      metrics: {
        recordsIn: 35,
        recordsOut: 34,
        recordsSkipped: 0,
        recordsFailed: 0,
        lastSuccessAt: '2026-12-05T01:52:11.112Z',
        lastError: null,
        retrying: { since: '2026-12-05T01:53:51.656Z', attempts: 12, error: odoo503 },
        lagRecords: 24,
        lagSeconds: 34,
      },
    };
    const hub = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status));
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const hubUrl = `http://127.0.0.1:${(hub.address() as { port: number }).port}`;
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      const program = new Command('eai').exitOverride();
      registerConnectorsCommand(program);
      await program.parseAsync([
        'node',
        'eai',
        'connectors',
        'status',
        'odoo-write',
        '--url',
        hubUrl,
        '--token',
        't',
      ]);
    } finally {
      write.mockRestore();
      await new Promise((resolve) => hub.close(resolve));
    }
    const line = printed.join('');
    expect(line).toContain(
      'retrying since 2026-12-05T01:53:51.656Z (12 attempts): odoo-write: POST /jsonrpc object.execute_kw answered HTTP 503 (answer in eai connectors status --json)',
    );
    expect(line).not.toContain('Traceback');
  });
});

describe('a status line', () => {
  const base = {
    name: 'partner-acme',
    type: 'file-source',
    kind: 'source',
    state: 'RUNNING',
    workerId: null,
    trace: null,
    metrics: { recordsIn: 1200, recordsOut: 1200, recordsFailed: 0, lastSuccessAt: null, lagRecords: null },
  };

  it("shows a file source's progress: the file being read, messages committed of those read, the folder's counts", () => {
    const line = statusLine({
      ...base,
      task: {
        files: {
          reading: { file: 'big.x12', bytes: 300_000_000, messagesRead: 2_000, messagesCommitted: 1_800 },
          waiting: 4,
          done: 12,
          refused: 1,
        },
      },
    });
    expect(line).toContain(
      '  files: reading big.x12 (1800 of 2000 messages read committed), 4 waiting, 12 done, 1 refused',
    );
    // An idle folder adds nothing to the line.
    expect(
      statusLine({ ...base, task: { files: { reading: null, waiting: 0, done: 0, refused: 0 } } }),
    ).not.toContain('files:');
  });
});

describe('why records were skipped, under eai connectors status <name>', () => {
  const status = (skippedReasons?: Record<string, number>) => ({
    name: 'odoo-write',
    type: 'odoo-write-sink',
    kind: 'sink',
    state: 'RUNNING',
    workerId: null,
    trace: null,
    metrics: {
      recordsIn: 20,
      recordsOut: 5,
      recordsSkipped: 15,
      ...(skippedReasons ? { skippedReasons } : {}),
      recordsFailed: 0,
      lastSuccessAt: null,
      lagRecords: null,
    },
  });

  it('lists each reason with its count, most first, the counts aligned; nothing when none was skipped or the hub is older', () => {
    expect(
      skippedReasonsText(
        status({ 'sale.order already sale': 3, 'status CREATED is not written to Odoo': 12 }),
      ).split('\n'),
    ).toEqual([
      'skipped, by reason:',
      '  12  status CREATED is not written to Odoo',
      '   3  sale.order already sale',
    ]);
    expect(skippedReasonsText(status({}))).toBe('');
    expect(skippedReasonsText(status())).toBe('');
  });
});

describe('the table of eai connectors ls', () => {
  const metrics = { recordsIn: 3, recordsOut: 3, recordsFailed: 0, lastSuccessAt: null, lagRecords: null };
  const status = (name: string, instance: string | null | undefined, workerId: string | null = null) => ({
    name,
    type: 'file-source',
    kind: 'source',
    state: instance === null ? 'UNASSIGNED' : 'RUNNING',
    workerId,
    ...(instance === undefined ? {} : { instance }),
    trace: null,
    metrics,
  });

  it('has an INSTANCE column as wide as its longest name: the instance by name, an older hub its worker id, - for none', () => {
    const table = statusTable([
      status('orders', 'hub-7f9c4d-x2kq9', 'worker-1a2b3c4d'),
      status('invoices', 'erp-host:8080', 'worker-5e6f7a8b'),
      status('returns', null),
      status('shipments', undefined, 'worker-9c0d1e2f'),
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toBe(
      `${'NAME'.padEnd(28)} ${'KIND'.padEnd(6)} ${'STATE'.padEnd(10)} ${'INSTANCE'.padEnd(16)} RECORDS`,
    );
    const at = lines[0]!.indexOf('INSTANCE');
    expect(lines.slice(1).map((line) => line.slice(at, at + 17))).toEqual([
      'hub-7f9c4d-x2kq9 ',
      'erp-host:8080    ',
      '-                ',
      'worker-9c0d1e2f  ',
    ]);
    // The counters follow the column, where they were.
    expect(lines[1]!.slice(at + 17)).toMatch(/^in 3 {2}out 3 {2}failed 0/);
  });
});
