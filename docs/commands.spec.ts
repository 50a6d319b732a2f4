import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../connectors/index.ts';
import { checkDeployment } from '../connectors/runtime/definition.ts';

// Every `npx eai …` line of the docs' `sh` blocks is copied as written by a newcomer in a fresh clone: each file it
// names must be there (a fixture of the repository), or be made by an earlier line of the same block (`cp`, `mkdir`,
// `iconv … >`, `--write`), or be visibly the reader's own (`<file>`). A name such as `asn.edi` that no clone holds
// fails at the first copy with ENOENT.
const repo = fileURLToPath(new URL('..', import.meta.url));

/** README.md, docs/*.md and every folder's README.md the repository keeps. */
export function docFilesWithCommands(root = repo): string[] {
  const found = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'reports') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md') && (entry.name === 'README.md' || relative(root, dir) === 'docs'))
        found.push(relative(root, path));
    }
  };
  for (const entry of readdirSync(root, { withFileTypes: true }))
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
      walk(join(root, entry.name));
  return [...new Set(found)];
}

/** The `sh` blocks of a markdown text (indented ones too), one string each. */
export function shBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^( *)```(?:sh|bash|shell)\n([\s\S]*?)^\1```$/gm)].map((m) => m[2]!);
}

const FILE = /\.(edi|xml|json|jsonl|csv|tsv|yaml|yml|txt)$/;
// Options whose value is a file or folder to read (an output, `--write` or `> file`, is made, not read).
const READS = new Set(['--input', '--mapping', '--deploy', '--labels', '--config', '--seed', '--set']);

function words(line: string): string[] {
  return (line.match(/'[^']*'|"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^['"]|['"]$/g, ''));
}

/** Files the `npx eai` lines of a block read that neither the repository nor the block's earlier lines have. */
export function missingFiles(block: string, root = repo): string[] {
  const made = new Set<string>();
  const missing: string[] = [];
  for (const raw of block.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    // What the line writes: a redirect's target, `cp`'s last word, `mkdir`'s folders, `--write`'s file.
    for (const m of line.matchAll(/>\s*(\S+)/g)) made.add(m[1]!);
    const w = words(line);
    if (w[0] === 'cp' || w[0] === 'mkdir') for (const x of w.slice(1)) made.add(x);
    w.forEach((x, i) => {
      if (x === '--write' && w[i + 1]) made.add(w[i + 1]!);
    });
    for (const command of line.split(/\s*(?:\||&&|;)\s*/)) {
      const cw = words(command);
      if (cw[0] !== 'npx' || cw[1] !== 'eai') continue;
      cw.forEach((x, i) => {
        const named = READS.has(cw[i - 1] ?? '') || (FILE.test(x) && !x.startsWith('-'));
        if (!named || x.startsWith('-') || /[<>…$*[\]{}|]/.test(x) || cw[i - 1] === '--write') return;
        const candidates = [x, join('mappings', x)];
        const there = candidates.some(
          (c) => existsSync(join(root, c)) || [...made].some((m) => c === m || c.startsWith(`${m}/`)),
        );
        if (!there) missing.push(x);
      });
    }
  }
  return missing;
}

describe('the docs’ commands name files a fresh clone has', () => {
  it('finds the docs and their blocks', () => {
    const files = docFilesWithCommands();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/mappings.md', 'masterdata/README.md']));
    expect(shBlocks(readFileSync(join(repo, 'README.md'), 'utf8')).length).toBeGreaterThan(3);
  });

  it('tells a file the clone lacks from one it has, one a line made and one the reader supplies', () => {
    expect(missingFiles('npx eai map --format x12-856 --input asn.edi')).toEqual(['asn.edi']);
    expect(missingFiles('npx eai map asn.edi | npx eai bus publish canonical.shipment')).toEqual(['asn.edi']);
    expect(missingFiles('npx eai map formats/sap-idoc-orders05/fixtures/several-idocs.xml')).toEqual([]);
    expect(
      missingFiles('npx eai map --format csv --input x.csv --mapping csv/customer-table.to-canonical.yaml'),
    ).toEqual(['x.csv']);
    expect(missingFiles('iconv -f UTF-8 -t ISO-8859-1 a > b.csv\nnpx eai map --input b.csv')).toEqual([]);
    expect(missingFiles('mkdir -p m/acme\nnpx eai map check m/acme/x.yaml')).toEqual([]);
    expect(missingFiles('npx eai mdm load sap --input <export>.jsonl   # asn.edi in a comment')).toEqual([]);
    expect(
      missingFiles('npx eai mdm train --write rules.yaml\nnpx eai mdm rematch --config rules.yaml'),
    ).toEqual([]);
  });

  for (const file of docFilesWithCommands()) {
    const blocks = shBlocks(readFileSync(join(repo, file), 'utf8'));
    if (blocks.length === 0) continue;
    it(`${file}: every file its npx eai lines read is there`, () => {
      expect(blocks.flatMap((block) => missingFiles(block))).toEqual([]);
    });
  }
});

