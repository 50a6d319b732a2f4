import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../index.ts';
import { loadDeployment } from '../runtime/definition.ts';

/**
 * A batching sink's `batchSize` is capped at what its API takes in one request (HubSpot's batch upsert 100 inputs,
 * Salesforce's sObject Collections 200 records): a deployment file asking for more is refused when it is read, with
 * the file, the field and the limit, not sent and answered 400 record after record.
 */
const dir = mkdtempSync(join(tmpdir(), 'eai-batch-size-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plugins = new Map(builtinPlugins.map((p) => [p.type, p]));

const salesforce = 'instanceUrl: http://127.0.0.1:1\n  clientId: eai-hub\n  clientSecret: secret';
const sinks = [
  {
    type: 'hubspot-upsert-sink',
    config: 'baseUrl: http://127.0.0.1:1\n  accessToken: token',
    max: 100,
    system: 'HubSpot',
  },
  { type: 'salesforce-upsert-sink', config: salesforce, max: 200, system: 'Salesforce' },
  { type: 'salesforce-order-status-sink', config: salesforce, max: 200, system: 'Salesforce' },
];

/** A deployment folder of one file, `<name>.yaml`, defining a sink of `type` with `config` and `batchSize`. */
function deployment(name: string, type: string, config: string, batchSize: number): string {
  const folder = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(
    join(folder, `${name}.yaml`),
    `name: ${name}\ntype: ${type}\ntopics: [canonical.customer]\nconfig:\n  ${config}\n  batchSize: ${batchSize}\n`,
  );
  return folder;
}

describe("a batching sink's batchSize in a deployment file", () => {
  it.each(sinks)(
    '$type: above $max is refused, naming the file, the field, the limit and the system',
    ({ type, config, max, system }) => {
      const folder = deployment(`${type}-too-big`, type, config, max + 1);
      expect(() => loadDeployment(folder, plugins)).toThrow(
        new RegExp(
          `${type}-too-big\\.yaml: config\\.batchSize: at most ${max}: ${system} takes no more in one request`,
        ),
      );
    },
  );

  it.each(sinks)('$type: $max, the limit itself, is taken', ({ type, config, max }) => {
    const folder = deployment(`${type}-at-limit`, type, config, max);
    const [definition] = loadDeployment(folder, plugins);
    expect(definition!.config).toMatchObject({ batchSize: max });
  });
});
