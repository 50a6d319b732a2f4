import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const isFolder = (path: string) => existsSync(`${root}${path}`) && statSync(`${root}${path}`).isDirectory();

/** The top-level folders of the tree as git holds it (what a clone has). */
function trackedFolders(): string[] {
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n');
  return [...new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!))].sort();
}

function layoutBlock(): string {
  const block = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no ## Layout section with a code block');
  return block;
}

/** Folder paths in a text: `masterdata/`, ops/api/, examples/demo/deploy/ (not placeholders like <system>/). */
const paths = (text: string) =>
  [...text.matchAll(/(?<![\w./<>-])((?:[a-z.][\w.-]*\/)+)(?![\w<])/g)].map((m) => m[1]!);

/** Issue 15 §2: the README described a tree that was not there (mappings "next", an orchestrator/ folder). */
describe("README's description of the tree", () => {
  it('the Layout block names every top-level folder, and only folders that exist', () => {
    const named = [...layoutBlock().matchAll(/^(\S+)\/\s/gm)].map((m) => m[1]!).sort();
    expect(named).toEqual(trackedFolders());
  });

  it('every folder the Layout block and "What exists today" mention exists', () => {
    const exists = /^What exists today:[\s\S]*?\n\n/m.exec(readme)?.[0];
    expect(exists, 'README has a "What exists today" paragraph').toBeDefined();
    // Each path mentioned, with the folder whose Layout line it is on: `connectors/   sdk/ (the contract), …`.
    const mentioned: Array<{ path: string; under: string }> = [];
    for (const path of paths(exists!)) mentioned.push({ path, under: '' });
    let under = '';
    for (const line of layoutBlock().split('\n')) {
      under = /^(\S+\/)\s/.exec(line)?.[1] ?? under;
      for (const path of paths(line)) mentioned.push({ path, under });
    }
    expect(mentioned.length).toBeGreaterThan(20);
    const missing = mentioned.filter(({ path, under }) => !isFolder(path) && !isFolder(`${under}${path}`));
    expect(missing).toEqual([]);
  });
});

/** docs/mappings.md imported createMappingStep from a file that had moved (`./connectors/mapping-step.ts`). */
describe("README's CLI section", () => {
  const cli = /## CLI\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  it('names each exit status besides 0 and 1 that a command ends with, so a script under set -e is not surprised', () => {
    // `eai mdm reconcile` (drift left) and `eai sync status` (degraded, failing) ended with 2 and 3 unsaid.
    const setting = readdirSync(`${root}cli/commands`)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
      .filter((f) =>
        /process\.exitCode = (?:[2-9]|STATUS_EXIT)/.test(readFileSync(`${root}cli/commands/${f}`, 'utf8')),
      );
    expect(setting.sort()).toEqual(['mdm.ts', 'stack.ts', 'sync.ts']);
    expect(cli).toMatch(/`eai mdm load` exits 2 /);
    expect(cli).toMatch(/`eai mdm reconcile` exits 2 /);
    expect(cli).toMatch(/`eai sync status` exits 2 when the sync is degraded and 3 when it is failing/);
    expect(cli).toMatch(/`eai stack status` exits 3 /);
  });
});

describe("the docs' code examples", () => {
  const documents = [
    'README.md',
    ...readdirSync(`${root}docs`)
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const imports = documents.flatMap((document) => {
    const text = readFileSync(`${root}${document}`, 'utf8');
    const blocks = [...text.matchAll(/```(?:ts|typescript)\b[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
    return blocks.flatMap((block) =>
      [...block.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\/([^']+)'/g)].map((m) => ({
        document,
        module: m[2]!,
        names: m[1]!
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name && !name.startsWith('type '))
          .map((name) => name.split(/\s+as\s+/)[0]!),
      })),
    );
  });

  it('import only what the modules they name export, through a folder index', async () => {
    expect(imports.length).toBeGreaterThan(1);
    for (const { document, module, names } of imports) {
      expect(existsSync(`${root}${module}`), `${document}: ${module} does not exist`).toBe(true);
      expect(module, `${document}: import a folder through its index`).toMatch(/(^|\/)index\.ts$/);
      const exported = await import(`${root}${module}`);
      for (const name of names)
        expect(exported[name], `${document}: ${module} exports no ${name}`).toBeDefined();
    }
  });
});

/** Ops trial: a newcomer opening examples/demo/ found only deploy/, whose README is about running it by hand. */
describe("the demo folder's README", () => {
  const demo = 'examples/demo/README.md';
  it('is there, says how to start the demo, what to look at and how to make a fault, and links the deploy README', () => {
    expect(existsSync(`${root}${demo}`), `${demo} is missing`).toBe(true);
    const text = readFileSync(`${root}${demo}`, 'utf8');
    expect(text).toMatch(/^## Start it$/m);
    expect(text).toMatch(/^## What to look at$/m);
    expect(text).toMatch(/^## Make a fault happen$/m);
    expect(text).toContain('npx eai demo');
    expect(text).toContain('/sim/faults');
    expect(text).toContain('](deploy/README.md)');
  });

  it('links only files that exist', () => {
    const text = readFileSync(`${root}${demo}`, 'utf8');
    const links = [...text.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!).filter((l) => !/^\w+:/.test(l));
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((link) => !existsSync(`${root}examples/demo/${link}`))).toEqual([]);
  });
});
