/**
 * Writes a generated customer data set as JSON Lines:
 *   npx node simulators/generator/cli.ts --seed 42 --entities 200 --out dir/
 */
import { parseArgs } from 'node:util';
import { generateCustomers } from './generate.ts';
import { writeCustomerFiles } from './jsonl.ts';

const USAGE =
  'usage: cli.ts --seed <int> --entities <n> --out <dir> [--organization-share 0.6] [--as-of 2025-06-30T12:00:00Z]';

function integerOption(value: string | undefined, name: string): number {
  const parsed = Number(value);
  if (value === undefined || !Number.isInteger(parsed))
    throw new RangeError(`--${name} must be an integer\n${USAGE}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      entities: { type: 'string' },
      out: { type: 'string' },
      'organization-share': { type: 'string' },
      'as-of': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) throw new RangeError(`--out is required\n${USAGE}`);
  const data = generateCustomers({
    seed: integerOption(values.seed, 'seed'),
    entities: integerOption(values.entities, 'entities'),
    ...(values['organization-share'] ? { organizationShare: Number(values['organization-share']) } : {}),
    ...(values['as-of'] ? { asOf: values['as-of'] } : {}),
  });
  const counts = await writeCustomerFiles(data, values.out);
  for (const [file, count] of Object.entries(counts))
    console.log(`${values.out.replace(/\/$/, '')}/${file}\t${count}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
