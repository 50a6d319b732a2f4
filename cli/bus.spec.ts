import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { exampleJson } from '../schemas/examples.ts';
import { closedPort, listeningPort } from '../tests/ports.ts';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';
import { creationProblem, keyAndHeaders, startOffset, tailStart } from './commands/bus.ts';
import { readPublishJson, toPublishInputs } from './publish-input.ts';

const shipment = exampleJson('ShipmentEvent');
const order = exampleJson('SalesOrderEvent');

describe('what eai bus publish accepts', () => {
  it('eai map output: each record with its own schema and key', () => {
    const mapped = [
      { schema: 'eai.canonical.ShipmentEvent', key: 'edi:ACME:ASN-1', value: shipment },
      { schema: 'eai.canonical.ShipmentEvent', key: 'edi:ACME:ASN-2', value: shipment },
    ];
    expect(toPublishInputs(mapped, { topic: 'canonical.shipment' })).toEqual([
      { schema: 'ShipmentEvent', topic: 'canonical.shipment', key: 'edi:ACME:ASN-1', value: shipment },
      { schema: 'ShipmentEvent', topic: 'canonical.shipment', key: 'edi:ACME:ASN-2', value: shipment },
    ]);
    // --key overrides every record's key.
    expect(toPublishInputs(mapped, { topic: 'canonical.shipment', key: 'k' })[1]!.key).toBe('k');
  });

  it('a bare value or an array of them, with --type; without --type it says so', () => {
    expect(toPublishInputs(order, { topic: 'canonical.sales-order', type: 'SalesOrderEvent' })).toEqual([
      { schema: 'SalesOrderEvent', topic: 'canonical.sales-order', value: order },
    ]);
    expect(toPublishInputs([order, order], { topic: 't', type: 'SalesOrderEvent' })).toHaveLength(2);
    expect(() => toPublishInputs(order, { topic: 't' })).toThrow(/^--type is required for bare values/);
    expect(() => toPublishInputs([], { topic: 't', type: 'SalesOrderEvent' })).toThrow(/nothing to publish/);
  });

  it('refuses a schema its canonical topic does not carry, and a record that contradicts --type', () => {
    expect(() => toPublishInputs(shipment, { topic: 'canonical.customer', type: 'ShipmentEvent' })).toThrow(
      new ConfigError('topic canonical.customer carries eai.canonical.CustomerEvent, not ShipmentEvent'),
    );
    const mapped = [{ schema: 'eai.canonical.ShipmentEvent', key: 'a', value: shipment }];
    expect(() => toPublishInputs(mapped, { topic: 't', type: 'SalesOrderEvent' })).toThrow(
      'record 0 is a ShipmentEvent, but --type says SalesOrderEvent',
    );
  });
});

describe('eai bus publish reads JSON lines', () => {
  const file = (name: string, text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'eai-publish-')), name);
    writeFileSync(path, text);
    return path;
  };

  it('what eai bus tail prints, a record a line: each published with its schema and key', async () => {
    // Two lines as `eai bus tail` writes them (topic, offset, headers… beside schema, key and value).
    const tailed = [order, order].map((value, offset) =>
      JSON.stringify({
        topic: 'canonical.sales-order',
        partition: 0,
        offset: String(offset),
        key: `sap:${offset}`,
        headers: { ce_id: `id-${offset}` },
        schema: 'eai.canonical.SalesOrderEvent',
        schemaId: 1,
        value,
      }),
    );
    const parsed = await readPublishJson(file('tail.jsonl', `${tailed.join('\n')}\n\n`));
    expect(toPublishInputs(parsed, { topic: 'dev.orders' })).toEqual([
      { schema: 'SalesOrderEvent', topic: 'dev.orders', key: 'sap:0', value: order },
      { schema: 'SalesOrderEvent', topic: 'dev.orders', key: 'sap:1', value: order },
    ]);
    // Bare values a line, with --type, and CRLF line ends.
    const bare = await readPublishJson(
      file('bare.jsonl', `${JSON.stringify(order)}\r\n${JSON.stringify(order)}`),
    );
    expect(toPublishInputs(bare, { topic: 't', type: 'SalesOrderEvent' })).toHaveLength(2);
  });

  it('a broken line is named by its number; a broken JSON text is still said to be one', async () => {
    await expect(
      readPublishJson(file('bad.jsonl', `${JSON.stringify(order)}\n{"schema": \n`)),
    ).rejects.toThrow(/^.*bad\.jsonl line 2: not valid JSON: .* \(JSON lines: one value a line\)$/);
    await expect(readPublishJson(file('bad.json', '{\n  "changeType": "CREATED",\n}\n'))).rejects.toThrow(
      /bad\.json: not valid JSON: /,
    );
  });
});