/** Every eai command (its path, e.g. `dlq ls`) with the long options it and its parents take. */
async function eaiCommands(): Promise<Map<string, Set<string>>> {
  const { Command } = await import('commander');
  const { registerCommands } = await import('../cli/commands/index.ts');
  const program = new Command('eai');
  await registerCommands(program, ['node', 'eai']);
  const found = new Map<string, Set<string>>();
  type Cmd = InstanceType<typeof Command>;
  const visit = (command: Cmd, path: string[], inherited: Set<string>) => {
    const options = new Set([...inherited, ...command.options.map((o) => o.long ?? '').filter(Boolean)]);
    if (path.length > 0) found.set(path.join(' '), options);
    for (const sub of command.commands) visit(sub, [...path, sub.name()], options);
  };
  visit(program, [], new Set(['--help']));
  return found;
}

/** The `--flags` of each `npx eai …` command in a block, with the command they were given to. */
export function flagsUsed(
  block: string,
  commands: Map<string, Set<string>>,
): Array<[command: string, flag: string]> {
  const used: Array<[string, string]> = [];
  for (const raw of block.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    for (const command of line.split(/\s*(?:\||&&|;)\s*/)) {
      const w = words(command);
      if (w[0] !== 'npx' || w[1] !== 'eai') continue;
      const path = commands.has(`${w[2]} ${w[3]}`) ? `${w[2]} ${w[3]}` : (w[2] ?? '');
      for (const x of w.slice(2)) {
        const flag = /^(--[a-z][a-z-]*)/.exec(x.replace(/^\[/, ''))?.[1];
        if (flag) used.push([path, flag]);
      }
    }
  }
  return used;
}

describe('the docs and eai --help name the same options', async () => {
  const commands = await eaiCommands();
  const docs = docFilesWithCommands().map((file) => readFileSync(join(repo, file), 'utf8'));

  it('every option of every command is in the docs', () => {
    const text = docs.join('\n');
    const undocumented = [...commands].flatMap(([path, options]) =>
      [...options]
        .filter((o) => !['--help', '--version'].includes(o))
        .filter((o) => !new RegExp(`${o}(?![a-z-])`).test(text))
        .map((o) => `eai ${path} ${o}`),
    );
    expect(undocumented).toEqual([]);
  });

  it('every option an npx eai line of the docs gives is one its command takes', () => {
    expect(
      flagsUsed('npx eai dlq ls --owner x | npx eai bus publish t --nope  # --not-this', commands),
    ).toEqual([
      ['dlq ls', '--owner'],
      ['bus publish', '--nope'],
    ]);
    expect(commands.get('bus publish')?.has('--nope')).toBe(false);
    const unknown = docs
      .flatMap((text) => shBlocks(text))
      .flatMap((block) => flagsUsed(block, commands))
      .filter(([path, flag]) => !commands.get(path)?.has(flag))
      .map(([path, flag]) => `eai ${path} ${flag}`);
    expect(unknown).toEqual([]);
  });
});

describe("the docs' connector files pass eai connectors validate", () => {
  const work = mkdtempSync(join(tmpdir(), 'eai-docs-connectors-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const plugins = new Map(builtinPlugins.map((p) => [p.type, p]));
  const files = docFilesWithCommands().filter(
    (f) => f === 'docs/connectors.md' || f.startsWith('connectors/'),
  );

  for (const file of files) {
    // A connector file: a yaml block that names its name and type.
    const blocks = [...readFileSync(join(repo, file), 'utf8').matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)]
      .map((m) => m[2]!)
      .filter((b) => /^name:/m.test(b) && /^type:/m.test(b));
    if (blocks.length === 0) continue;
    it(`${file}: each of its ${blocks.length} connector files, its references set`, () => {
      const dir = mkdtempSync(join(work, 'deploy-'));
      blocks.forEach((b, i) => {
        writeFileSync(join(dir, `${i}.yaml`), b);
      });
      const names = [...blocks.join('\n').matchAll(/\$\{env:(\w+)\}/g)].map((m) => m[1]!);
      const unset = names.filter((name) => process.env[name] === undefined);
      for (const name of unset) process.env[name] = `docs-${name.toLowerCase()}`;
      const checks = checkDeployment(dir, plugins);
      for (const name of unset) delete process.env[name];
      const problems = checks.flatMap((c) =>
        c.errors
          // A partner's own mapping beside the deployment is the reader's to write (docs/mappings.md).
          .filter((e) => !e.field.startsWith('mappingsBySender.'))
          .map((e) => `${c.name}: ${e.field}: ${e.problem}`),
      );
      expect(problems).toEqual([]);
    });
  }
});
