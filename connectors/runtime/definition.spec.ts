import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../index.ts';
import { loadDeployment } from './definition.ts';

/**
 * A deployment file is checked whole at start: a misspelt option of the plugin's own `config` is refused with the
 * file and the field, as one of the definition's common fields is, never dropped (a `patern:` ignored takes every
 * file of the folder, a `readymarker:` ignored reads files before their sender finished them).
 */
const dir = mkdtempSync(join(tmpdir(), 'eai-definition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plugins = new Map(builtinPlugins.map((p) => [p.type, p]));

function deployment(name: string, yaml: string): string {
  const folder = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(folder, `${name}.yaml`), `name: ${name}\n${yaml}`);
  return folder;
}

describe('a deployment file with an option its connector type does not have', () => {
  it('refuses a misspelt config option, naming the file and the field', () => {
    const folder = deployment('typo', 'type: file-source\nconfig:\n  dir: in\n  patern: "*.xml"\n');
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /typo\.yaml: config\.patern: not an option of file-source/,
    );
  });

  it('refuses one inside a nested option (a signature), naming its path', () => {
    const folder = deployment(
      'nested',
      'type: webhook-source\nformat: x12-856\nconfig:\n  signature: { scheme: hmac-sha256, secret: s, prefx: "sha256=" }\n',
    );
    expect(() => loadDeployment(folder, plugins)).toThrow(
      /nested\.yaml: config\.signature\.prefx: not an option of webhook-source/,
    );
  });

  it('takes a file whose options are all known, defaults filled in', () => {
    const folder = deployment(
      'fine',
      'type: webhook-source\nformat: x12-856\nconfig:\n  signature: { scheme: hmac-sha256, secret: s, header: X-Sig }\n  json: false\n',
    );
    expect(loadDeployment(folder, plugins)).toMatchObject([{ name: 'fine', type: 'webhook-source' }]);
  });
});
