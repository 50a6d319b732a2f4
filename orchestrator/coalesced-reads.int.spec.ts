import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { type CoalescedRead, coalesceReads, dbosPointReads } from './coalesced-reads.ts';

const schema = `eai_coalesce_${randomUUID().slice(0, 8)}`;
const reads = dbosPointReads(schema);
const [status, operation, message] = reads as [CoalescedRead, CoalescedRead, CoalescedRead];
let admin: pg.Pool;
const pools: pg.Pool[] = [];

function pool(size: number, coalesced: boolean, statements = reads) {
  const made = new pg.Pool({ connectionString: testStack().databaseUrl, max: size });
  pools.push(made);
  return { pool: made, stats: coalesced ? coalesceReads(made, statements) : undefined };
}

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: testStack().databaseUrl, max: 2 });
  // The columns DBOS's statements read, with DBOS's keys.
  await admin.query(`
    create schema ${schema};
    create table ${schema}.workflow_status (workflow_uuid text primary key, status text);
    create table ${schema}.operation_outputs (workflow_uuid text, function_id int4, output text, error text,
      child_workflow_id text, function_name text, serialization text, primary key (workflow_uuid, function_id));
    create table ${schema}.notifications (message_uuid text primary key default gen_random_uuid(),
      destination_uuid text not null, topic text, consumed boolean not null default false);
    insert into ${schema}.workflow_status values ('w1', 'PENDING'), ('w2', 'CANCELLED'), ('w3', 'SUCCESS');
    insert into ${schema}.operation_outputs values ('w1', 1, '"a"', null, null, 'step-a', 'portable'),
      ('w1', 2, null, 'boom', null, 'step-b', null), ('w2', 1, '"c"', null, 'child', 'step-c', null);
    insert into ${schema}.notifications (destination_uuid, topic, consumed) values ('w1', 't', false), ('w1', 't', false),
      ('w1', 'u', true), ('w2', 't', false);
  `);
});
afterAll(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
});

/** The asks of the spec: present and absent keys of each statement, in one burst. */
const asks: [CoalescedRead, unknown[]][] = [
  [status, ['w1']],
  [status, ['w2']],
  [status, ['nope']],
  [status, ['w1']],
  [operation, ['w1', 1]],
  [operation, ['w1', 2]],
  [operation, ['w2', 1]],
  [operation, ['w2', 2]],
  [operation, ['w3', 1]],
  [message, ['w1', 't']],
  [message, ['w1', 'u']],
  [message, ['w2', 't']],
  [message, ['w2', 'u']],
];

describe("DBOS's point reads, coalesced across callers", () => {
  it('are the statements DBOS sends, word for word, so that they are recognised', () => {
    const require = createRequire(import.meta.url);
    const source = readFileSync(
      join(dirname(require.resolve('@dbos-inc/dbos-sdk')), 'system_database.js'),
      'utf8',
    );
    for (const read of reads) {
      const asDbosWritesIt = ['"$', '{this.schemaName}"'].join('');
      expect(source).toContain(read.single.replaceAll(`"${schema}"`, asDbosWritesIt));
    }
  });

  it('answer each caller as its own statement would, through the pool and through checked-out clients, in one statement per kind', async () => {
    const plain = pool(2, false).pool;
    const { pool: coalesced, stats } = pool(8, true);
    const alone = await Promise.all(asks.map(([read, values]) => plain.query(read.single, values)));
    // Every other ask on a client of its own, as DBOS holds one for a read at a time.
    const clients = await Promise.all(asks.map((_, i) => (i % 2 === 0 ? undefined : coalesced.connect())));
    try {
      const together = await Promise.all(
        asks.map(([read, values], i) => (clients[i] ?? coalesced).query(read.single, values)),
      );
      expect(together.map((r) => r.rows)).toEqual(alone.map((r) => r.rows));
      expect(together.map((r) => r.rowCount)).toEqual(alone.map((r) => r.rowCount));
      expect(alone[4]!.rows).toEqual([
        {
          output: '"a"',
          error: null,
          child_workflow_id: null,
          function_name: 'step-a',
          serialization: 'portable',
        },
      ]);
      expect(alone[9]!.rows).toHaveLength(2);
      expect(stats!()).toEqual({ batches: 3, reads: asks.length });
    } finally {
      for (const client of clients) client?.release();
    }
  });

  it('see every write committed before they were asked for', async () => {
    const { pool: coalesced } = pool(2, true);
    await admin.query(`insert into ${schema}.workflow_status values ('w4', 'PENDING')`);
    const before = coalesced.query(status.single, ['w4']);
    await admin.query(`update ${schema}.workflow_status set status = 'CANCELLED' where workflow_uuid = 'w4'`);
    const after = coalesced.query(status.single, ['w4']);
    // Both in one batch sent after the update: the first sees it too, as a read sent a moment later would.
    expect((await after).rows).toEqual([{ status: 'CANCELLED' }]);
    expect(['PENDING', 'CANCELLED']).toContain((await before).rows[0]!.status);
  });

  it('stay on their own connection inside a transaction, where they see its uncommitted writes', async () => {
    const { pool: coalesced, stats } = pool(2, true);
    const client = await coalesced.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      await client.query(`insert into ${schema}.workflow_status values ('w5', 'ENQUEUED')`);
      expect((await client.query(status.single, ['w5'])).rows).toEqual([{ status: 'ENQUEUED' }]);
      await client.query('ROLLBACK');
      expect((await client.query(status.single, ['w5'])).rows).toEqual([]);
      expect(stats!()).toEqual({ batches: 1, reads: 1 });
    } finally {
      client.release();
    }
  });

  it('never wait for a connection their own callers hold: a pool of two, both checked out, all reading', async () => {
    const { pool: coalesced } = pool(2, true);
    const [a, b] = [await coalesced.connect(), await coalesced.connect()];
    try {
      const all = await Promise.race([
        Promise.all([
          a.query(status.single, ['w1']),
          b.query(status.single, ['w2']),
          coalesced.query(status.single, ['w3']),
        ]),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('deadlocked')), 5000)),
      ]);
      expect(all.map((r) => r.rows[0]!.status)).toEqual(['PENDING', 'CANCELLED', 'SUCCESS']);
    } finally {
      a.release();
      b.release();
    }
  });

  it("give every caller of a failed batch the batch's error", async () => {
    const { pool: broken } = pool(2, true, dbosPointReads('eai_no_such_schema'));
    const [missing] = dbosPointReads('eai_no_such_schema');
    const results = await Promise.allSettled([
      broken.query(missing!.single, ['w1']),
      broken.query(missing!.single, ['w2']),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/does not exist/);
  });

  it('leave every other statement as it was', async () => {
    const { pool: coalesced, stats } = pool(2, true);
    expect((await coalesced.query('select $1::int + 1 as n', [1])).rows).toEqual([{ n: 2 }]);
    // DBOS's text with other spacing is another statement: sent alone.
    expect((await coalesced.query(status.single.replace('=$1', ' = $1'), ['w1'])).rows).toEqual([
      { status: 'PENDING' },
    ]);
    expect(stats!()).toEqual({ batches: 0, reads: 0 });
  });
});
