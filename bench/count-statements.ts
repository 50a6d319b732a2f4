// Counts the statements node-postgres sends, by text, and the transactions they run in: a preload for a benchmark
// (`npx node --import ./bench/count-statements.ts bench/workflows.ts --only o2d --warmup 0 --workflows 200`), for
// the stack's PostgreSQL, which has no pg_stat_statements. Only clients of databases whose name starts with
// EAI_COUNT_DATABASE (default `eai_bench_`) are counted. At exit it prints, per statement text (whitespace collapsed,
// cut at 110 characters), how many were sent and how many of them inside an explicit transaction, divided by
// EAI_COUNT_PER (the number of workflows, default 1), on stderr; with EAI_COUNT_JSON=<file> also as JSON.

import { writeFileSync } from 'node:fs';
import pg from 'pg';

const prefix = process.env.EAI_COUNT_DATABASE ?? 'eai_bench_';
const per = Number(process.env.EAI_COUNT_PER ?? '1');

interface Count {
  sent: number;
  inTransaction: number;
}
const counts = new Map<string, Count>();
const open = new WeakSet<object>();

type Query = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;
const original = pg.Client.prototype.query as unknown as Query;
(pg.Client.prototype as unknown as { query: Query }).query = function counted(config, values, callback) {
  const database = (this as unknown as { connectionParameters?: { database?: string } }).connectionParameters
    ?.database;
  if (database?.startsWith(prefix)) {
    const raw = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text;
    if (typeof raw === 'string') {
      const text = raw.replace(/\s+/g, ' ').trim().slice(0, 110);
      const verb = text.split(' ')[0]!.toUpperCase();
      if (verb === 'BEGIN') open.add(this);
      const count = counts.get(text) ?? { sent: 0, inTransaction: 0 };
      count.sent++;
      if (open.has(this)) count.inTransaction++;
      counts.set(text, count);
      if (verb === 'COMMIT' || verb === 'ROLLBACK') open.delete(this);
    }
  }
  return original.call(this, config, values, callback);
};

process.on('exit', () => {
  const rows = [...counts.entries()].sort((a, b) => b[1].sent - a[1].sent);
  const total = rows.reduce((n, [, c]) => n + c.sent, 0);
  const lines = rows.map(
    ([text, c]) =>
      `${(c.sent / per).toFixed(2).padStart(8)} ${(c.inTransaction / per).toFixed(2).padStart(8)}  ${text}`,
  );
  process.stderr.write(
    [
      `statements per unit (÷ ${per}): sent, in a transaction; ${(total / per).toFixed(2)} in all`,
      ...lines,
      '',
    ].join('\n'),
  );
  if (process.env.EAI_COUNT_JSON) {
    writeFileSync(process.env.EAI_COUNT_JSON, JSON.stringify(Object.fromEntries(counts), null, 1));
  }
});
