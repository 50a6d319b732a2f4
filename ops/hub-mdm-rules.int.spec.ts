/**
 * A hub whose master data config changed since its stored customers were matched says so at start, naming the
 * command that applies the new rules to them (masterdata/rematch.ts).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MasterDataStore, parseMdmConfig } from '../masterdata/index.ts';
import { dropStore } from '../masterdata/test-support.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { type Hub, startHub } from './hub.ts';

const stack = testStack();
const schema = unique('mdm_rules').replace(/-/g, '_');
const customers = unique('mdm-rules-customers');
const hubs: Hub[] = [];
beforeAll(async () => {
  await testBus().provisionTopics([{ topic: customers, partitions: 1 }]);
});
afterAll(async () => {
  for (const hub of hubs) await hub.close();
  await dropStore(
    new MasterDataStore({ databaseUrl: stack.databaseUrl, schema, config: parseMdmConfig({}) }),
  );
});

async function started(config: object): Promise<string[]> {
  const lines: string[] = [];
  const hub = await startHub({
    ...stack,
    group: unique('connect'),
    logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
    tokens: [],
    port: 0,
    masterdata: {
      schema,
      config: parseMdmConfig(config),
      groupId: unique('mdm-rules-matcher'),
      activityGroupId: unique('mdm-rules-activity'),
      customerTopic: customers,
      activityTopics: [],
      healthIntervalMs: 0,
    },
  });
  hubs.push(hub);
  await hub.close();
  return lines.map((l) => JSON.parse(l).msg as string);
}

describe('a hub started with other matching rules', () => {
  it('warns that the stored records were matched by others, naming eai mdm rematch; the same rules (or other sync settings) say nothing', async () => {
    // The schema's first opening: its rules are the records' from then on.
    expect(await started({ thresholds: { autoMerge: 0.999, review: 0.9 } })).not.toContainEqual(
      expect.stringMatching(/rules changed/),
    );
    // Where the records go (sync) is no matching rule.
    expect(
      await started({ thresholds: { autoMerge: 0.999, review: 0.9 }, sync: { pollMs: 5000 } }),
    ).not.toContainEqual(expect.stringMatching(/rules changed/));
    expect(await started({ thresholds: { autoMerge: 0.95, review: 0.9 } })).toContainEqual(
      `master data rules changed since the stored records were matched: new records are matched by the new ones; npx eai mdm rematch --schema ${schema} applies them to the stored records`,
    );
  }, 120_000);
});
