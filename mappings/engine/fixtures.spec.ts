import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMappings } from '../index.ts';
import { runFixtures } from './fixtures.ts';

/**
 * `eai map test --update` after adding one fixture must touch that fixture's expected output and no other: it
 * rewrote every expected file whose bytes differed from what it would write (four Odoo outputs whose final blank
 * line had been trimmed), so a newcomer's diff held files they never meant to change.
 */
const dir = mkdtempSync(join(tmpdir(), 'eai-fixtures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runFixtures with update', () => {
  it('rewrites a missing or different expected output, and leaves one that says the same as it is', async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('odoo/res-partner.from-canonical.yaml'));
    if (!mapping) throw new Error('no odoo res-partner mapping');
    const files = readdirSync(mapping.expectedDir).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    const [same, changed, missing] = files as [string, string, string];
    const expectedDir = mkdtempSync(join(dir, 'expected-'));
    for (const file of files) copyFileSync(join(mapping.expectedDir, file), join(expectedDir, file));
    const trimmed = `${readFileSync(join(expectedDir, same), 'utf8').trimEnd()}\n`;
    writeFileSync(join(expectedDir, same), trimmed);
    writeFileSync(join(expectedDir, changed), '[]\n');
    rmSync(join(expectedDir, missing));

    const results = await runFixtures({ ...mapping, expectedDir }, { update: true });
    const updated = (file: string) =>
      results.find((r) => r.input.endsWith(file.replace(/\.out$/, '')))?.updated;
    expect(readFileSync(join(expectedDir, same), 'utf8')).toBe(trimmed);
    expect(updated(same)).toBe(false);
    for (const file of [changed, missing]) {
      const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
      expect(json(join(expectedDir, file))).toEqual(json(join(mapping.expectedDir, file)));
      expect(updated(file)).toBe(true);
    }
  });
});

describe('an expected output whose fixture input is gone (trial: a partner fixture renamed)', () => {
  it('fails the run, naming it, and --update removes it (as Jest does an obsolete snapshot)', async () => {
    const mapping = loadMappings().find((m) => m.file.endsWith('odoo/res-partner.from-canonical.yaml'));
    if (!mapping) throw new Error('no odoo res-partner mapping');
    const expectedDir = mkdtempSync(join(dir, 'obsolete-'));
    for (const file of readdirSync(mapping.expectedDir))
      copyFileSync(join(mapping.expectedDir, file), join(expectedDir, file));
    writeFileSync(join(expectedDir, 'renamed-away.json.out'), '{}\n');

    const results = await runFixtures({ ...mapping, expectedDir });
    const obsolete = results.filter((r) => !r.ok);
    expect(obsolete).toEqual([
      expect.objectContaining({
        input: expect.stringMatching(/renamed-away\.json\.out$/),
        details: [
          expect.stringMatching(
            /^obsolete expected output: no fixture input renamed-away\.json in .* \(renamed or removed\? eai map test --update removes it\)$/,
          ),
        ],
      }),
    ]);

    const updated = await runFixtures({ ...mapping, expectedDir }, { update: true });
    expect(updated.find((r) => r.input.endsWith('renamed-away.json.out'))).toMatchObject({
      ok: true,
      removed: true,
    });
    expect(readdirSync(expectedDir)).not.toContain('renamed-away.json.out');
    expect((await runFixtures({ ...mapping, expectedDir })).every((r) => r.ok)).toBe(true);
  });
});
