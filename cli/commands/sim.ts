import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { type RunningSimulator, simulators, startSimulator } from '../../simulators/index.ts';
import { checkPorts } from '../../stack/preflight.ts';
import { printResult } from '../output.ts';

interface SimOptions {
  port?: string;
  host: string;
  state?: string;
  seed?: string;
  json?: boolean;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port: "${value}" is not a port number`);
  return port;
}

/**
 * `eai sim <name|all>`: starts simulators and runs until SIGINT/SIGTERM. With `all`, ports are consecutive
 * from --port (each simulator's default when absent; 0 gives every one a free port), and --state / --seed
 * name directories holding `<name>.json` / `<name>.jsonl`.
 */
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description(
      `run system simulators (${Object.keys(simulators).join(', ')}, or all) with faults on demand; Ctrl-C stops them`,
    )
    .argument('<name>', 'simulator name, or "all"')
    .option('--port <port>', 'port (with "all": the first of consecutive ports)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--state <file>', 'save state to this JSON file and load it at start (with "all": a directory)')
    .option('--seed <file>', 'seed records from this JSONL file (with "all": a directory)')
    .option('--json', 'print a JSON object of name to URL')
    .action(async (name: string, options: SimOptions) => {
      const names = name === 'all' ? Object.keys(simulators) : [name];
      const basePort = parsePort(options.port);
      const ports = names.map((simName, index) =>
        basePort === undefined ? simulators[simName]?.defaultPort : basePort === 0 ? 0 : basePort + index,
      );
      // A port taken is named with its simulator and holder before any starts (it was a bare `listen EADDRINUSE`).
      await checkPorts(
        names.flatMap((simName, index) => {
          const port = ports[index];
          return port ? [{ port, part: `the ${simName} simulator`, variable: '--port' }] : [];
        }),
      );
      checkSeed(options.seed, name === 'all');
      checkState(options.state, name === 'all');
      const running: RunningSimulator[] = [];
      try {
        for (const [index, simName] of names.entries()) {
          const port = ports[index];
          const inDirectory = (value: string | undefined, extension: string) =>
            value && name === 'all' ? join(value, `${simName}.${extension}`) : value;
          const statePath = inDirectory(options.state, 'json');
          // With all, a system the folder has no file for starts with its own seed (the generator writes none for
          // the logistics provider, which holds no customers).
          const seed = inDirectory(options.seed, 'jsonl');
          const seeded = seed && existsSync(seed) ? seed : undefined;
          if (seeded && statePath && existsSync(statePath))
            process.stderr.write(
              `eai sim ${simName}: ${statePath} holds its saved state, which it resumes: --seed ${seeded} is not read (remove the state file to seed it again)\n`,
            );
          running.push(await startSimulator(simName, { port, host: options.host, statePath, seed: seeded }));
        }
      } catch (error) {
        await Promise.all(running.map((sim) => sim.close()));
        throw error;
      }
      const urls = Object.fromEntries(running.map((sim) => [sim.name, sim.url]));
      printResult(!!options.json, urls, () =>
        running.map((sim) => `${sim.name.padEnd(12)} ${sim.url}`).join('\n'),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await Promise.all(running.map((sim) => sim.close()));
    });
}

/** --seed names a file (with all, a folder of `<system>.jsonl` files, as the generator writes them) that is there. */
/** --state is written at the end: a file where a folder is meant (or the reverse) is refused before anything starts. */
function checkState(state: string | undefined, all: boolean): void {
  if (state === undefined || !existsSync(state)) return;
  if (all !== statSync(state).isDirectory())
    throw new ConfigError(
      all
        ? `--state ${state}: with all, a folder for one <system>.json file each, not a file`
        : `--state ${state}: a JSON file for one simulator, not a folder (a folder is for all)`,
    );
}

function checkSeed(seed: string | undefined, all: boolean): void {
  if (seed === undefined) return;
  if (!existsSync(seed))
    throw new ConfigError(
      `--seed ${seed}: no such ${all ? 'folder' : 'file'}${all ? ' (with all: a folder of <system>.jsonl files, as simulators/generator/cli.ts --out writes them)' : ''}`,
    );
  if (all !== statSync(seed).isDirectory())
    throw new ConfigError(
      all
        ? `--seed ${seed}: with all, a folder of <system>.jsonl files, not a file`
        : `--seed ${seed}: a JSONL file for one simulator (a folder is for all)`,
    );
}