describe('eai bus publish fails fast and in one line', () => {
  let kafka: number;
  let registry: number;
  let silent: Awaited<ReturnType<typeof listeningPort>>;
  /** Seconds the same command takes to start and print its help, measured side by side: bounds below exclude it. */
  let startUp: number;
  beforeAll(async () => {
    kafka = await closedPort();
    registry = await closedPort();
    silent = await listeningPort(true);
    startUp = (await runEai(['bus', 'publish', '--help'])).seconds;
  });
  afterAll(() => silent.close());
  const env = (brokers: string) => ({
    KAFKA_BROKERS: brokers,
    SCHEMA_REGISTRY_URL: `http://127.0.0.1:${registry}/apis/ccompat/v7`,
    EAI_LOG_LEVEL: 'info',
  });
  const args = ['bus', 'publish', 'canonical.shipment', '--type', 'ShipmentEvent'];
  const input = JSON.stringify(shipment);

  it('a ShipmentEvent to canonical.customer: named before anything is encoded or sent', async () => {
    const result = await runEai(['bus', 'publish', 'canonical.customer', '--type', 'ShipmentEvent'], {
      env: env(`127.0.0.1:${kafka}`),
      stdin: input,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'eai: topic canonical.customer carries eai.canonical.CustomerEvent, not ShipmentEvent\n',
    );
  });

  it('a topic name Kafka refuses: named before Kafka is asked (it was kafkajs\'s bare "Topic creation errors")', async () => {
    const result = await runEai(['bus', 'publish', 'my orders', '--type', 'ShipmentEvent'], {
      env: env(`127.0.0.1:${kafka}`),
      stdin: input,
    });
    expect([result.code, result.stderr]).toEqual([
      1,
      'eai: topic name "my orders": use 1 to 249 letters, digits, dots, underscores and hyphens (Kafka\'s rule)\n',
    ]);
  });

  it('Kafka down (a closed port): one line naming the brokers and what to do, within 4 s of start-up', async () => {
    const result = await runEai(args, { env: env(`127.0.0.1:${kafka}`), stdin: input });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^eai: cannot reach Kafka at 127\\.0\\.0\\.1:${kafka} \\(.*ECONNREFUSED.*\\): is the stack up\\? npx eai stack up, or set KAFKA_BROKERS\\n$`,
      ),
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.seconds - startUp).toBeLessThan(4);
  });

  it('a Kafka security setting that cannot work: its own line naming the variable, not a stack that is down', async () => {
    const result = await runEai(args, {
      env: { ...env(`127.0.0.1:${kafka}`), EAI_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' },
      stdin: input,
    });
    expect([result.code, result.stderr]).toEqual([
      1,
      'eai: EAI_KAFKA_SASL_MECHANISM: required with EAI_KAFKA_SECURITY_PROTOCOL=SASL_SSL: set one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER\n',
    ]);
  });

  it('a broker that accepts connections but never answers: the same line, within the 5 s probe plus 3 s of start-up', async () => {
    const result = await runEai(args, { env: env(`127.0.0.1:${silent.port}`), stdin: input });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^eai: cannot reach Kafka at 127\\.0\\.0\\.1:${silent.port} \\(.+\\): is the stack up\\?.*\\n$`,
      ),
    );
    expect(result.seconds - startUp).toBeLessThan(8);
  });
});

