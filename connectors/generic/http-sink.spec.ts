import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../index.ts';
import { checkDeployment } from '../runtime/definition.ts';

/** The worked example of the HTTP sink's mapped mode in docs/connectors.md, as written there. */
function docsExample(): string {
  const text = readFileSync(new URL('../../docs/connectors.md', import.meta.url), 'utf8');
  const found = /```yaml\n(# deploy\/partner-customers\.yaml[\s\S]*?)```/.exec(text);
  if (!found) throw new Error('docs/connectors.md lost its deploy/partner-customers.yaml example');
  return found[1]!;
}

describe('http-sink with a mapping: the docs example', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    delete process.env.PARTNER_TOKEN;
  });

  it('is accepted as `eai connectors validate` checks it (its token set in the environment)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-http-sink-docs-'));
    dirs.push(dir);
    const file = join(dir, 'partner-customers.yaml');
    writeFileSync(file, docsExample());
    process.env.PARTNER_TOKEN = 'token-from-the-environment';
    const [check] = checkDeployment(file, new Map(builtinPlugins.map((p) => [p.type, p])));
    expect(check).toMatchObject({ name: 'partner-customers', type: 'http-sink', errors: [] });
    expect(check!.definition).toMatchObject({ mapping: 'csv/customer-table.from-canonical.yaml' });
  });
});
