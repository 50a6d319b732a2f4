import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONNECT_GROUP, DLQ_TOPICS, deadLetterRecord } from '../bus/index.ts';
import { sinkGroupId } from '../connectors/index.ts';
import { createAdminApi, hashToken, newToken } from '../ops/api/index.ts';
import { registerDeadLetterRoutes } from '../ops/routes/dead-letters.ts';
import { startOpsServer } from '../ops/server.ts';
import {
  type DeadLetterFixture,
  deadLetterFixture,
  RAW_VALUE,
  waitFor,
} from '../tests/dead-letter-fixture.ts';
import { type MappingRedriveFixture, mappingRedriveFixture } from '../tests/mapping-redrive-fixture.ts';
import { readRawMessages } from '../tests/raw-consumer.ts';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';

// No hub named (a shell's EAI_URL or EAI_TOKEN would send the commands through one): they read Kafka directly.
const env = () => ({
  KAFKA_BROKERS: testStack().brokers,
  SCHEMA_REGISTRY_URL: testStack().registryUrl,
  EAI_URL: '',
  EAI_TOKEN: '',
  EAI_ADMIN_TOKEN: '',
});
// In this process (tests/run-eai-in-process.ts: no Node start per command); `eaiProcess` where the real process is the
// point, at least once per command.
const eai = async (args: string[]) => runEaiInProcess(args, { env: env() });
const eaiProcess = async (args: string[]) => runEai(args, { env: env(), timeoutMs: 45_000 });
const json = <T>(run: { stdout: string; stderr: string; code: number | null }): T => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};

