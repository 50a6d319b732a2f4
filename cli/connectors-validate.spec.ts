import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';

/** A deployment folder as a pipeline checks it before it deploys: no hub, no stack. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'eai-validate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const good = 'name: orders\ntype: file-source\nformat: sap-idoc-orders05\nconfig:\n  dir: drop\n';

describe('eai connectors validate', () => {
  it('checks every file of a folder as the hub does at start, naming every problem of each; exit 1', async () => {
    const dir = folder({
      'a-orders.yaml': good,
      // Three problems in one file: a value of the wrong kind, a misspelt option, a mapping that is not there.
      'b-shipments.yaml':
        'name: shipments\ntype: file-source\nformat: x12-856\nmapping: edi/no-such.to-canonical.yaml\nconfig:\n  dir: 5\n  stabelMs: 100\n',
      'c-again.yaml': good,
      'd-broken.yaml': 'name: [unclosed\n',
      'notes.txt': 'not a connector',
    });
    const run = await runEai(['connectors', 'validate', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${join(dir, 'a-orders.yaml')}  orders (file-source): ok`);
    expect(lines[1]).toBe(`${join(dir, 'b-shipments.yaml')}  shipments (file-source): 3 problems`);
    expect(lines.slice(2, 5).sort()).toEqual([
      expect.stringMatching(/^ {2}config\.dir: .*string/),
      expect.stringMatching(/^ {2}config\.stabelMs: not an option of file-source; did you mean "stableMs"\?/),
      expect.stringMatching(/^ {2}mapping: .*no-such/),
    ]);
    expect(lines[5]).toBe(`${join(dir, 'c-again.yaml')}  orders (file-source): 1 problem`);
    expect(lines[6]).toBe(`  name: "orders" is already used by ${join(dir, 'a-orders.yaml')}`);
    expect(lines[7]).toBe(`${join(dir, 'd-broken.yaml')}  (no name) (no type): 1 problem`);
    expect(lines[8]).toMatch(/^ {2}not readable YAML: /);
    expect(lines).toHaveLength(9);
  });

  it('passes a good file with exit 0, warns of a secret written out, and says it all as JSON', async () => {
    const dir = folder({
      'hook.yaml':
        'name: contacts\ntype: webhook-source\nformat: hubspot-contact\nconfig:\n  signature:\n    scheme: hmac-sha256\n    header: x-signature\n    secret: hunter2-in-clear\n',
    });
    const text = await runEaiInProcess(['connectors', 'validate', join(dir, 'hook.yaml')]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      `${join(dir, 'hook.yaml')}  contacts (webhook-source): ok\n  warning: config.signature.secret: a secret written out: stored on Kafka with the definition as written; write \${env:NAME} or \${file:path} instead\n`,
    );
    expect(text.stdout).not.toContain('hunter2');
    const json = await runEaiInProcess(['connectors', 'validate', dir, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        file: join(dir, 'hook.yaml'),
        name: 'contacts',
        type: 'webhook-source',
        errors: [],
        warnings: [
          { field: 'config.signature.secret', message: expect.stringMatching(/^a secret written out/) },
        ],
      },
    ]);
  });

  it('names the shipped mappings closest to a misspelt one, not all of them', async () => {
    // Trial: `mapping: edi/x12-850.to-canonical.yml` answered with all 30 shipped mappings in the one line.
    const dir = folder({
      'slip.yaml':
        'name: orders\ntype: file-source\nformat: x12-850\nmapping: edi/x12-850.to-canonical.yml\nconfig:\n  dir: drop\n',
      'far.yaml':
        'name: orders2\ntype: file-source\nformat: x12-850\nmapping: partner/acme-850.yaml\nconfig:\n  dir: drop\n',
    });
    const run = await runEaiInProcess(['connectors', 'validate', dir, '--json']);
    expect(run.code).toBe(1);
    const [far, slip] = JSON.parse(run.stdout) as { errors: { field: string; message: string }[] }[];
    expect(slip!.errors).toEqual([
      {
        field: 'mapping',
        message: expect.stringMatching(
          /^mapping "edi\/x12-850\.to-canonical\.yml" not found \(looked in [^)]*\); did you mean "edi\/x12-850\.to-canonical\.yaml"\?$/,
        ),
      },
    ]);
    const message = far!.errors[0]!.message;
    const closest = message.match(/; the closest shipped: (.*)$/)?.[1]?.split(', ');
    expect(closest).toHaveLength(3);
    expect(message).not.toContain('sap/idoc-orders05.to-canonical.yaml');
  });

  it('says so of a folder without connector files, and of one it cannot read, in one line', async () => {
    const empty = folder({ 'readme.md': '# nothing here' });
    const none = await runEaiInProcess(['connectors', 'validate', empty]);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe(`${empty}: no connector files (*.yaml, *.yml)\n`);
    const missing = await runEaiInProcess(['connectors', 'validate', join(empty, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`eai: ${join(empty, 'nope')}: no such connector file or deployment folder\n`);
  });
});
