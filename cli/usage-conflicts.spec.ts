import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEai } from '../tests/run-eai.ts';
import { runEaiInProcess } from '../tests/run-eai-in-process.ts';

/**
 * What a newcomer gets wrong on the command line, each refused in one line before anything is done (no hub is behind
 * the URL: a command that went on would say it cannot reach it instead).
 */
const NO_HUB = ['--url', 'http://127.0.0.1:1', '--token', 't'];

async function oneLine(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await runEaiInProcess(args, { env });
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('options that do not go together are refused, not one of them ignored', () => {
  it('workflows retry <id> with --dry-run (which would have retried it for real), --type or --step', async () => {
    expect(await oneLine(['workflows', 'retry', 'abc', '--dry-run', ...NO_HUB])).toBe(
      'eai: --dry-run goes with --parked: retry abc without it, or use --parked instead of an id',
    );
    expect(await oneLine(['workflows', 'retry', 'abc', '--type', 'order-to-delivery', ...NO_HUB])).toMatch(
      /^eai: --type goes with --parked/,
    );
  });

  it('connectors offsets with both --set and --reset', async () => {
    expect(await oneLine(['connectors', 'offsets', 'x', '--set', 'offsets.json', '--reset', ...NO_HUB])).toBe(
      "eai: --reset and --set offsets.json: give one (--reset starts over, --set writes the file's offsets)",
    );
  });
});

describe('a command group given an option before its subcommand', () => {
  it('says the subcommand is missing and lists them, in JSON with --json (commander said: unknown option)', async () => {
    const result = await runEaiInProcess(['connectors', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toEqual({
      errors: [
        {
          error: 'UsageError',
          message: expect.stringMatching(
            /^eai connectors takes a subcommand first, then its options: eai connectors <ls\|status\|.*> --json$/,
          ),
        },
      ],
    });
  });
});

describe('inputs of the wrong kind are named for what they are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eai-usage-'));

  it('map --to-system on a file that is not JSON: the caller’s mistake, not a bug of eai', async () => {
    const file = join(dir, 'order.json');
    writeFileSync(file, 'not json\n');
    expect(await oneLine(['map', file, '--to-system', '--format', 'sap-idoc-orders05'])).toMatch(
      /order\.json: not JSON \(.*\): --to-system reads canonical records as JSON, what eai map prints$/,
    );
  });

  it('connectors validate on a path that is not there, and on a folder without connector files (--json: the reason on stderr)', async () => {
    expect(await oneLine(['connectors', 'validate', join(dir, 'nope.yaml')])).toBe(
      `eai: ${join(dir, 'nope.yaml')}: no such connector file or deployment folder`,
    );
    const empty = join(dir, 'deploy');
    mkdirSync(empty);
    const result = await runEaiInProcess(['connectors', 'validate', empty, '--json']);
    expect([result.code, result.stdout.trim()]).toEqual([1, '[]']);
    expect(JSON.parse(result.stderr).errors[0].message).toBe(`${empty}: no connector files (*.yaml, *.yml)`);
  });

  it('mdm load --input <a folder>', async () => {
    const folder = join(dir, 'exports');
    mkdirSync(folder);
    // Named before the database is opened (here none answers): it was refused only once --schema had been made.
    const noDatabase = { DATABASE_URL: 'postgres://postgres:x@127.0.0.1:1/eai' };
    expect(
      await oneLine(['mdm', 'load', 'sap', '--input', folder, '--schema', 'never_opened'], noDatabase),
    ).toBe(`eai: ${folder} is a folder, not a file: give the export itself (--input <file>)`);
    expect(
      await oneLine(
        ['mdm', 'load', 'sap', '--input', join(dir, 'missing.jsonl'), '--schema', 'never_opened'],
        noDatabase,
      ),
    ).toMatch(/missing\.jsonl: cannot read \(ENOENT/);
  });

  it('a binary file given as a connector file: its YAML error, and no YAML warnings on stderr beside the JSON', async () => {
    const pdf = join(dir, 'connector.pdf');
    writeFileSync(pdf, Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'latin1'));
    const result = await runEai(['connectors', 'validate', pdf, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/YAMLWarning|BAD_DIRECTIVE/);
    expect(JSON.parse(result.stdout)[0].errors[0].message).toMatch(/^not readable YAML: /);
    // apply names the file and the YAML error in its first line, without the frame of raw bytes under it.
    const applied = await oneLine(['connectors', 'apply', pdf, ...NO_HUB]);
    expect(applied).toMatch(/connector\.pdf: not readable YAML: .* at line \d+, column \d+$/);
    expect(applied).not.toMatch(/[\u0080-\uffff]/);
  });
});
