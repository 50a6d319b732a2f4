import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { loadMappingFile } from './engine/spec.ts';
import { inboundMapping, loadMappings, mappingFiles, mappingsDir } from './index.ts';

/**
 * The catalog compiles only the mapping a connector or command chooses: compiling every shipped mapping on a
 * connector's first document held the event loop for seconds (a worker lost its Kafka group membership), and one
 * broken mapping of another format stopped every format.
 */

const dir = mkdtempSync(join(tmpdir(), 'eai-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mapping = (input: string, orderNumber: string) => `description: ${input} for the catalog spec
input: ${input}
output: eai.canonical.CustomerEvent
fixtures:
  inputs: fixtures
  expected: expected
fields:
  changeType: "'CREATED'"
  occurredAt: "'2024-01-01T00:00:00Z'"
  origin:
    system: "'spec'"
  customer:
    id: ${orderNumber}
`;

describe('the mapping catalog', () => {
  it("compiles a format's mapping alone: another format's broken one neither costs nor stops it", () => {
    mkdirSync(join(dir, 'good'));
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'good/customers.to-canonical.yaml'), mapping('json', "'c-1'"));
    // A syntax error in an expression: compileMapping refuses it, naming the file and the field.
    writeFileSync(join(dir, 'broken/orders.to-canonical.yaml'), mapping('csv', '"$substring(("'));

    expect(inboundMapping('json', dir).file).toMatch(/good\/customers\.to-canonical\.yaml$/);
    // The broken one is found when it is the one chosen, and when the whole catalog is asked for.
    expect(() => inboundMapping('csv', dir)).toThrow(
      /broken\/orders\.to-canonical\.yaml:\d+: .*customer\.id/,
    );
    expect(() => loadMappings(dir)).toThrow(ConfigError);
  });
});

describe('a shipped mapping copied beside a deployment (docs: "in a copy of this mapping for this partner")', () => {
  // Trial: the EDIFACT ORDERS mapping copied into a partner's folder was refused, its import
  // lib/edifact-items-and-places.yaml (beside the shipped file, in mappings/edi/lib/) found neither beside the copy
  // nor under mappings/lib/. Every table and import a shipped mapping names is found from a copy anywhere.
  const deployment = mkdtempSync(join(tmpdir(), 'eai-partner-copies-'));
  afterAll(() => rmSync(deployment, { recursive: true, force: true }));
  const shipped = mappingFiles()
    .filter((file) => !file.includes('/testdata/'))
    .map((file) => relative(mappingsDir, file));
  it.each(shipped)('%s finds its tables and imports', (name) => {
    const partner = join(deployment, basename(name, '.yaml'));
    mkdirSync(partner, { recursive: true });
    copyFileSync(join(mappingsDir, name), join(partner, basename(name)));
    expect(() => loadMappingFile(join(partner, basename(name)))).not.toThrow();
  });
});
