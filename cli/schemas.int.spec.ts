/**
 * `eai schemas ls` and `show` against the real registry: an operator sees the subjects, their versions, ids and rules,
 * and one subject's schema, without curl.
 */
import { describe, expect, it } from 'vitest';
import { createRegistryClient } from '../bus/registry.ts';
import { canonicalSchemas, loadSchema } from '../schemas/catalog.ts';
import { runEai } from '../tests/run-eai.ts';
import { testStack, unique } from '../tests/stack.ts';

const env = () => ({ KAFKA_BROKERS: testStack().brokers, SCHEMA_REGISTRY_URL: testStack().registryUrl });

describe('eai schemas ls / show', () => {
  it('lists the subjects of a prefix with versions, id, rule and record type, and shows one version', async () => {
    const prefix = unique('schemas-ls');
    const client = createRegistryClient(testStack().registryUrl);
    const customer = loadSchema(canonicalSchemas.find((s) => s.name === 'CustomerEvent')!.file) as {
      fields: Array<{ name: string; type: unknown; default?: unknown }>;
    };
    const firstId = await client.register(`${prefix}.customer-value`, customer);
    // A second, compatible version (a new field with a default).
    const widened = {
      ...customer,
      fields: [...customer.fields, { name: 'note', type: 'string', default: '' }],
    };
    const secondId = await client.register(`${prefix}.customer-value`, widened);
    await client.register(
      `${prefix}.shipment-value`,
      loadSchema(canonicalSchemas.find((s) => s.name === 'ShipmentEvent')!.file) as object,
    );

    const listed = await runEai(['schemas', 'ls', '--prefix', prefix, '--json'], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toEqual([
      {
        subject: `${prefix}.customer-value`,
        versions: 2,
        latest: 2,
        id: secondId,
        compatibility: 'BACKWARD',
        record: 'eai.canonical.CustomerEvent',
      },
      expect.objectContaining({
        subject: `${prefix}.shipment-value`,
        versions: 1,
        record: 'eai.canonical.ShipmentEvent',
      }),
    ]);
    const table = await runEai(['schemas', 'ls', '--prefix', prefix], { env: env() });
    expect(table.stdout).toMatch(
      new RegExp(
        `^${prefix}\\.customer-value +2 +2 +${secondId} +BACKWARD +eai\\.canonical\\.CustomerEvent$`,
        'm',
      ),
    );

    const first = await runEai(['schemas', 'show', `${prefix}.customer-value`, '--version', '1', '--json'], {
      env: env(),
    });
    expect(JSON.parse(first.stdout)).toMatchObject({
      version: 1,
      id: firstId,
      versions: [1, 2],
      compatibility: 'BACKWARD',
    });
    expect(JSON.parse(first.stdout).schema.fields.map((f: { name: string }) => f.name)).not.toContain('note');

    // A misspelt subject and a version it does not have: one line each, saying what there is.
    const misspelt = await runEai(['schemas', 'show', `${prefix}.custmer-value`], { env: env() });
    expect([misspelt.code, misspelt.stderr]).toEqual([
      1,
      `eai: no subject ${prefix}.custmer-value in the registry (did you mean "${prefix}.customer-value"?): eai schemas ls lists them\n`,
    ]);
    const none = await runEai(['schemas', 'show', `${prefix}.customer-value`, '--version', '7'], {
      env: env(),
    });
    expect(none.stderr).toBe(`eai: ${prefix}.customer-value has no version 7: its versions are 1, 2\n`);
    const empty = await runEai(['schemas', 'ls', '--prefix', `${prefix}-nothing`], { env: env() });
    expect(empty.stdout).toBe(`no subject starts with ${prefix}-nothing\n`);
  }, 60_000);
});

describe('eai schemas check --registry', () => {
  it("at Apicurio's server root instead of its API, names it with the URL to set", async () => {
    const root = new URL(testStack().registryUrl).origin;
    const run = await runEai(['schemas', 'check', '--registry', '--json'], {
      env: { ...env(), SCHEMA_REGISTRY_URL: root },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr).errors[0].message).toBe(
      `${root} answers GET /subjects with 404: that is Apicurio's server root, its Confluent-compatible API is ${root}/apis/ccompat/v7; set SCHEMA_REGISTRY_URL=${root}/apis/ccompat/v7`,
    );
  });
});
