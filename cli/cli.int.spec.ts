import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRegistryClient } from '../bus/registry.ts';
import { canonicalSchemas, loadSchema } from '../schemas/catalog.ts';
import { exampleJson } from '../schemas/examples.ts';
import { testStack, unique } from '../tests/stack.ts';

const run = promisify(execFile);
const eai = (args: string[]) =>
  run(process.execPath, ['cli/eai.js', ...args], {
    env: {
      ...process.env,
      KAFKA_BROKERS: testStack().brokers,
      SCHEMA_REGISTRY_URL: testStack().registryUrl,
      EAI_LOG_LEVEL: 'warn',
    },
    timeout: 60_000,
  });

describe('the eai CLI against the real stack', () => {
  it('stack status --json prints where the brokers and registry are', async () => {
    const { stdout } = await eai(['stack', 'status', '--json']);
    const status = JSON.parse(stdout) as { brokers: string; registryUrl: string; running: boolean };
    expect(status.brokers).toBe(testStack().brokers);
    expect(status.registryUrl).toBe(testStack().registryUrl);
    expect(status.running).toBe(true);
  });

  it('schemas check --registry --json asks the registry about each registered subject', async () => {
    const schema = canonicalSchemas.find((s) => s.name === 'CustomerEvent')!;
    const subject = `${schema.topic}-value`;
    await createRegistryClient(testStack().registryUrl).register(subject, loadSchema(schema.file) as object);
    const { stdout } = await eai(['schemas', 'check', '--registry', '--json']);
    const result = JSON.parse(stdout) as {
      ok: boolean;
      schemas: Array<{ schema: string; subject: string; registry?: { compatible: boolean } }>;
    };
    expect(result.ok).toBe(true);
    expect(result.schemas.find((s) => s.subject === subject)?.registry).toEqual({ compatible: true });
  });

  it('bus publish then bus tail shows the decoded event with its CloudEvents headers', async () => {
    const topic = unique('cli');
    const dir = mkdtempSync(join(tmpdir(), 'eai-cli-'));
    const input = join(dir, 'order.json');
    writeFileSync(input, JSON.stringify(exampleJson('SalesOrderEvent')));
    // A topic that is not canonical must exist: a misspelt one is refused, naming the closest, not created.
    await eai(['bus', 'create-topic', topic, '--partitions', '1']);
    const misspelt = await eai([
      'bus',
      'publish',
      `${topic}x`,
      '--type',
      'SalesOrderEvent',
      '--input',
      input,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(misspelt).toMatchObject({ code: 1 });
    expect((misspelt as { stderr: string }).stderr.trim()).toBe(
      `eai: topic ${topic}x does not exist (did you mean "${topic}"?): create it first (npx eai bus create-topic ${topic}x), or name another`,
    );
    // So is a misspelt canonical one: it waited, silent, for a topic no one creates.
    const canonical = await eai([
      'bus',
      'publish',
      'canonical.sales-ordr',
      '--type',
      'SalesOrderEvent',
      '--input',
      input,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(canonical).toMatchObject({ code: 1 });
    expect((canonical as { stderr: string }).stderr.trim()).toBe(
      'eai: topic canonical.sales-ordr does not exist (did you mean "canonical.sales-order"?): create it first (npx eai bus create-topic canonical.sales-ordr), or name another',
    );
    const published = await eai([
      'bus',
      'publish',
      topic,
      '--type',
      'SalesOrderEvent',
      '--key',
      'order-42',
      '--input',
      input,
      '--json',
    ]);
    const [sent] = JSON.parse(published.stdout) as Array<{ id: string; key: string }>;
    expect(sent!.key).toBe('order-42');

    const { stdout } = await eai(['bus', 'tail', topic, '--from-beginning', '--max', '1']);
    const line = JSON.parse(stdout.trim()) as {
      key: string;
      schema: string;
      headers: Record<string, string>;
      value: { salesOrder: { lines: Array<{ unitPrice: { amount: string } }> } };
    };
    expect(line.key).toBe('order-42');
    expect(line.schema).toBe('eai.canonical.SalesOrderEvent');
    expect(line.headers.ce_id).toBe(sent!.id);
    expect(line.headers.ce_type).toBe('eai.canonical.SalesOrderEvent');
    expect(line.value.salesOrder.lines[1]!.unitPrice.amount).toBe('0.004125');
  });

  it('bus publish refuses a value that does not fit the schema, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-cli-'));
    const input = join(dir, 'bad.json');
    const bad = exampleJson('SalesOrderEvent') as { salesOrder: { currency: unknown } };
    bad.salesOrder.currency = 42;
    writeFileSync(input, JSON.stringify(bad));
    const failed = await eai([
      'bus',
      'publish',
      'canonical.sales-order',
      '--type',
      'SalesOrderEvent',
      '--input',
      input,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/salesOrder\.currency/);
  });
});
