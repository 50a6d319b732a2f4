import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMapping } from '../mappings/engine/compile.ts';
import { canonicalValues } from '../mappings/engine/run.ts';
import { loadMappingFile } from '../mappings/engine/spec.ts';
import { inboundMapping, writeWithMapping } from '../mappings/index.ts';

// The worked example of docs/mappings.md, run as written: every `sh` block's commands in a folder that looks like
// the repository (its formats/), every block titled with a path written to that path. If the doc's YAML, tree keys
// or commands stop working, this fails.
const repo = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(join(repo, 'docs/mappings.md'), 'utf8');
const section = doc.slice(
  doc.indexOf('## Worked example'),
  doc.indexOf('\n## ', doc.indexOf('## Worked example') + 3),
);

interface Block {
  lang: string;
  title?: string;
  body: string;
}

function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  for (const m of markdown.matchAll(/^( *)```(\w+)([^\n]*)\n([\s\S]*?)^\1```$/gm)) {
    const indent = m[1]!.length;
    const body = m[4]!
      .split('\n')
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n');
    const title = /title=(\S+)/.exec(m[3]!)?.[1];
    found.push({ lang: m[2]!, title, body });
  }
  return found;
}

const work = mkdtempSync(join(tmpdir(), 'eai-worked-example-'));
symlinkSync(join(repo, 'formats'), join(work, 'formats'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// `npx eai …` as the doc writes it, run by this Node on this checkout's cli/eai.js.
const prelude = `npx() { if [ "$1" = eai ]; then shift; "$EAI_NODE" "$EAI_CLI" "$@"; else echo "npx $1: not in the doc's commands" >&2; return 1; fi; }\nset -e\n`;

function sh(script: string) {
  const run = spawnSync('bash', ['-c', prelude + script], {
    cwd: work,
    encoding: 'utf8',
    env: {
      ...process.env,
      EAI_NODE: process.execPath,
      EAI_CLI: join(repo, 'cli/eai.js'),
      EAI_LOG_LEVEL: 'warn',
    },
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function write(block: Block, body = block.body) {
  const path = join(work, block.title!);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
}

describe("docs/mappings.md's worked example, as written", () => {
  const all = blocks(section);

  it('has the files and commands it promises', () => {
    expect(all.filter((b) => b.title).map((b) => b.title)).toEqual([
      'mappings/acme/lookups/acme-units.yaml',
      'mappings/acme/x12-850.to-canonical.yaml',
    ]);
    expect(all.filter((b) => b.lang === 'sh').length).toBe(3);
  });

  it('runs step by step: tree, type check, expected outputs written, then the CI check passes', () => {
    const outputs: string[] = [];
    for (const block of all) {
      if (block.title) write(block);
      else if (block.lang === 'sh') {
        const run = sh(block.body);
        expect(run.code, `${block.body}\n${run.stderr}`).toBe(0);
        outputs.push(run.stdout);
      }
    }
    // Step 1 printed the tree with the keys the mapping uses.
    const tree = JSON.parse(outputs[0]!) as Array<{ tree: Record<string, unknown> }>;
    expect(Object.keys(tree[0]!.tree)).toEqual(
      expect.arrayContaining(['beg', 'currency', 'parties', 'lines']),
    );
    // Step 3: types only, then the expected output written; step 4: everything green.
    expect(outputs[1]).toMatch(/0 type problems \(fixtures not run\)/);
    expect(outputs[1]).toMatch(
      /ok {4}mappings\/acme\/fixtures\/partner-acme\.edi \(expected output written\)/,
    );
    expect(outputs[2]).toMatch(/1 mapping: 0 type problems, 1\/1 fixtures equal to their expected output/);

    const expected = JSON.parse(
      readFileSync(join(work, 'mappings/acme/x12-850.expected/partner-acme.edi.json'), 'utf8'),
    ) as Array<{ key: string; value: { salesOrder: Record<string, unknown> } }>;
    const order = expected[0]!.value.salesOrder as {
      currency: string;
      customer: { name: string };
      lines: Array<{ quantity: { unitCode: string }; item: { buyerItemId: string | null } }>;
    };
    // Values from the document, not fallbacks: CUR's EUR (not the USD default), the ST party's name, PK via lookup.
    expect(expected[0]!.key).toBe('edi:ACME:PO-RICH-1');
    expect(order.currency).toBe('EUR');
    expect(order.customer.name).toBe('BIGRETAIL DC 7');
    expect(order.lines.map((l) => l.quantity.unitCode)).toEqual(['EA', 'PK', 'EA']);
    expect(order.lines[0]!.item.buyerItemId).toBe('BUY-55');
  }, 120_000);

  it('the error the doc quotes for a forgotten status is the one map check prints', () => {
    const quoted = /leave out\s+the `status` line and it says\s+`([^`]+)`/.exec(section)?.[1];
    expect(quoted).toBeDefined();
    const mapping = all.find((b) => b.title?.endsWith('.to-canonical.yaml'))!;
    write(
      mapping,
      mapping.body
        .split('\n')
        .filter((line) => !/^\s+status:/.test(line))
        .join('\n'),
    );
    const run = sh('npx eai map check mappings/acme --types-only');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(quoted!);
    write(mapping);
  }, 60_000);
  it("leaves the format's shipped mapping its default, and without onlyByName the error says how to choose", () => {
    const mapping = all.find((b) => b.title?.endsWith('.to-canonical.yaml'))!;
    const units = all.find((b) => b.title?.endsWith('acme-units.yaml'))!;
    const beside = (body: string) => {
      const dir = mkdtempSync(join(work, 'catalog-'));
      mkdirSync(join(dir, 'edi'));
      copyFileSync(
        join(repo, 'mappings/edi/x12-850.to-canonical.yaml'),
        join(dir, 'edi/x12-850.to-canonical.yaml'),
      );
      mkdirSync(join(dir, 'acme/lookups'), { recursive: true });
      writeFileSync(join(dir, 'acme/x12-850.to-canonical.yaml'), body);
      writeFileSync(join(dir, 'acme/lookups/acme-units.yaml'), units.body);
      return dir;
    };
    // As written: plain `eai map --format x12-850` (and a connector naming no mapping) still gets the shipped one.
    expect(inboundMapping('x12-850', beside(mapping.body)).file).toMatch(/edi\/x12-850\.to-canonical\.yaml$/);
    const without = mapping.body
      .split('\n')
      .filter((line) => !/^\s*onlyByName:/.test(line))
      .join('\n');
    expect(() => inboundMapping('x12-850', beside(without))).toThrow(
      /several mappings read format "x12-850" \(.*\): name the one to use \(eai map --mapping <file>, a connector's mapping:\)/,
    );
  });
});

describe("docs/mappings.md's way back: the CSV mapping it shows writes the table it shows", () => {
  const start = doc.indexOf('## The way back');
  const back = blocks(doc.slice(start, doc.indexOf('\n## ', start + 3)));

  it('as written, on the shipped organization fixture', async () => {
    const yaml = back.find((b) => b.lang === 'yaml')!;
    const shown = back[back.indexOf(yaml) + 1]!;
    const dir = mkdtempSync(join(work, 'way-back-'));
    writeFileSync(join(dir, 'customer.from-canonical.yaml'), yaml.body);
    const mapping = compileMapping(loadMappingFile(join(dir, 'customer.from-canonical.yaml')));
    const records = readFileSync(
      join(repo, 'mappings/csv/fixtures/canonical/organization-quotes-umlauts.json'),
      'utf8',
    );
    const [table] = await writeWithMapping(mapping, canonicalValues(records));
    // The doc shows the table with plain line ends; the writer ends each line with CRLF (a line break in a cell stays).
    expect(table!.toString('utf8').replaceAll('\r\n', '\n')).toBe(shown.body);
  });
});