describe('eai dlq ls | show | redrive', () => {
  let f: DeadLetterFixture;

  beforeAll(async () => {
    f = await deadLetterFixture('dl-cli');
  });
  afterAll(async () => {
    await f?.close();
  });

  it('ls lists the letters with their reasons, filters them, and prints a table without --json', async () => {
    const all = json<{ entries: Array<{ offset: string; stage: string; message: string }> }>(
      await eaiProcess(['dlq', 'ls', f.dlqTopic, '--json']),
    );
    expect(all.entries.map((e) => e.stage)).toEqual(['TASK_PUT', 'VALUE_CONVERTER', 'TASK_PUT', 'MAPPING']);
    expect(all.entries[0]!.message).toBe('credit block: customer of sap:1 unknown');

    const refused = json<{ entries: Array<{ offset: string }> }>(
      await eai(['dlq', 'ls', f.dlqTopic, '--owner', f.groupId, '--grep', 'Credit', '--json']),
    );
    expect(refused.entries.map((e) => e.offset)).toEqual(['0', '2']);
    const limited = json<{ entries: unknown[]; next: unknown }>(
      await eai(['dlq', 'ls', f.dlqTopic, '--stage', 'TASK_PUT', '--limit', '1', '--json']),
    );
    expect(limited).toMatchObject({ entries: [{ offset: '0' }], next: { partition: 0, offset: '1' } });

    const table = await eai(['dlq', 'ls', f.dlqTopic]);
    expect(table.code).toBe(0);
    // A header, then a letter a line.
    expect(table.stdout.split('\n')[0]).toMatch(/^POSITION +DEAD-LETTERED +OWNER +STAGE +ERROR/);
    expect(table.stdout.split('\n')[2]).toMatch(
      /^0\/1 .* VALUE_CONVERTER +WireFormatError: not Confluent wire format/,
    );
    expect(table.stdout).not.toContain('legacy flat file');
  });

  it('show decodes the Avro letter and shows the raw one as text; a missing one is a one-line error', async () => {
    const avro = json<{ value: { encoding: string; json: { salesOrder: { orderId: string } } } }>(
      await eaiProcess(['dlq', 'show', f.dlqTopic, '0', '0', '--json']),
    );
    expect(avro.value.encoding).toBe('avro');
    expect(avro.value.json.salesOrder.orderId).toBe('sap:1');
    const raw = json<{ value: unknown }>(await eai(['dlq', 'show', f.dlqTopic, '0', '1', '--json']));
    expect(raw.value).toEqual({ encoding: 'text', text: RAW_VALUE });

    const missing = await eai(['dlq', 'show', f.dlqTopic, '0', '99']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`eai: no dead letter at ${f.dlqTopic}/0/99\n`);
  });

  it("through a hub: the token's role applies, a viewer lists the letters but is told in one line that a body needs an operator token", async () => {
    const tokens = { viewer: newToken(), operator: newToken() };
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [
        { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
        { name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) },
      ],
    });
    const bus = testBus('/eai/tests/dl-cli-hub');
    registerDeadLetterRoutes(api, { transport: bus.transport, serde: bus.serde, topics: [f.dlqTopic] });
    const server = await startOpsServer({ checks: {}, api });
    // Kafka is not reachable for the CLI itself here: what it shows comes from the hub.
    const hub = (token: string) => ({
      ...env(),
      KAFKA_BROKERS: '127.0.0.1:1',
      EAI_URL: server.url,
      EAI_TOKEN: token,
    });
    try {
      const listed = json<{ entries: Array<{ stage: string }> }>(
        await runEai(['dlq', 'ls', f.dlqTopic, '--json'], { env: hub(tokens.viewer) }),
      );
      expect(listed.entries.map((e) => e.stage)).toEqual([
        'TASK_PUT',
        'VALUE_CONVERTER',
        'TASK_PUT',
        'MAPPING',
      ]);

      const refused = await runEaiInProcess(['dlq', 'show', f.dlqTopic, '0', '1'], {
        env: hub(tokens.viewer),
      });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(
        `eai: a dead letter's body (the original document, personal data included) needs an operator or admin token, and this token's role is below operator: set EAI_TOKEN to one, or see its metadata with npx eai dlq ls ${f.dlqTopic} --partition 0 --from 1 --limit 1\n`,
      );
      const refusedJson = await runEaiInProcess(
        ['dlq', 'show', f.dlqTopic, '0', '1', '--json', '--url', server.url],
        {
          env: { ...hub(tokens.viewer), EAI_URL: '' },
        },
      );
      expect(JSON.parse(refusedJson.stderr).errors[0]).toMatchObject({
        error: 'HubError',
        message: expect.stringMatching(/^a dead letter's body .* needs an operator or admin token/),
      });

      const shown = json<{ value: unknown }>(
        await runEaiInProcess(['dlq', 'show', f.dlqTopic, '0', '1', '--json'], { env: hub(tokens.operator) }),
      );
      expect(shown.value).toEqual({ encoding: 'text', text: RAW_VALUE });
      const redrive = ['dlq', 'redrive', f.dlqTopic, '--owner', f.groupId, '--grep', 'credit', '--dry-run'];
      const viewerRedrive = await runEaiInProcess(redrive, { env: hub(tokens.viewer) });
      expect(viewerRedrive.stderr).toMatch(
        /^eai: POST .*: 403 role viewer may not do this: it needs operator/,
      );
      expect(
        json<{ selected: number }>(
          await runEaiInProcess([...redrive, '--json'], { env: hub(tokens.operator) }),
        ),
      ).toMatchObject({ dryRun: true, selected: 2 });
    } finally {
      await server.close();
    }
  });

  it('redrive by range after the fix: the runner gets each order with its ce_id; the document is skipped', async () => {
    const none = await eai(['dlq', 'redrive', f.dlqTopic]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^eai: say which letters: --from N --to M, or a filter .*\n$/);
    const both = await eai(['dlq', 'redrive', f.dlqTopic, '--from', '0', '--to', '1', '--owner', 'x']);
    expect(both.stderr).toBe('eai: give either --from/--to or filter options, not both\n');

    const dry = json<{ selected: number; redriven: number }>(
      await eai(['dlq', 'redrive', f.dlqTopic, '--from', '0', '--to', '3', '--dry-run', '--json']),
    );
    expect(dry).toMatchObject({ dryRun: true, selected: 4, redriven: 3 });
    expect(f.handled).toHaveLength(2);

    f.fix();
    const done = json<{
      selected: number;
      redriven: number;
      skipped: Array<{ offset: string; reason: string }>;
    }>(await eaiProcess(['dlq', 'redrive', f.dlqTopic, '--from', '0', '--to', '3', '--json']));
    expect(done).toMatchObject({ dryRun: false, selected: 4, redriven: 3 });
    expect(done.skipped).toEqual([
      { partition: 0, offset: '3', reason: expect.stringContaining('no topic to go back to') },
    ]);
    await waitFor('the redriven orders handled', () => f.handled.length === 4);
    for (const h of f.handled.slice(2)) expect(h.ceId).toBe(f.ceIds.get(h.orderId));

    const again = await eai([
      'dlq',
      'redrive',
      f.dlqTopic,
      '--owner',
      f.groupId,
      '--grep',
      'credit',
      '--dry-run',
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^.*: 2 selected, would redrive 2, skipped 0\n {2}0\/0 had been redriven before/,
    );
  });

  it("--owner with a sink connector's name finds the letters its group signed", async () => {
    // Seen in the ops trial: `eai dlq ls dlq.sink --owner ops-despatch` (as the README's `--owner crm-sink`) found
    // nothing, the sink's letters being signed eai-sink-ops-despatch.
    const bus = testBus('/eai/tests/dl-cli-owner');
    const dlqTopic = unique('dl-cli-owner-dlq');
    await bus.provisionTopics([{ topic: dlqTopic, partitions: 1 }]);
    const producer = bus.transport.producer();
    await producer.connect();
    const letter = (owner: string, offset: string) =>
      deadLetterRecord(
        dlqTopic,
        {
          topic: 'command.crm.customer',
          partition: 0,
          offset,
          timestamp: String(Date.now()),
          key: Buffer.from(offset),
          value: Buffer.from('{}'),
          headers: {},
        },
        { stage: 'TASK_PUT', owner, error: new Error('refused'), attempts: 1 },
      );
    await producer.send([
      letter(sinkGroupId('crm-sink', DEFAULT_CONNECT_GROUP), '0'),
      letter('crm-sink-2', '1'),
      letter('crm-sink', '2'),
      // Another connect group's sink of the same name: its own letters, named `<group>/<name>`.
      letter(sinkGroupId('crm-sink', 'team-b'), '3'),
    ]);
    await producer.disconnect();
    const owned = async (owner: string) =>
      json<{ entries: Array<{ originalOffset: string }> }>(
        await eai(['dlq', 'ls', dlqTopic, '--owner', owner, '--json']),
      ).entries.map((e) => e.originalOffset);
    expect(await owned('crm-sink')).toEqual(['0', '2']);
    expect(await owned(sinkGroupId('crm-sink', DEFAULT_CONNECT_GROUP))).toEqual(['0']);
    expect(await owned('team-b/crm-sink')).toEqual(['3']);
    const dry = await eai(['dlq', 'redrive', dlqTopic, '--owner', 'crm-sink', '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout)).toMatchObject({ selected: 2 });
  });

  it('prints progress on stderr while redriving many letters, and none with --json', async () => {
    const bus = testBus('/eai/tests/dl-cli-many');
    const origin = unique('dl-cli-origin');
    const dlqTopic = unique('dl-cli-many-dlq');
    await bus.provisionTopics([
      { topic: origin, partitions: 1 },
      { topic: dlqTopic, partitions: 1 },
    ]);
    const producer = bus.transport.producer();
    await producer.connect();
    const letters = Array.from({ length: 1200 }, (_, i) =>
      deadLetterRecord(
        dlqTopic,
        {
          topic: origin,
          partition: 0,
          offset: String(i),
          timestamp: String(Date.now()),
          key: Buffer.from(`k-${i}`),
          value: Buffer.from(`letter ${i}`),
          headers: {},
        },
        { stage: 'TASK_PUT', owner: 'bulk', error: new Error('target down'), attempts: 3 },
      ),
    );
    await producer.send(letters);
    await producer.disconnect();

    const dry = await eaiProcess(['dlq', 'redrive', dlqTopic, '--from', '0', '--to', '1199', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    // A line per 1,000 letters or per second, whichever comes first (so where the lines fall depends on speed).
    const lines = dry.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    const selected = lines.map((line) => {
      const match = /^eai: (\d+) read, (\d+) selected, (\d+) to redrive, 0 skipped$/.exec(line);
      expect(match, line).not.toBeNull();
      // Letters go out a chunk at a time: a line made by the clock mid-chunk has more selected than sent (600 and
      // 500 at load 12), never fewer. The summary line below has them equal.
      expect(Number(match![3])).toBeLessThanOrEqual(Number(match![2]));
      return Number(match![2]);
    });
    expect(selected).toEqual([...selected].sort((a, b) => a - b));
    expect(Math.max(...selected)).toBeLessThanOrEqual(1200);
    expect(dry.stdout).toBe(`${dlqTopic}: 1200 selected, would redrive 1200, skipped 0\n`);
    const quiet = await eai(['dlq', 'redrive', dlqTopic, '--grep', 'target down', '--json']);
    expect(quiet.stderr).toBe('');
    expect(JSON.parse(quiet.stdout)).toMatchObject({ selected: 1200, redriven: 1200 });
    const back = await readRawMessages(origin, 1200);
    expect(back.map((m) => m.key)).toEqual(letters.map((l) => l.key!.toString()));
    expect(back[0]!.headers['eai.redriven-from']).toBe(`${dlqTopic}/0/0`);
  });
});

describe('eai dlq redrive of mapping dead letters, through a hub', () => {
  let f: MappingRedriveFixture;
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  const token = newToken();

  beforeAll(async () => {
    f = await mappingRedriveFixture('dl-cli-remap');
    const api = createAdminApi({
      logger: pino({ level: 'silent' }),
      tokens: [{ name: 'oncall', role: 'operator', sha256: hashToken(token) }],
    });
    registerDeadLetterRoutes(api, {
      transport: f.bus.transport,
      serde: f.bus.serde,
      topics: [DLQ_TOPICS.mapping],
      remapDocument: (letter, entry) => f.runtime.remapDocument(letter, entry),
      connectGroup: f.runtime.group,
    });
    server = await startOpsServer({ checks: {}, api });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await f?.close();
  });

  it("says which letters still fail and why, then maps them again with the connector's fixed lookup and publishes them", async () => {
    // Kafka is not reachable for the CLI itself: the hub maps and publishes.
    const hub = { env: { ...env(), KAFKA_BROKERS: '127.0.0.1:1', EAI_URL: server.url, EAI_TOKEN: token } };
    const redrive = ['dlq', 'redrive', DLQ_TOPICS.mapping, '--owner', f.name];
    const broken = await runEai([...redrive, '--dry-run'], hub);
    expect(broken.code, broken.stderr).toBe(0);
    const lines = broken.stdout.split('\n');
    expect(lines[0]).toBe(`${DLQ_TOPICS.mapping}: 3 selected, would redrive 0, skipped 0, still failing 3`);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^ {2}still failing ${f.letters.rows.partition}/${f.letters.rows.offset} \\(${f.name}\\): still does not map .*\\(record 2\\): MappingError: .*customer\\.addresses\\[0\\]\\.countryCode: country AT is not in the countries table \\(input line 3\\)`,
        ),
      ),
    );

    f.fix();
    const done = json<{
      redriven: number;
      remapped: Array<{ offset: string; published: Array<{ id: string; topic: string }> }>;
      failing: Array<{ offset: string }>;
    }>(await runEai([...redrive, '--json'], hub));
    expect(done.redriven).toBe(2);
    expect(done.remapped.flatMap((r) => r.published.map((p) => [p.id, p.topic])).sort()).toEqual(
      [
        [`${f.ids.rows}:2`, f.customerTopic],
        [f.ids.one, f.customerTopic],
      ].sort(),
    );
    expect(done.failing.map((x) => x.offset)).toEqual([f.letters.swiss.offset]);
    expect((await f.customers(4)).map((r) => r.headers.ce_id?.toString()).sort()).toEqual(
      [1, 2, 3]
        .map((n) => `${f.ids.rows}:${n}`)
        .concat(f.ids.one)
        .sort(),
    );
  });
});