// The refusals before Kafka is reached run through the CLI's entry in this process (no Node start each); the
// publish specs above run real processes (stdin, the time from start-up).
describe('eai bus tail --max', () => {
  it('refuses a count that is not a positive integer in one line, before reaching Kafka', async () => {
    for (const max of ['0', 'ten', '-3']) {
      const run = await runEaiInProcess(['bus', 'tail', 'canonical.customer', '--max', max], {
        env: { KAFKA_BROKERS: '127.0.0.1:9', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9' },
        timeoutMs: 20_000,
      });
      expect([run.code, run.stderr], max).toEqual([1, 'eai: --max must be a positive integer\n']);
    }
  }, 60_000);
});

describe('eai bus tail --offset / --since / --partition', () => {
  it('refuses a start it cannot read, or two starts, in one line before reaching Kafka', async () => {
    const cases: Array<[string[], string]> = [
      [['--offset', 'x'], '--offset must be a whole number (-n: n before the end), got "x"'],
      [['--partition', '-1'], '--partition must be a partition number (0, 1, …), got "-1"'],
      [
        ['--since', 'yesterday'],
        '--since must be an ISO 8601 time (2026-12-01T08:00:00Z) or ms since the epoch, got "yesterday"',
      ],
      [['--from-beginning', '--offset', '3'], '--from-beginning and --offset: give one start, not both'],
    ];
    for (const [args, message] of cases) {
      const run = await runEaiInProcess(['bus', 'tail', 'canonical.customer', ...args], {
        env: { KAFKA_BROKERS: '127.0.0.1:9', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9' },
        timeoutMs: 20_000,
      });
      expect([run.code, run.stderr], args.join(' ')).toEqual([1, `eai: ${message}\n`]);
    }
  }, 60_000);

  it('starts at the offset, n before the end, or the time, within what the partition holds', () => {
    const partition = { partition: 0, low: '10', high: '20' };
    expect(startOffset(partition, undefined, undefined)).toBe('10');
    expect(startOffset(partition, 15n, undefined)).toBe('15');
    expect(startOffset(partition, -3n, undefined)).toBe('17');
    expect(startOffset(partition, 3n, undefined)).toBe('10');
    expect(startOffset(partition, -30n, undefined)).toBe('10');
    expect(startOffset(partition, 99n, undefined)).toBe('20');
    expect(startOffset(partition, undefined, '18')).toBe('18');
    expect(tailStart({ since: '1700000000000', partition: '2' })).toEqual({
      offset: undefined,
      since: 1_700_000_000_000,
      partition: 2,
    });
    expect(tailStart({ since: '2026-12-01T08:00:00Z' }).since).toBe(Date.parse('2026-12-01T08:00:00Z'));
  });
});

describe('creationProblem: why Kafka refused a topic', () => {
  it("says the broker's reason kafkajs keeps in errors, and what to change for a replication factor", () => {
    const refused = Object.assign(new Error('Topic creation errors'), {
      errors: [{ message: 'Replication-factor is invalid', type: 'INVALID_REPLICATION_FACTOR' }],
    });
    expect(creationProblem(refused)).toBe(
      'Replication-factor is invalid (INVALID_REPLICATION_FACTOR): --replication-factor may be at most the number of brokers',
    );
    expect(creationProblem(new Error('Connection error'))).toBe('Connection error');
  });
});

describe('eai bus tail: keys and headers that are not UTF-8', () => {
  // A Java producer's Avro key (Confluent wire format) and a binary header: decoded as UTF-8 regardless, their bytes
  // came out as U+FFFD, and eai bus tail | eai bus publish wrote the mangled key (another partition, another entity).
  const avroKey = Buffer.from([0, 0, 0, 0, 7, 0x0e, 0xff, 0x80]);

  it('prints them as base64, the text ones as text', () => {
    expect(
      keyAndHeaders({
        key: avroKey,
        headers: { ce_id: Buffer.from('a1'), trace: Buffer.from([0xff, 0x00, 0x01]) },
      }),
    ).toEqual({
      key: null,
      keyBase64: avroKey.toString('base64'),
      headers: { ce_id: 'a1' },
      headersBase64: { trace: '/wAB' },
    });
    expect(keyAndHeaders({ key: Buffer.from('sap:PO-4711'), headers: {} })).toEqual({
      key: 'sap:PO-4711',
      headers: {},
    });
    expect(keyAndHeaders({ key: null, headers: {} })).toEqual({ key: null, headers: {} });
  });

  it('eai bus publish refuses a line with a binary key instead of publishing it under another key', () => {
    const line = {
      schema: 'eai.canonical.SalesOrderEvent',
      key: null,
      keyBase64: avroKey.toString('base64'),
      value: order,
    };
    expect(() => toPublishInputs([line], { topic: 'canonical.sales-order' })).toThrow(
      'record 0 has a binary key (keyBase64), which eai bus publish cannot write: give --key, or copy the topic with a Kafka client',
    );
    expect(toPublishInputs([line], { topic: 'canonical.sales-order', key: 'k' })[0]!.key).toBe('k');
  });
});
