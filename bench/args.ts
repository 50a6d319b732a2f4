/**
 * A benchmark's command line: node's parseArgs, plus `--help` (the options with their defaults) and a wrong flag or
 * value said in one line with exit status 1, instead of parseArgs's stack trace.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options of a benchmark, one a line, as `--help` prints them. */
export function benchUsage(script: string, options: Options): string {
  const lines = Object.entries(options).map(([name, option]) => {
    const value = option.type === 'string' ? ` <${option.multiple ? 'values' : 'value'}>` : '';
    const fallback = option.default === undefined ? '' : `  (default ${String(option.default)})`;
    return `  --${name}${value}${fallback}`;
  });
  return [`usage: ${script} [options]`, ...lines, '  --help'].join('\n');
}

/** Reads `argv` (default: the process's) as parseArgs does; answers the help or the error instead of throwing. */
export function readBenchArgs<T extends ParseArgsConfig>(
  script: string,
  config: T,
  argv: string[] = process.argv.slice(2),
): { help: string } | { error: string } | { parsed: ReturnType<typeof parseArgs<T>> } {
  if (argv.includes('--help') || argv.includes('-h'))
    return { help: benchUsage(script, config.options ?? {}) };
  try {
    // The same options with other args: the values' types are the config's.
    return { parsed: parseArgs({ ...config, args: argv }) as ReturnType<typeof parseArgs<T>> };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { error: `${script.replace(/ --$/, '')}: ${message} (--help lists the options)` };
  }
}

/** parseArgs for a benchmark's own process: prints the help and exits 0, or the error in one line and exits 1. */
export function benchArgs<T extends ParseArgsConfig>(
  script: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  const read = readBenchArgs(script, config);
  if ('help' in read) {
    process.stdout.write(`${read.help}\n`);
    process.exit(0);
  }
  if ('error' in read) {
    process.stderr.write(`${read.error}\n`);
    process.exit(1);
  }
  return read.parsed;
}
