import { readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * The int files run two at a time (vitest.config.ts). Most of them name everything they touch themselves (`unique`
 * topics, groups, databases and schemas), so two of them never meet. A file that touches what every run shares — the
 * fixed topics (`canonical.customer`, `dlq.mapping`, `mdm.…`), a hub or `eai` command with its default topics and
 * groups, the demo, the broker's list of consumer groups — runs in the lane `shared`: one such file at a time,
 * beside any other. Which lane a file is in is read from its source, so a new spec is put where it belongs without a
 * list to keep.
 */
export type Lane = 'shared';

const SHARED = [
  /['"`](canonical|dlq|mdm)\.(?!ya?ml['"`])[a-z-]+(\.[a-z-]+)?['"`]/, // a fixed topic (not a mapping file)
  /\bstartHub\b|\brunEai\b|run-eai|eai up|\bdemo\b/, // the hub or the CLI with their default topics and groups
  /consumer-groups/, // the broker's groups, everyone's
];

/** The lanes of an int file, by what its source touches. */
export function lanesOf(source: string): Lane[] {
  return SHARED.some((pattern) => pattern.test(source)) ? ['shared'] : [];
}

// pg_advisory_lock's key: one bigint a lane, the same in every process of the run.
const KEYS: Record<Lane, number> = { shared: 0x6561_6901 };

/**
 * Holds the file's lanes (PostgreSQL advisory locks on the test stack's database, released with the connection, so
 * a worker that dies frees them) until `release`. Waits for the file that holds one now.
 */
export async function enterLanes(file: string, databaseUrl: string): Promise<() => Promise<void>> {
  const lanes = lanesOf(readFileSync(file, 'utf8'));
  if (lanes.length === 0) return async () => {};
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'eai-test-lanes' });
  await client.connect();
  // One order for every file, so that two files never wait on each other.
  for (const lane of [...lanes].sort()) await client.query('SELECT pg_advisory_lock($1)', [KEYS[lane]]);
  return async () => {
    await client.end();
  };
}
