import type pg from 'pg';

/**
 * DBOS's point reads by key, each its own statement and round trip, coalesced across workflows into one statement
 * per event-loop turn: at 200 instances in flight, order-to-delivery sent 20 of its 61 statements per instance as
 * these reads (12 cancellation checks `SELECT status … WHERE workflow_uuid=$1`, 6 checks for a recorded operation,
 * 2 looks for a waiting message), and on this kind of machine each round trip costs far more in the write and the
 * wake-up than the lookup itself. A read joins the batch of its statement that is not yet sent; the batch goes out
 * at the next turn of the event loop, so it starts after every read in it was asked for and sees all that was
 * committed before each of them, as the read alone would. Only reads outside a transaction join (a transaction's
 * reads stay on its connection); any other statement passes through untouched.
 *
 * A read through the pool (`pool.query`) holds no connection while it waits; the batch takes one from the pool. A
 * read on a checked-out client holds that client; a batch with any such reader runs on one of their clients, so a
 * batch never waits for a connection that its own readers hold.
 */
export interface CoalescedRead {
  /** The statement as DBOS sends it (whitespace as written). */
  single: string;
  /** The same read for many keys: `$1` (and `$2`) are arrays of the single statement's parameters, the key columns selected as eai_k0 (eai_k1). */
  batch: string;
  /** Key parameters, 1 or 2: the single statement's parameters, in order. */
  keys: 1 | 2;
}

/** DBOS 5's point reads that run outside its transactions on every step, receive and sleep. */
export function dbosPointReads(schema: string): CoalescedRead[] {
  const s = `"${schema}"`;
  return [
    {
      single: `SELECT status FROM ${s}.workflow_status WHERE workflow_uuid=$1`,
      batch: `SELECT workflow_uuid AS eai_k0, status FROM ${s}.workflow_status WHERE workflow_uuid = ANY($1::text[])`,
      keys: 1,
    },
    {
      single: `SELECT output, error, child_workflow_id, function_name, serialization
       FROM ${s}.operation_outputs
      WHERE workflow_uuid=$1 AND function_id=$2`,
      // Both keys by = ANY, as the table's primary key (workflow_uuid, function_id) serves it; a reader takes only
      // its own pair's row of what the cross product brings.
      batch:
        'SELECT workflow_uuid AS eai_k0, function_id AS eai_k1, output, error, child_workflow_id, function_name, ' +
        `serialization FROM ${s}.operation_outputs WHERE workflow_uuid = ANY($1::text[]) AND function_id = ANY($2::int4[])`,
      keys: 2,
    },
    {
      single: `SELECT topic FROM ${s}.notifications WHERE destination_uuid=$1 AND topic=$2 AND consumed = false;`,
      batch:
        `SELECT destination_uuid AS eai_k0, topic AS eai_k1, topic FROM ${s}.notifications ` +
        'WHERE destination_uuid = ANY($1::text[]) AND topic = ANY($2::text[]) AND consumed = false',
      keys: 2,
    },
  ];
}

/** Keys at most in one batch; a read beyond them starts the next batch. */
const MAX_BATCH = 500;

type Row = Record<string, unknown>;
type Result = { command: string; rowCount: number; rows: Row[]; fields: unknown[] };
type Run = (text: string, values: unknown[]) => Promise<{ rows: Row[] }>;
type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

interface Reader {
  key: string;
  /** The reader's own client (a read on a checked-out client), to run the batch on. */
  run?: Run;
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/** Batches of one statement: the one still open to readers, sent at the next turn of the event loop. */
class Coalescer {
  private open: { readers: Reader[]; params: unknown[][] } | undefined;
  private readonly statement: CoalescedRead;
  private readonly pool: Run;
  sent = 0;
  read = 0;
  constructor(statement: CoalescedRead, pool: Run) {
    this.statement = statement;
    this.pool = pool;
  }

