import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findMapping } from './index.ts';

/**
 * A named mapping (a connector's `mapping:`) is compiled once, and again when its file, a lookup table or an import
 * changed: a connector restarted after its mapping was edited maps with the edited one, not with what the process
 * read first.
 */

const dir = mkdtempSync(join(tmpdir(), 'eai-find-mapping-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mapping = (status: string) => `description: a partner's customers
input: csv
output: eai.canonical.CustomerEvent
onlyByName: true
lookups:
  kinds: kinds.yaml
imports: [helpers.yaml]
fixtures:
  inputs: fixtures
  expected: expected
fields:
  changeType: "'CREATED'"
  occurredAt: "'2024-01-01T00:00:00Z'"
  origin:
    system: "$lookup('kinds', 'system')"
    documentId: "$prefix('1')"
  customer:
    customerId: "'c1'"
    kind: "'${status}'"
    sourceIds: "[]"
`;

describe('findMapping', () => {
  it('compiles a mapping again once it, a lookup table or an import changed on disk', () => {
    const file = join(dir, 'partner.to-canonical.yaml');
    writeFileSync(file, mapping('ORGANIZATION'));
    writeFileSync(join(dir, 'kinds.yaml'), 'system: crm\n');
    writeFileSync(join(dir, 'helpers.yaml'), 'prefix: "function($x) { \'doc-\' & $x }"\n');
    const first = findMapping('partner.to-canonical.yaml', dir);
    expect(findMapping('partner.to-canonical.yaml', dir)).toBe(first);
    expect(first.files).toEqual([file, join(dir, 'kinds.yaml'), join(dir, 'helpers.yaml')]);

    writeFileSync(join(dir, 'kinds.yaml'), 'system: partner-crm\n');
    const tableChanged = findMapping('partner.to-canonical.yaml', dir);
    expect(tableChanged).not.toBe(first);
    expect(tableChanged.tables.kinds).toEqual({ system: 'partner-crm' });

    writeFileSync(join(dir, 'helpers.yaml'), 'prefix: "function($x) { \'document-\' & $x }"\n');
    const importChanged = findMapping('partner.to-canonical.yaml', dir);
    expect(importChanged).not.toBe(tableChanged);
    expect(importChanged.spec.let.prefix).toContain('document-');

    writeFileSync(file, mapping('PERSON'));
    const fileChanged = findMapping('partner.to-canonical.yaml', dir);
    expect(fileChanged).not.toBe(importChanged);
    expect(JSON.stringify(fileChanged.spec.fields)).toContain('PERSON');
    expect(findMapping('partner.to-canonical.yaml', dir)).toBe(fileChanged);
  });
});
