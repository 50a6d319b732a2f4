import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { runEai } from '../../tests/run-eai.ts';
import { commands, registerCommands } from './index.ts';

const names = (program: Command) => program.commands.map((c) => c.name());

describe('the CLI loads only the command it runs', () => {
  it('each entry of the list registers the command it is named for, and only that one', async () => {
    for (const entry of commands) {
      const program = new Command('eai');
      (await entry.load())(program);
      expect(names(program), entry.name).toEqual([entry.name]);
    }
  });

  it('a command name registers that command alone; help, a typo or nothing registers all of them', async () => {
    const one = new Command('eai');
    await registerCommands(one, ['node', 'eai', 'dlq', 'ls']);
    expect(names(one)).toEqual(['dlq']);
    for (const argv of [
      ['node', 'eai'],
      ['node', 'eai', 'help'],
      ['node', 'eai', 'bsu'],
    ]) {
      const all = new Command('eai');
      await registerCommands(all, argv);
      expect(names(all)).toEqual(commands.map((c) => c.name));
    }
  });

  it('--version registers none (it loaded every command: 3 s before the version was printed)', async () => {
    for (const option of ['--version', '-V']) {
      const program = new Command('eai');
      await registerCommands(program, ['node', 'eai', option]);
      expect(names(program), option).toEqual([]);
    }
  });

  it('eai --version prints the package version; a typo still gets the list of commands', async () => {
    const version = await runEai(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const typo = await runEai(['bsu']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/unknown command 'bsu'/);
    expect(typo.stderr).toMatch(/\(Did you mean bus\?\)/);
  }, 30_000);
});