  ask(values: unknown[], run?: Run): Promise<Result> {
    const keys = values.slice(0, this.statement.keys);
    if (this.open === undefined || this.open.readers.length >= MAX_BATCH) {
      const batch = { readers: [] as Reader[], params: keys.map(() => [] as unknown[]) };
      this.open = batch;
      setImmediate(() => this.send(batch));
    }
    const batch = this.open;
    for (const [i, key] of keys.entries()) batch.params[i]!.push(key ?? null);
    return new Promise<Result>((resolve, reject) =>
      batch.readers.push({ key: keyOf(keys), run, resolve, reject }),
    );
  }

  private send(batch: { readers: Reader[]; params: unknown[][] }): void {
    if (this.open === batch) this.open = undefined;
    this.sent++;
    this.read += batch.readers.length;
    const run = batch.readers.find((reader) => reader.run)?.run ?? this.pool;
    run(this.statement.batch, batch.params).then(
      (result) => {
        const byKey = new Map<string, Row[]>();
        for (const row of result.rows) {
          const keys = [row.eai_k0, ...(this.statement.keys === 2 ? [row.eai_k1] : [])];
          const own: Row = {};
          for (const [column, value] of Object.entries(row))
            if (!column.startsWith('eai_k')) own[column] = value;
          const key = keyOf(keys);
          const rows = byKey.get(key);
          if (rows) rows.push(own);
          else byKey.set(key, [own]);
        }
        for (const reader of batch.readers) {
          const rows = byKey.get(reader.key) ?? [];
          // Each reader its own copies: DBOS may keep or change what it is given.
          reader.resolve({
            command: 'SELECT',
            rowCount: rows.length,
            rows: rows.map((row) => ({ ...row })),
            fields: [],
          });
        }
      },
      (error: Error) => {
        for (const reader of batch.readers) reader.reject(error);
      },
    );
  }
}

function keyOf(keys: unknown[]): string {
  return keys.map((key) => (key === undefined || key === null ? '\u0000' : String(key))).join('\u0001');
}

/** What the coalescing did: statements sent and the reads they answered. */
export interface CoalescedReadStats {
  batches: number;
  reads: number;
}

/**
 * From now on, `reads` sent through `pool.query` or through any of its clients outside a transaction are coalesced
 * (module comment). Call before the pool's first connection; returns the counts so far at any time.
 */
export function coalesceReads(pool: pg.Pool, reads: CoalescedRead[]): () => CoalescedReadStats {
  const poolQuery = pool.query.bind(pool) as unknown as Query;
  const viaPool: Run = (text, values) => poolQuery(text, values) as Promise<{ rows: Row[] }>;
  const bySingle = new Map(reads.map((read) => [read.single, new Coalescer(read, viaPool)]));
  const coalescible = (config: unknown, values: unknown, callback: unknown) =>
    typeof config === 'string' && Array.isArray(values) && callback === undefined
      ? bySingle.get(config)
      : undefined;

  (pool as unknown as { query: Query }).query = (config, values, callback) => {
    const coalescer = coalescible(config, values, callback);
    return coalescer ? coalescer.ask(values as unknown[]) : poolQuery(config, values, callback);
  };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    const own: Run = (text, values) => query(text, values) as Promise<{ rows: Row[] }>;
    let inTransaction = false;
    (client as unknown as { query: Query }).query = (config, values, callback) => {
      if (typeof config === 'string') {
        if (/^\s*(begin|start\s+transaction)\b/i.test(config)) inTransaction = true;
        else if (/^\s*(commit|rollback|end|abort)\b/i.test(config)) inTransaction = false;
      }
      const coalescer = inTransaction ? undefined : coalescible(config, values, callback);
      return coalescer ? coalescer.ask(values as unknown[], own) : query(config, values, callback);
    };
  });
  return () => {
    let batches = 0;
    let read = 0;
    for (const coalescer of bySingle.values()) {
      batches += coalescer.sent;
      read += coalescer.read;
    }
    return { batches, reads: read };
  };
}
