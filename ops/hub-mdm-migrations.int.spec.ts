/**
 * An upgraded hub migrates its master data schema by itself at start and says what it applied (the upgrade trial:
 * 010 and 011 ran with no line in the log). The schema an older version left is made here by applying its first
 * migrations only.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MasterDataStore, parseMdmConfig } from '../masterdata/index.ts';
import { MIGRATIONS } from '../masterdata/store.ts';
import { dropStore } from '../masterdata/test-support.ts';
import { migrate } from '../store/migrate.ts';
import { runEai } from '../tests/run-eai.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { startHub } from './hub.ts';

const stack = testStack();
const schema = unique('mdm_upgrade').replace(/-/g, '_');
const cliSchema = `${schema}_cli`;
const older = mkdtempSync(join(tmpdir(), 'eai-mdm-older-'));
afterAll(async () => {
  rmSync(older, { recursive: true, force: true });
  for (const name of [schema, cliSchema])
    await dropStore(
      new MasterDataStore({ databaseUrl: stack.databaseUrl, schema: name, config: parseMdmConfig({}) }),
    );
});

/** The migrations but the last two (the state a version before them left), applied to `name`; their files. */
async function olderSchema(name: string): Promise<string[]> {
  const files = readdirSync(MIGRATIONS)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  for (const file of files.slice(0, -2)) copyFileSync(join(MIGRATIONS, file), join(older, file));
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 1 });
  try {
    await migrate(pool, name, older);
  } finally {
    await pool.end();
  }
  return files;
}

/** The hub's log messages from one start and stop. */
async function started(customers: string): Promise<string[]> {
  const lines: string[] = [];
  const hub = await startHub({
    ...stack,
    group: unique('connect'),
    logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
    tokens: [],
    port: 0,
    masterdata: {
      schema,
      config: parseMdmConfig({}),
      groupId: unique('mdm-upgrade-matcher'),
      activityGroupId: unique('mdm-upgrade-activity'),
      customerTopic: customers,
      activityTopics: [],
      healthIntervalMs: 0,
    },
  });
  await hub.close();
  return lines.map((l) => JSON.parse(l).msg as string);
}

describe('a hub started on a master data schema of an older version', () => {
  it('applies the migrations the schema has not seen and names them; a second start names none', async () => {
    const files = await olderSchema(schema);
    const customers = unique('mdm-upgrade-customers');
    await testBus().provisionTopics([{ topic: customers, partitions: 1 }]);

    expect(await started(customers)).toContainEqual(
      `master data schema ${schema} migrated: ${files.slice(-2).join(', ')}`,
    );
    expect(await started(customers)).not.toContainEqual(expect.stringMatching(/migrated/));
  }, 120_000);
});

describe('an eai mdm command on a master data schema of an older version', () => {
  it('migrates it as the hub would and says so on stderr, once', async () => {
    const files = await olderSchema(cliSchema);
    const env = { DATABASE_URL: stack.databaseUrl };
    const first = await runEai(['mdm', 'export', '--xref', '--schema', cliSchema], { env });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(`eai mdm: schema ${cliSchema} migrated: ${files.slice(-2).join(', ')}\n`);
    const again = await runEai(['mdm', 'export', '--xref', '--schema', cliSchema], { env });
    expect(again.stderr).toBe('');
  }, 60_000);
});
