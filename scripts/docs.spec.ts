import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docFiles, renderDoc } from './config-docs.ts';

describe('generated docs', () => {
  for (const file of docFiles()) {
    it(`${file}: generated tables match the code (run \`npm run docs\` after changing it)`, () => {
      const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
      expect(renderDoc(file, text)).toBe(text);
    });
  }

  it('the tables hold what they render from', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('| `KAFKA_BROKERS` |');
    expect(readme).toContain('| `EAI_ADMIN_TOKENS` |');
    const mappings = readFileSync(new URL('../docs/mappings.md', import.meta.url), 'utf8');
    expect(mappings).toContain('| `options.timeZone` | no |');
    expect(mappings).toContain('| `sap-idoc-orders05` | ERP |');
    expect(mappings).toContain('| `json` | ANY | A JSON object per document');
    const connectors = readFileSync(new URL('../docs/connectors.md', import.meta.url), 'utf8');
    expect(connectors).toContain('| `mappingsBySender` | object | no |');
    expect(connectors).toContain('### `file-source` (source)');
    expect(connectors).toMatch(/\| `signature\.secret` \| string \| yes \|/);
  });

  it('options that ask for a secret reference write it as the resolver reads it, never as a bare env:NAME', () => {
    // A bare `env:NAME` written as the docs said would be taken as the secret itself, verbatim.
    const connectors = readFileSync(new URL('../docs/connectors.md', import.meta.url), 'utf8');
    expect(connectors.match(/(?<!\$\{)env:NAME/g) ?? []).toEqual([]);
    expect(connectors).toContain(
      "| `clientSecret` | string | yes | The connected app's consumer secret; write an environment reference (`$" +
        '{env:NAME}`)',
    );
  });
});
