import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readBenchArgs } from './args.ts';

const config = {
  options: {
    workflows: { type: 'string', default: '1000' },
    json: { type: 'boolean' },
  },
} as const;

describe('a benchmark command line', () => {
  it('reads its options as parseArgs does', () => {
    expect(readBenchArgs('npm run bench:x --', config, ['--workflows', '5', '--json'])).toEqual({
      parsed: { values: { workflows: '5', json: true }, positionals: [] },
    });
  });

  it('answers --help with every option and its default', () => {
    expect(readBenchArgs('npm run bench:x --', config, ['--help'])).toEqual({
      help: 'usage: npm run bench:x -- [options]\n  --workflows <value>  (default 1000)\n  --json\n  --help',
    });
  });

  it('says a wrong flag in one line, naming it', () => {
    expect(readBenchArgs('npm run bench:x --', config, ['--nope'])).toEqual({
      error: "npm run bench:x: Unknown option '--nope' (--help lists the options)",
    });
  });

  // Before, `--help` and a misspelt flag ended in parseArgs's stack trace (docs/benchmarks.md names their flags).
  it('a benchmark prints its flags for --help and exits 0, and refuses a wrong one in one line with exit 1', () => {
    const run = (arg: string) =>
      spawnSync(process.execPath, ['bench/mappings.ts', arg], { encoding: 'utf8', timeout: 30_000 });
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run bench:mappings -- [options]');
    expect(help.stdout).toContain('  --lines <value>');
    const wrong = run('--nope');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toEqual([
      "npm run bench:mappings: Unknown option '--nope' (--help lists the options)",
    ]);
  });
});
