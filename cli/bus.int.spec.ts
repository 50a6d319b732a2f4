import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createTransport } from '../bus/transport/index.ts';
import { exampleJson } from '../schemas/examples.ts';
import { consumerGroupIds } from '../tests/consumer-groups.ts';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { topicRows } from './commands/bus.ts';

const env = () => ({ KAFKA_BROKERS: testStack().brokers, SCHEMA_REGISTRY_URL: testStack().registryUrl });
const asn = 'formats/x12-856/fixtures/several-st-sets.edi';

/**
 * `eai bus tail <topic> --from-beginning --until-end`, its lines parsed; it must end with status 0. In this process
 * (tests/run-eai-in-process.ts), as most commands here: the tests that keep `runEai` are the process's own.
 */
async function tailToEnd(topic: string): Promise<Array<Record<string, unknown>>> {
  const tail = await runEaiInProcess(['bus', 'tail', topic, '--from-beginning', '--until-end'], {
    env: env(),
    timeoutMs: 45_000,
  });
  expect(tail.code, tail.stderr).toBe(0);
  return tail.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('eai map | eai bus publish | eai bus tail', () => {
  it('publishes what eai map prints, from stdin, each record with its key; --input - reads stdin too', async () => {
    const mapped = await runEaiInProcess(['map', '--format', 'x12-856', '--input', asn, '--json']);
    expect(mapped.code).toBe(0);
    const records = JSON.parse(mapped.stdout) as Array<{ schema: string; key: string }>;
    expect(records.length).toBeGreaterThan(1);

    const topic = unique('cli-pipe');
    await testBus().provisionTopics([{ topic, partitions: 1 }]);
    const piped = await runEai(['bus', 'publish', topic, '--json'], { env: env(), stdin: mapped.stdout });
    expect(piped.stderr).toBe('');
    const sent = JSON.parse(piped.stdout) as Array<{ topic: string; key: string }>;
    expect(sent.map((s) => s.key)).toEqual(records.map((r) => r.key));

    const dash = await runEai(['bus', 'publish', topic, '--input', '-', '--json'], {
      env: env(),
      stdin: mapped.stdout,
    });
    expect((JSON.parse(dash.stdout) as unknown[]).length).toBe(records.length);

    const tail = await runEai(['bus', 'tail', topic, '--until-end'], { env: env() });
    expect(tail.code).toBe(0);
    expect(tail.stdout).toBe('');
  });

  it('tail --from-beginning --max 5 on a topic of 3 records in 3 partitions prints 3 and stops; so does --until-end', async () => {
    const topic = unique('cli-tail');
    const bus = testBus();
    await bus.provisionTopics([{ topic, partitions: 3 }]);
    const mapped = await runEaiInProcess(['map', '--format', 'x12-856', '--input', asn, '--json']);
    const record = (JSON.parse(mapped.stdout) as Array<{ schema: string; value: unknown }>)[0]!;
    const three = ['a', 'b', 'c'].map((key) => ({ ...record, key: `asn-${key}` }));
    const published = await runEai(['bus', 'publish', topic, '--json'], {
      env: env(),
      stdin: JSON.stringify(three),
    });
    expect(published.code).toBe(0);

    for (const args of [
      ['--from-beginning', '--max', '5'],
      ['--from-beginning', '--until-end'],
    ]) {
      const tail = await runEaiInProcess(['bus', 'tail', topic, ...args], { env: env() });
      expect(tail.code, `${args.join(' ')}: ${tail.stderr}`).toBe(0);
      const lines = tail.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { key: string; partition: number });
      expect(lines.map((l) => l.key).sort()).toEqual(['asn-a', 'asn-b', 'asn-c']);
    }
  });

  it('tail --from-beginning --until-end ends on a topic whose last entry is a transaction marker', async () => {
    const topic = unique('cli-tail-tx');
    const bus = testBus();
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const producer = bus.transport.transactionalProducer(unique('cli-tail-tx'));
    await producer.connect();
    try {
      await producer.sendTransaction([
        { topic, key: 'k1', value: Buffer.from('one') },
        { topic, key: 'k2', value: Buffer.from('two') },
      ]);
    } finally {
      await producer.disconnect();
    }
    // Two records and a commit marker: the high watermark is 3, the last record's offset 1.
    expect((await tailToEnd(topic)).map((line) => line.key)).toEqual(['k1', 'k2']);
  });

  it('tail shows Avro as its JSON, JSON text as JSON, other text as text, bytes as base64, a tombstone as null', async () => {
    const topic = unique('cli-tail-kinds');
    const bus = testBus();
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const mapped = await runEaiInProcess(['map', '--format', 'x12-856', '--input', asn, '--json']);
    const record = (JSON.parse(mapped.stdout) as Array<{ schema: string; key: string; value: unknown }>)[0]!;
    expect(
      (await runEai(['bus', 'publish', topic], { env: env(), stdin: JSON.stringify([record]) })).code,
    ).toBe(0);
    const producer = bus.transport.producer();
    await producer.connect();
    try {
      await producer.send([
        { topic, key: 'json', value: Buffer.from('{"definition":{"name":"hook"}}') },
        { topic, key: 'text', value: Buffer.from('a plain note') },
        { topic, key: 'bytes', value: Buffer.from([0xff, 0x00, 0x01]) },
        { topic, key: 'gone', value: null },
      ]);
    } finally {
      await producer.disconnect();
    }
    const lines = await tailToEnd(topic);
    expect(lines[0]).toMatchObject({ key: record.key, schema: record.schema, schemaId: expect.any(Number) });
    expect(lines[0]!.value).toEqual(JSON.parse(JSON.stringify(record.value)));
    expect(
      lines.slice(1).map(({ key, valueJson, valueText, valueBase64, value, error }) => ({
        key,
        valueJson,
        valueText,
        valueBase64,
        value,
        error,
      })),
    ).toEqual([
      { key: 'json', valueJson: { definition: { name: 'hook' } } },
      { key: 'text', valueText: 'a plain note' },
      { key: 'bytes', valueBase64: '/wAB' },
      { key: 'gone', value: null },
    ]);
  });

  it('tail --offset (from the end when negative), --since and --partition start where asked and stop at the end, as kcat -o … -e', async () => {
    const topic = unique('cli-tail-start');
    const bus = testBus();
    await bus.provisionTopics([{ topic, partitions: 2 }]);
    const producer = bus.transport.producer();
    await producer.connect();
    const send = (partition: number, keys: string[]) =>
      producer.send(keys.map((key) => ({ topic, partition, key, value: Buffer.from(key) })));
    let since: string;
    try {
      await send(0, ['a0', 'a1', 'a2']);
      await send(1, ['b0']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      since = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await send(0, ['a3']);
      await send(1, ['b1']);
    } finally {
      await producer.disconnect();
    }
    const keys = async (...args: string[]) => {
      const tail = await runEaiInProcess(['bus', 'tail', topic, ...args], { env: env() });
      expect(tail.code, `${args.join(' ')}: ${tail.stderr}`).toBe(0);
      return tail.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { key: string }).key)
        .sort();
    };
    expect(await keys('--offset', '1')).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(await keys('--offset', '-1')).toEqual(['a3', 'b1']);
    expect(await keys('--since', since)).toEqual(['a3', 'b1']);
    expect(await keys('--offset', '1', '--partition', '0')).toEqual(['a1', 'a2', 'a3']);
    expect(await keys('--from-beginning', '--until-end', '--partition', '1')).toEqual(['b0', 'b1']);
    const wrong = await runEaiInProcess(['bus', 'tail', topic, '--offset', '0', '--partition', '2'], {
      env: env(),
    });
    expect([wrong.code, wrong.stderr]).toEqual([
      1,
      `eai: --partition 2: topic ${topic} has partitions 0 to 1\n`,
    ]);
  });

  it('tail on a topic that does not exist says so', async () => {
    const result = await runEaiInProcess(['bus', 'tail', unique('missing'), '--until-end'], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^eai: topic missing-\S+ does not exist \(eai bus topics lists them\)\n$/);
  });

  it("a SCHEMA_REGISTRY_URL at Apicurio's root (no /apis/ccompat/v7) is named as a wrong URL with the one to set, not as a stack that is down", async () => {
    const api = testStack().registryUrl;
    expect(api).toMatch(/\/apis\/ccompat\/v7$/);
    const root = api.replace(/\/apis\/ccompat\/v7$/, '');
    const result = await runEai(['bus', 'tail', unique('any'), '--until-end'], {
      env: { ...env(), SCHEMA_REGISTRY_URL: root },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `eai: ${root} answers GET /subjects with 404: that is Apicurio's server root, its Confluent-compatible API is ${api}; set SCHEMA_REGISTRY_URL=${api}\n`,
    );
  });

  it('tail leaves no consumer group behind: following until Ctrl-C, or reading to the end', async () => {
    const topic = unique('cli-tail-groups');
    const bus = testBus();
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const readers = (groups: string[]) => groups.filter((g) => /^eai-(tail|read)-/.test(g));
    const before = new Set(readers(await consumerGroupIds()));

    const child = spawn(process.execPath, ['cli/eai.js', 'bus', 'tail', topic], {
      env: { ...process.env, EAI_LOG_LEVEL: 'warn', ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const group = `eai-tail-${child.pid}-`;
    await waitFor('the tail in its group', async () =>
      (await consumerGroupIds()).some((g) => g.startsWith(group)),
    );
    const publisher = await bus.publisher();
    const mapped = await runEaiInProcess(['map', '--format', 'x12-856', '--input', asn, '--json']);
    const record = (JSON.parse(mapped.stdout) as Array<{ schema: string; value: never }>)[0]!;
    try {
      await waitFor(
        'the record tailed',
        async () => {
          if (!stdout) await publisher.publish([{ schema: record.schema, topic, value: record.value }]);
          return stdout.includes(`"topic":"${topic}"`);
        },
        20_000,
      );
    } finally {
      await publisher.close();
    }
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect((await consumerGroupIds()).filter((g) => g.startsWith(group))).toEqual([]);

    const read = await runEai(['bus', 'tail', topic, '--from-beginning', '--until-end'], { env: env() });
    expect(read.code, read.stderr).toBe(0);
    expect(readers(await consumerGroupIds()).filter((g) => !before.has(g))).toEqual([]);
  }, 60_000);
});

describe('eai bus create-topic | eai bus topics', () => {
  it('creates a topic as asked, leaves an existing one as it is, lists topics by prefix, and refuses a bad name in one line', async () => {
    const prefix = unique('cli-topics');
    const compacted = `${prefix}.state`;
    const made = await runEai(
      ['bus', 'create-topic', compacted, '--partitions', '2', '--compact', '--json'],
      {
        env: env(),
      },
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toBe('');
    expect(JSON.parse(made.stdout)).toEqual({
      topic: compacted,
      created: true,
      partitions: 2,
      cleanupPolicy: 'compact',
    });
    const again = await runEaiInProcess(['bus', 'create-topic', compacted, '--partitions', '5'], {
      env: env(),
    });
    expect(again.stdout.trim()).toBe(`${compacted} exists already (2 partitions, compact): left as it is`);
    await runEaiInProcess(['bus', 'create-topic', `${prefix}.out`], { env: env() });
    const bus = testBus();
    const publisher = await bus.publisher();
    await publisher.publish([
      { schema: 'CustomerEvent', topic: `${prefix}.out`, value: exampleJson('CustomerEvent') as never },
    ]);
    await publisher.close();

    const listed = await runEaiInProcess(['bus', 'topics', prefix, '--json'], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      { topic: `${prefix}.out`, partitions: 3, records: 1, cleanupPolicy: 'delete' },
      { topic: compacted, partitions: 2, records: 0, cleanupPolicy: 'compact' },
    ]);
    const table = await runEai(['bus', 'topics', prefix], { env: env() });
    expect(table.stdout).toMatch(
      new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.state\\s+2\\s+0\\s+compact$`, 'm'),
    );

    const bad = await runEaiInProcess(['bus', 'create-topic', 'no spaces'], { env: env() });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe(
      'eai: topic name "no spaces": use 1 to 249 letters, digits, dots, underscores and hyphens (Kafka\'s rule)',
    );
  });
});

describe('eai bus topics on a broker where topics come and go', () => {
  it('leaves out a topic deleted since the listing, at once, instead of failing the listing', async () => {
    const admin = createTransport({
      brokers: testStack().brokers.split(','),
      clientId: 'topics-spec',
      quiet: true,
    }).admin();
    await admin.connect();
    const kept = unique('topics-kept');
    try {
      await admin.createTopics([{ topic: kept, partitions: 2 }]);
      // As the listing would have named a topic another test run deleted before its row was read.
      const started = Date.now();
      const rows = await topicRows(admin, [unique('topics-gone'), kept]);
      expect(rows).toEqual([{ topic: kept, partitions: 2, records: 0, cleanupPolicy: 'delete' }]);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await admin.deleteTopics([kept]).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
