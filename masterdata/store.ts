/**
 * The master data store in PostgreSQL and the incremental matcher on top of it: each record is standardised,
 * looked up in the blocking index, scored against the member records it shares a key with, and clusters are
 * recomputed locally (only the golden records it touches). Bulk loads run the same code in batches.
 *
 * Clusters are the connected components of the pairs scored at or above the auto-merge threshold (plus pairs a
 * steward accepted, minus pairs a steward or an unmerge rejected). A cluster's golden id is derived from its
 * smallest member key; when clusters merge, the others point to the survivor. See README.md for the guarantee.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { NonRetriableError } from '../lib/errors.ts';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { migrate, quoteSchema } from '../store/migrate.ts';
import { createPool, inTransaction } from '../store/pool.ts';
import {
  blockHash,
  blockingKeys,
  blockLimit,
  indexKeys,
  isMatchKey,
  isSearchKey,
  KEY_VERSION,
} from './block.ts';
import { type MdmConfig, rulesDigest } from './config.ts';
import { displayName } from './customer-data.ts';
import { erasedKeyHash } from './erasure.ts';
import { asJsonb } from './jsonb.ts';
import { conflictTest, type PairScore, Scorer } from './score.ts';
import { isCjk, nameWords, type StandardCustomer, standardise } from './standardise.ts';
import { type Golden, type Member, SURVIVE_VERSION, survive } from './survivorship.ts';
import type { Sent } from './sync/changes.ts';
import { goldenIdTypeOf } from './sync/config.ts';
import { dropStaleSent, heldView } from './sync/sent.ts';
import { carriesGoldenIdType, queueBulkRestamps, queueBulkWriteBacks } from './sync/writeback.ts';

export const MIGRATIONS = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Per golden field: when the source changed it (ISO time), or null for a copy the hub wrote there. */
export type FieldTimes = Partial<Record<string, string | null>>;

/** `erased`: the record was erased (masterdata/erasure.ts) and is not matched again. */
export type Outcome = 'new' | 'merged' | 'review' | 'updated' | 'unchanged' | 'erased';

export interface UpsertResult {
  system: string;
  sourceId: string;
  /** Empty for an erased record. */
  goldenId: string;
  outcome: Outcome;
  /** Candidate records scored for this record (pairs compared). */
  compared: number;
}

export interface GoldenView {
  goldenId: string;
  status: 'active' | 'merged' | 'deleted';
  mergedInto: string | null;
  record: CustomerPartyMaster | null;
  lineage: Golden['lineage'] | null;
  members: Array<{ system: string; sourceId: string }>;
  /**
   * The links that hold the members together: pairs scored for auto-merge (`auto`, with their probability) and a
   * steward's `accepted` ones. Rejecting one (a steward decision) takes the records apart if nothing else links them.
   */
  links: Array<{
    a: { system: string; sourceId: string };
    b: { system: string; sourceId: string };
    status: 'auto' | 'accepted';
    probability: number;
    /** Who accepted the link and when (a steward's name, `eai-mdm (created by the hub)`); null for a scored one. */
    decidedBy: string | null;
    decidedAt: Date | null;
  }>;
}

interface Key {
  system: string;
  sourceId: string;
}

/**
 * A record to match: the system it comes from, the canonical Customer, its field times and what the hub last
 * sent to it and still stands (masterdata/sync; see `upsertIn`).
 */
export interface MatchItem {
  system: string;
  customer: CustomerPartyMaster;
  fieldTimes?: FieldTimes;
  sent?: Sent | null;
  /** A record known to be the same customer (accepted link, `actor` its decider): joined in the same batch. */
  link?: Link;
  /**
   * Match it again even when it is stored as it is (`rematch`: rules changed since it was matched): its comparison
   * forms and keys are made anew, its pairs scored again, its cluster recomputed. Without it, an unchanged record is
   * `unchanged` at the cost of one lookup.
   */
  force?: boolean;
  /**
   * When the system's change reached the hub (ISO 8601), kept as the record's `received_at`, sync health's "last
   * received": the event's Kafka record time on `canonical.customer` (when it reached the bus, not when the matcher
   * handled it); absent, now (a file load, a reconcile's repair: the hub reads the export now); null, not received
   * (a rematch: the record's stays). A stored record's only moves forward (a replay of older events); an unchanged
   * record's moves too when given (an event sent again reached the bus).
   */
  receivedAt?: string | null;
}

/** An accepted link to a record of a golden record: the record joins that golden record whatever it scores. */
export interface Link extends Key {
  /** The golden id the linked record belongs to now (reclustered with the batch). */
  goldenId: string;
  actor: string;
}

const SEP = '\u001f';
const keyOf = (k: Key) => `${k.system}${SEP}${k.sourceId}`;
const splitKey = (key: string): Key => {
  const at = key.indexOf(SEP);
  return { system: key.slice(0, at), sourceId: key.slice(at + 1) };
};
const lessKey = (a: Key, b: Key) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);

/**
 * A record's block_key rows to delete and to insert when its keys go from `before` to `after` (text keys, as
 * source_record.keys holds them), by hash (block.ts blockHash), each once: two keys of a record with one hash share
 * a row. `index` says whether a new key gets a row (a stopped key the matcher never reads gets none).
 */
function hashDiff(
  before: readonly string[],
  after: readonly string[],
  index: (key: string) => boolean,
): { gone: string[]; added: string[] } {
  const old = new Set(before.map(blockHash));
  const now = new Set<string>();
  const added = new Set<string>();
  for (const k of after) {
    const h = blockHash(k);
    now.add(h);
    if (!old.has(h) && index(k)) added.add(h);
  }
  return { gone: [...old].filter((h) => !now.has(h)), added: [...added] };
}

/** The golden id of a cluster: derived from its smallest member key, so it does not depend on arrival order. */
export function goldenIdFor(founding: Key): string {
  return `gc-${createHash('sha256').update(keyOf(founding)).digest('hex').slice(0, 20)}`;
}

/** The source id a canonical Customer carries for `system`. */
export function sourceIdOf(system: string, customer: CustomerPartyMaster): string {
  const own = customer.sourceIds?.find((s) => s.system === system)?.id;
  if (own) return own;
  const prefix = `${system}:`;
  if (customer.customerId?.startsWith(prefix)) return customer.customerId.slice(prefix.length);
  if (customer.customerId) return customer.customerId;
  throw new NonRetriableError(`customer has no ${system} source id and no customerId`);
}

/** The customer with its `system` id `from` written as `to`, where `sourceIdOf` reads it. */
function withSourceId(
  system: string,
  customer: CustomerPartyMaster,
  from: string,
  to: string,
): CustomerPartyMaster {
  if (customer.sourceIds?.some((s) => s.system === system && s.id === from))
    return {
      ...customer,
      sourceIds: customer.sourceIds.map((s) => (s.system === system && s.id === from ? { ...s, id: to } : s)),
    };
  const prefix = `${system}:`;
  const customerId = customer.customerId?.startsWith(prefix) ? `${prefix}${to}` : to;
  return { ...customer, customerId };
}

/**
 * The forms a customer number takes: SAP keeps KUNNR with leading zeros to ten (0000100001); its IDocs, EDI
 * partners, APIs and a CSV export opened in Excel often write it without (100001). The id as given first.
 */
export function idForms(id: string): string[] {
  if (!/^\d{1,10}$/.test(id)) return [id];
  const bare = id.replace(/^0+(?=\d)/, '');
  return [...new Set([id, bare, bare.padStart(10, '0')])];
}

/**
 * A read of one record by any form of its id (`idForms`), in one statement: the form given if it is held, else the
 * other one held (see `MasterDataStore.storedId`). With `anyForm(system, id)` as its parameters.
 */
const ANY_FORM = 'system = $1 and source_id = any($2::text[]) order by source_id = $3 desc limit 1';
const anyForm = (system: string, sourceId: string) => [system, idForms(sourceId), sourceId];

/** What a steward needs to tell two records apart at a glance: name, birth date, city (as the record has them). */
function labelOf(record: CustomerPartyMaster): string {
  return [displayName(record), record.birthDate, record.addresses?.[0]?.city].filter(Boolean).join(', ');
}

class UnionFind {
  readonly #parent = new Map<string, string>();
  add(x: string) {
    if (!this.#parent.has(x)) this.#parent.set(x, x);
  }
  find(x: string): string {
    let root = x;
    while (this.#parent.get(root) !== root) root = this.#parent.get(root) ?? root;
    let cur = x;
    while (cur !== root) {
      const next = this.#parent.get(cur) ?? root;
      this.#parent.set(cur, root);
      cur = next;
    }
    return root;
  }
  union(a: string, b: string) {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const [low, high] = ra < rb ? [ra, rb] : [rb, ra];
    this.#parent.set(high, low);
  }
  groups(): string[][] {
    const out = new Map<string, string[]>();
    for (const x of this.#parent.keys()) {
      const r = this.find(x);
      const list = out.get(r) ?? [];
      list.push(x);
      out.set(r, list);
    }
    return [...out.values()].map((g) => g.sort());
  }
}

export type Client = pg.PoolClient;

interface MemberRow {
  system: string;
  source_id: string;
  record: CustomerPartyMaster;
  golden_id: string | null;
  field_times: FieldTimes;
}

/** A record to match with what needs no database worked out (MasterDataStore.prepare). */
interface PreparedItem {
  system: string;
  sourceId: string;
  self: Key;
  key: string;
  customer: CustomerPartyMaster;
  fieldTimes: FieldTimes | undefined;
  hash: string;
  std: StandardCustomer;
  /** What it is scored as: `std`, or the record as its system holds it (`sent`, sync/sent.ts heldView). */
  view: StandardCustomer;
  /** The keys it is indexed under (block.ts indexKeys): the blocking keys and search's word keys. */
  keys: string[];
  /** The keys the matcher blocks on (block.ts isMatchKey): the others only search reads. */
  matchKeys: string[];
  /** The record and its field times as the jsonb columns give them back. */
  stored: { record: CustomerPartyMaster; fieldTimes: FieldTimes };
  link: Link | undefined;
  force: boolean;
  receivedAt: string | null | undefined;
}

/** A record of a batch as it will be stored; `golden_id` is the one it had before (null: new). */
interface FreshRow extends MemberRow {
  std: StandardCustomer;
  /** Its number (source_record.rec): stored, or drawn by the match read for a new record. */
  rec: string;
  content_hash: string;
  keys: string[];
  /** Whether source_record holds it already (read, and locked, by the batch). */
  stored: boolean;
  /** When its change reached the hub (`MatchItem.receivedAt`); null: not received, the stored one stays. */
  received_at: string | null;
}

interface GoldenRow {
  golden_id: string;
  founding_system: string;
  founding_id: string;
  record: CustomerPartyMaster | null;
  lineage: Golden['lineage'] | null;
  status: 'active' | 'merged' | 'deleted';
  merged_into: string | null;
}

/** What `MasterDataStore.migrate` is doing when it tells its progress (a page at a time). */
export type MigrationStep = 'records indexed again' | 'golden records computed again';

/**
 * The config a hub saved in `schema` (its master data role does at start, `saveConfig`), or undefined: none saved, or
 * no such schema or table yet.
 */
export async function storedMdmConfig(pool: pg.Pool, schema: string): Promise<unknown> {
  const result = await pool
    .query<{ value: unknown }>(`select value from ${quoteSchema(schema)}.settings where key = 'config'`)
    .catch((error: { code?: string }) => {
      // undefined_table, invalid_schema_name: nothing saved.
      if (error.code === '42P01' || error.code === '3F000') return undefined;
      throw error;
    });
  return result?.rows[0]?.value;
}

export class MasterDataStore {
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly config: MdmConfig;
  readonly #q: string;
  readonly #scorer: Scorer;
  /** The configured conflict the pair of two records shows (config `conflicts`), or null. */
  readonly #conflict: (a: StandardCustomer, b: StandardCustomer) => string | null;

  constructor(options: {
    databaseUrl?: string;
    pool?: pg.Pool;
    schema?: string;
    config: MdmConfig;
    scorer?: Scorer;
    /**
     * A pooled connection that broke while idle (PostgreSQL restarted): the pool drops it and the next query opens
     * another. Without a listener pg's pool throws it as an 'error' event, which ended the hub's process.
     */
    onPoolError?: (error: Error) => void;
  }) {
    if (options.pool) this.pool = options.pool;
    else {
      this.pool = createPool({ connectionString: options.databaseUrl, max: 4 }, (error) =>
        options.onPoolError?.(error),
      );
    }
    this.schema = options.schema ?? 'mdm';
    this.#q = quoteSchema(this.schema);
    this.config = options.config;
    this.#scorer = options.scorer ?? Scorer.fromConfig(options.config);
    this.#conflict = conflictTest(options.config.conflicts);
  }

  /**
   * A statement prepared once per connection (the matcher's statements are planned once instead of on every
   * record: for one record, planning took longer than running them).
   */
  #prepared<R extends pg.QueryResultRow>(client: Client, id: string, text: string, values: unknown[]) {
    const name = `mdm_${createHash('sha1').update(`${this.schema}\u0000${id}`).digest('hex').slice(0, 16)}`;
    return client.query<R>({ name, text, values });
  }

  /**
   * Brings the schema up to date: its migrations, then the stored records indexed again where the blocking keys
   * changed (KEY_VERSION) and golden records computed again where survivorship did (SURVIVE_VERSION): minutes at a
   * million records, so `progress` is told after each page (what is being done, how many so far).
   */
  async migrate(progress?: (step: MigrationStep, done: number) => void): Promise<string[]> {
    const applied = await migrate(this.pool, this.schema, MIGRATIONS);
    await this.#rekey(progress);
    await this.#resurvive(progress);
    // The rules the records are matched by, from the first opening on (masterdata/rematch.ts rulesChanged).
    await this.pool.query(
      `insert into ${this.#q}.settings (key, value) values ('matched-rules', $1) on conflict (key) do nothing`,
      [JSON.stringify(rulesDigest(this.config))],
    );
    return applied;
  }

  /** Whether the stored records were made by a version of the keys or of survivorship older than `current`. */
  async #storedBefore(column: 'key_version' | 'survive_version', current: number): Promise<boolean> {
    const version = await this.#storedVersion(column);
    return version !== undefined && version < current;
  }

  /** The version of the keys or of survivorship the stored records were made by. */
  async #storedVersion(column: 'key_version' | 'survive_version'): Promise<number | undefined> {
    return (
      await this.pool.query<{ version: number }>(`select ${column} as version from ${this.#q}.block_meta`)
    ).rows[0]?.version;
  }

  /**
   * Computes the active golden records again from their members when survivorship.ts changed what golden values look
   * like (SURVIVE_VERSION): a golden record stored before phones were kept in E.164 would otherwise keep its old form
   * until one of its members changed. A page of golden records a transaction, under the matcher's lock; only records
   * whose values change are written, and those go out to the systems through the golden outbox as any change does.
   * Idempotent: a pass that stops is finished by the next migrate.
   */
  async #resurvive(progress?: (step: MigrationStep, done: number) => void): Promise<void> {
    const q = this.#q;
    if (!(await this.#storedBefore('survive_version', SURVIVE_VERSION))) return;
    let after = '';
    let done = 0;
    for (let more = true; more; ) {
      more = await this.transaction(async (client) => {
        const ids = (
          await client.query<{ golden_id: string }>(
            `select golden_id from ${q}.golden where status = 'active' and golden_id > $1
              order by golden_id limit 1000`,
            [after],
          )
        ).rows.map((r) => r.golden_id);
        const members = new Map<string, Member[]>();
        const rows = await client.query<{
          golden_id: string;
          system: string;
          source_id: string;
          record: CustomerPartyMaster;
          field_times: FieldTimes | null;
        }>(
          `select golden_id, system, source_id, record, field_times from ${q}.source_record
            where golden_id = any($1::text[])`,
          [ids],
        );
        for (const r of rows.rows) {
          const list = members.get(r.golden_id) ?? [];
          list.push({
            system: r.system,
            sourceId: r.source_id,
            record: r.record,
            fieldTimes: r.field_times ?? undefined,
          });
          members.set(r.golden_id, list);
        }
        const goldens = [...members].map(([id, list]) => ({
          golden_id: id,
          ...survive(id, list, this.config),
        }));
        await client.query(
          `update ${q}.golden g set record = x.record, lineage = x.lineage, version = g.version + 1,
                  updated_at = now()
             from jsonb_to_recordset($1::jsonb) as x(golden_id text, record jsonb, lineage jsonb)
            where g.golden_id = x.golden_id
              and (g.record is distinct from x.record or g.lineage is distinct from x.lineage)`,
          [JSON.stringify(goldens)],
        );
        after = ids.at(-1) ?? after;
        done += ids.length;
        return ids.length === 1000;
      });
      progress?.('golden records computed again', done);
    }
    await this.pool.query(`update ${q}.block_meta set survive_version = $1`, [SURVIVE_VERSION]);
  }

  /**
   * Re-indexes the stored records when the comparison forms or blocking keys changed (KEY_VERSION, raised by a change
   * of standardise.ts's forms as by one of block.ts's keys): each record's comparison form (`std`) is made again from
   * the record as received (`source_record.record`) by the current `standardise`, and its keys and type-ahead words
   * from that, a page at a time, each page in a transaction under the matcher's lock. A stored `std` is the form the
   * version that stored it made (before KEY_VERSION 7, of the first address only), so keys made from it would miss
   * what the new version compares. Records whose form changed were scored into pairs by the old one: the
   * schema's `matched-rules` are then marked as not the current ones, so the hub says at start to run `eai mdm
   * rematch` (rematch.ts rulesChanged), and a rematch finished before starts again. Idempotent: a rekey that stops
   * is finished by the next migrate.
   */
  async #rekey(progress?: (step: MigrationStep, done: number) => void): Promise<void> {
    const q = this.#q;
    await this.#hashStoppedKeys();
    const version = await this.#storedVersion('key_version');
    if (version === undefined || version >= KEY_VERSION) return;
    let after: [string, string] = ['', ''];
    let done = 0;
    let reformed = 0;
    for (let more = true; more; ) {
      more = await this.transaction(async (client) => {
        const rows = (
          await client.query<{
            system: string;
            source_id: string;
            rec: string;
            record: CustomerPartyMaster;
            std: string;
            keys: string[];
          }>(
            `select system, source_id, rec, record, std::text as std, keys from ${q}.source_record
              where (system, source_id) > ($1, $2) order by system, source_id limit 2000`,
            after,
          )
        ).rows;
        const gone: Array<[string, string]> = [];
        const added: Array<[string, string]> = [];
        const words: Array<[string, string]> = [];
        const wordsOf: string[] = [];
        const rekeyed = rows.map((r) => {
          const old = JSON.parse(r.std) as StandardCustomer;
          const std = standardise(r.record, this.config);
          const text = JSON.stringify(std);
          // In jsonb's key order: forms stored while std was jsonb (before migration 014) have their keys sorted.
          if (JSON.stringify(asJsonb(std)) !== JSON.stringify(asJsonb(old))) reformed++;
          const keys = indexKeys(std);
          const { gone: out, added: into } = hashDiff(r.keys, keys, () => true);
          for (const h of out) gone.push([h, r.rec]);
          for (const h of into) added.push([h, r.rec]);
          // Type-ahead words written anew where the name's form changed, and for CJK names (KEY_VERSION 5: every
          // suffix of their characters, standardise.ts nameWords); the others' words are as they were.
          const now = nameWords(std);
          if ((std.nameTokens ?? []).some(isCjk) || now.join('\u0000') !== nameWords(old).join('\u0000')) {
            wordsOf.push(r.rec);
            for (const w of now) words.push([w, r.rec]);
          }
          return { system: r.system, source_id: r.source_id, keys, std: text };
        });
        if (wordsOf.length)
          await client.query(
            `with n as (select * from unnest($1::text[], $2::bigint[]) as n(word, rec)),
               gone as (
                 delete from ${q}.name_word w using unnest($3::bigint[]) as r(rec)
                  where w.rec = r.rec and not exists (select 1 from n where n.word = w.word and n.rec = w.rec))
             insert into ${q}.name_word (word, rec) select * from n on conflict do nothing`,
            [words.map((w) => w[0]), words.map((w) => w[1]), wordsOf],
          );
        await client.query(
          `with gone as (delete from ${q}.block_key bk using unnest($1::bigint[], $2::bigint[]) as g(k, r)
                          where bk.key = g.k and bk.rec = g.r),
                added as (insert into ${q}.block_key (key, rec)
                          select * from unnest($3::bigint[], $4::bigint[]) on conflict do nothing)
           update ${q}.source_record sr set keys = x.keys, std = x.std::json
             from jsonb_to_recordset($5::jsonb) as x(system text, source_id text, keys text[], std text)
            where sr.system = x.system and sr.source_id = x.source_id`,
          [
            gone.map((g) => g[0]),
            gone.map((g) => g[1]),
            added.map((a) => a[0]),
            added.map((a) => a[1]),
            JSON.stringify(rekeyed),
          ],
        );
        const last = rows.at(-1);
        if (last) after = [last.system, last.source_id];
        done += rows.length;
        return rows.length === 2000;
      });
      progress?.('records indexed again', done);
    }
    if (reformed > 0) {
      await this.saveSetting('matched-rules', `key version ${version}`);
      await this.pool.query(`delete from ${q}.settings where key = 'rematch'`);
    }
    await this.pool.query(`update ${q}.block_meta set key_version = $1`, [KEY_VERSION]);
  }

  /**
   * The keys stopped before block_stop was keyed by hash (migration 014 kept them aside in block_stop_text): hashed
   * into block_stop, then the old table goes. Once per schema; one catalog look-up per migrate after that.
   */
  async #hashStoppedKeys(): Promise<void> {
    const q = this.#q;
    const exists = (
      await this.pool.query<{ t: string | null }>('select to_regclass($1) as t', [`${q}.block_stop_text`])
    ).rows[0]?.t;
    if (!exists) return;
    await this.transaction(async (client) => {
      const rows = (
        await client.query<{ key: string; holders: number; stopped_at: Date }>(
          `select key, holders, stopped_at from ${q}.block_stop_text`,
        )
      ).rows;
      await client.query(
        `insert into ${q}.block_stop (key, name, holders, stopped_at)
         select * from unnest($1::bigint[], $2::text[], $3::int[], $4::timestamptz[]) on conflict do nothing`,
        [
          rows.map((r) => blockHash(r.key)),
          rows.map((r) => r.key),
          rows.map((r) => r.holders),
          rows.map((r) => r.stopped_at),
        ],
      );
      await client.query(`drop table ${q}.block_stop_text`);
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Saves the config this store runs with as the schema's (`storedMdmConfig`): the hub's master data role does. */
  async saveConfig(): Promise<void> {
    await this.saveSetting('config', this.config);
  }

  /** Runs `fn` in one transaction that holds the matcher's lock (one writer at a time keeps clusters exact). */
  async transaction<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    // One round trip for both (the schema name is a checked identifier, see quoteSchema).
    return inTransaction(
      this.pool,
      fn,
      `begin; select pg_advisory_xact_lock(hashtext('mdm:${this.schema}'))`,
    );
  }

  /**
   * Takes the matcher's lock for the client's transaction: one writer per schema. The sync relay takes it too
   * while it publishes, so an echo is never classified before the relay's record of what it sent is committed.
   */
  async lock(client: Client): Promise<void> {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`mdm:${this.schema}`]);
  }

  /** Matches and merges one record, in its own transaction. */
  async upsert(system: string, customer: CustomerPartyMaster): Promise<UpsertResult> {
    return this.transaction((client) => this.upsertIn(client, system, customer));
  }

  /**
   * Matches and merges records in one transaction (bulk loads), with the results of matching them one after the
   * other (see `matchIn`). Records erased before (masterdata/erasure.ts) are not loaded again: outcome `erased`.
   * A stored record that changed and holds other values than its golden record of a system the config pushes to
   * (it lost survivorship) is queued to be written back there, as the live matcher does with an edit that lost
   * (sync/writeback.ts `queueBulkWriteBacks`): a load or a reconcile's repair leaves no system behind. One that
   * comes without the golden id stamp the hub held on it is stamped again (`queueBulkRestamps`), where the batch
   * shows that its export reads the stamp (a record of it carries one) or the caller says so (`readsStamp`).
   */
  async upsertBatch(
    items: MatchItem[],
    /** Runs in the same transaction after the batch (a load's resume position, an inbox entry). */
    alsoInTransaction?: (client: Client, results: UpsertResult[]) => Promise<void>,
    options: { readsStamp?: (system: string) => boolean } = {},
  ): Promise<UpsertResult[]> {
    return this.transaction(async (client) => {
      const before = await this.#heldIds(client, items);
      // A record erased under any form of its id (100001 for 0000100001) stays erased.
      const hashes = items.map((item) =>
        idForms(sourceIdOf(item.system, item.customer)).map((id) => erasedKeyHash(item.system, id)),
      );
      const found = new Set(
        (
          await this.#prepared<{ key_hash: string }>(
            client,
            'erased-read',
            `select key_hash from ${this.#q}.erased_key where key_hash = any($1::text[])`,
            [hashes.flat()],
          )
        ).rows.map((r) => r.key_hash),
      );
      const erased = hashes.map((forms) => forms.some((hash) => found.has(hash)));
      const matched = await this.matchIn(
        client,
        items.filter((_, i) => !erased[i]),
      );
      const out = items.map((item, i) =>
        erased[i]
          ? {
              system: item.system,
              sourceId: sourceIdOf(item.system, item.customer),
              goldenId: '',
              outcome: 'erased' as const,
              compared: 0,
            }
          : (matched.shift() as UpsertResult),
      );
      const systems = this.config.sync.systems;
      const pushes = (system: string) => systems[system]?.push === true;
      await queueBulkWriteBacks(
        client,
        this.schema,
        pushes,
        out.flatMap((r, i) =>
          r.goldenId && r.outcome !== 'unchanged' && pushes(r.system)
            ? [{ ...r, record: (items[i] as MatchItem).customer }]
            : [],
        ),
      );
      const idType = (system: string) => goldenIdTypeOf(system, systems[system]);
      const carried = new Set(
        items
          .filter((item) => carriesGoldenIdType(item.customer, item.system, idType(item.system)))
          .map((item) => item.system),
      );
      await queueBulkRestamps(
        client,
        this.schema,
        systems,
        out.flatMap((r, i) =>
          r.outcome !== 'unchanged' && before.has(i)
            ? [{ ...r, record: (items[i] as MatchItem).customer, before: before.get(i) ?? null }]
            : [],
        ),
        (system) => carried.has(system) || options.readsStamp?.(system) === true,
      );
      await alsoInTransaction?.(client, out);
      return out;
    });
  }

  /**
   * The records' own ids as stored before the batch (by any form of their ids), by the item's index: only of the
   * systems the config pushes to that keep a golden id, whose stamps a bulk record may come without.
   */
  async #heldIds(client: Client, items: MatchItem[]): Promise<Map<number, CustomerPartyMaster['sourceIds']>> {
    const systems = this.config.sync.systems;
    const forms = items.flatMap((item, n) => {
      if (!systems[item.system]?.push || !goldenIdTypeOf(item.system, systems[item.system])) return [];
      const id = sourceIdOf(item.system, item.customer);
      return idForms(id).map((form) => ({ n, system: item.system, form, given: form === id }));
    });
    if (forms.length === 0) return new Map();
    const rows = (
      await client.query<{ n: number; ids: CustomerPartyMaster['sourceIds'] | null }>(
        `select distinct on (f.n) f.n, sr.record -> 'sourceIds' as ids
           from unnest($1::int[], $2::text[], $3::text[], $4::bool[]) as f(n, s, form, given)
           join ${this.#q}.source_record sr on sr.system = f.s and sr.source_id = f.form
          order by f.n, f.given desc`,
        [
          forms.map((f) => f.n),
          forms.map((f) => f.system),
          forms.map((f) => f.form),
          forms.map((f) => f.given),
        ],
      )
    ).rows;
    return new Map(rows.map((r) => [r.n, r.ids ?? []]));
  }

  /**
   * `fieldTimes`: per golden field, when the source changed it, or null for the hub's copy (masterdata/sync);
   * absent, the record's updatedAt stands for every field, as before. `sent`: what the hub last sent to this
   * record and still stands (sync/sent.ts). Records are scored as their systems hold them (`heldView`: with the
   * hub's writes whose echo has not come yet, this one by `sent`, the others by their `sync_sent` rows); the
   * record is stored, and blocked, as received.
   */
  async upsertIn(
    client: Client,
    system: string,
    customer: CustomerPartyMaster,
    fieldTimes?: FieldTimes,
    sent?: Sent | null,
    link?: Link,
  ): Promise<UpsertResult> {
    const [result] = await this.matchIn(client, [{ system, customer, fieldTimes, sent, link }]);
    if (!result) throw new Error('no result for the record matched');
    return result;
  }

  /**
   * Matches and merges records in the client's transaction (which must hold the matcher's lock), with a
   * handful of statements per batch instead of per record. The pairs scored, and so the clusters, golden ids and
   * golden values, are those of matching the records one after the other: each record is compared with the
   * stored records it shares a key with and with the earlier records of the batch it shares a key with, then
   * the clusters all of them touch are recomputed once. A record that comes twice in a batch starts a new
   * sub-batch, so the second sees the first. What differs from one transaction per record is only what nobody
   * saw: a golden record born and merged within one batch is never written, and the merge history has one
   * entry per batch and cluster. Each result's golden id is the record's golden id at the end of the batch.
   */
  async matchIn(client: Client, given: MatchItem[], actor = 'matcher'): Promise<UpsertResult[]> {
    const items = await this.#asStored(client, given);
    const out: UpsertResult[] = [];
    const seen = new Set<string>();
    let start = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as MatchItem;
      const key = keyOf({ system: item.system, sourceId: sourceIdOf(item.system, item.customer) });
      if (seen.has(key)) {
        out.push(...(await this.#matchBatch(client, items.slice(start, i), actor)));
        start = i;
        seen.clear();
      }
      seen.add(key);
    }
    if (start < items.length) out.push(...(await this.#matchBatch(client, items.slice(start), actor)));
    return out;
  }

  /**
   * The items with each record's id in the form the hub holds it under (`storedId`): a record that arrives as 100001
   * updates the 0000100001 that came before it, instead of becoming a second record of the same customer.
   */
  async #asStored(client: Client, items: MatchItem[]): Promise<MatchItem[]> {
    const stored = await this.#storedIds(
      client,
      items.map((item) => ({ system: item.system, sourceId: sourceIdOf(item.system, item.customer) })),
    );
    if (stored.size === 0) return items;
    return items.map((item) => {
      const given = sourceIdOf(item.system, item.customer);
      const form = stored.get(keyOf({ system: item.system, sourceId: given }));
      return form === undefined
        ? item
        : { ...item, customer: withSourceId(item.system, item.customer, given, form) };
    });
  }

  /**
   * Does the matcher's work on records that needs no database (ids, content hash, comparison forms, blocking
   * keys, the stored form), ahead of `upsertBatch`: a loader prepares its next batch while PostgreSQL works on
   * the current one. Pure CPU, in slices that give the event loop back; kept per item object until matched.
   */
  async prepare(items: MatchItem[], slice = 25): Promise<void> {
    for (let i = 0; i < items.length; i += slice) {
      for (const item of items.slice(i, i + slice)) {
        if (!this.#ready.has(item)) this.#ready.set(item, this.#prepareItem(item));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  readonly #ready = new WeakMap<MatchItem, PreparedItem>();

  #prepareItem({ system, customer, fieldTimes, sent, link, force, receivedAt }: MatchItem): PreparedItem {
    const sourceId = sourceIdOf(system, customer);
    const hash = createHash('sha256')
      .update(JSON.stringify(customer))
      .update(fieldTimes ? JSON.stringify(fieldTimes) : '')
      .digest('hex');
    const std = standardise(customer, this.config);
    const self = { system, sourceId };
    const keys = indexKeys(std);
    return {
      system,
      sourceId,
      self,
      key: keyOf(self),
      customer,
      fieldTimes,
      hash,
      std,
      view: this.#held(customer, sent) ?? std,
      keys,
      matchKeys: keys.filter(isMatchKey),
      stored: { record: asJsonb(customer), fieldTimes: asJsonb(fieldTimes ?? {}) },
      link,
      force: force === true,
      receivedAt,
    };
  }

  /** A record as its system holds it, standardised for scoring, or null when that is the record as received. */
  #held(record: CustomerPartyMaster | null, sent: Sent | null | undefined): StandardCustomer | null {
    const view = record && heldView(record, sent);
    return view ? standardise(view, this.config) : null;
  }

  async #matchBatch(client: Client, items: MatchItem[], actor: string): Promise<UpsertResult[]> {
    const q = this.#q;
    /** A change received without a time of its own (a file load, a repair): received now. */
    const now = new Date().toISOString();
    const prepared = items.map((item) => {
      const ready = this.#ready.get(item) ?? this.#prepareItem(item);
      this.#ready.delete(item);
      return ready;
    });
    // One round trip: the batch's stored rows (locked), the keys already stopped (too common), the stored
    // records sharing a live key with the batch, and the steward's accepted links of the batch's records. With a
    // record the hub has written to, the record and what the hub last sent there (scored as its system holds it).
    const allKeys = [...new Set(prepared.flatMap((p) => p.matchKeys))];
    // block_key and block_stop hold hashes (block.ts blockHash): each is read back as the batch's keys that have it.
    const keysOfHash = new Map<string, string[]>();
    for (const k of allKeys) {
      const h = blockHash(k);
      const same = keysOfHash.get(h);
      if (same) same.push(k);
      else keysOfHash.set(h, [k]);
    }
    const read = (
      await this.#prepared<{
        kind: 'x' | 'n' | 'h' | 'r' | 'l' | 's';
        a: string | null;
        b: string | null;
        key: string | null;
        rec: string | null;
        std: StandardCustomer | null;
        golden_id: string | null;
        content_hash: string | null;
        keys: string[] | null;
        record: CustomerPartyMaster | null;
        sent_fields: string[] | null;
        sent_vals: Record<string, unknown> | null;
      }>(
        client,
        'match-read',
        `with x as (select * from unnest($1::text[], $2::text[]) as x(s, i)),
         existing as materialized (
           select sr.* from x cross join lateral (
             select system, source_id, rec, golden_id, content_hash, keys from ${q}.source_record sr
              where sr.system = x.s and sr.source_id = x.i for update) sr),
         stop as materialized (select key from ${q}.block_stop where key = any($3::bigint[])),
         hits as materialized (
           select bk.key, bk.rec from ${q}.block_key bk
            where bk.key = any(array(select k from unnest($3::bigint[]) as k except select key from stop))),
         -- Each record hit once, however many keys it shares, by one index probe (offset 0 keeps it one: the
         -- planner cannot count the hits and would otherwise hash the whole source_record table for a few).
         cand as materialized (
           select d.rec, sr.system, sr.source_id, sr.std, sr.golden_id from (select distinct rec from hits) d
             cross join lateral (select system, source_id, std, golden_id from ${q}.source_record sr
                                  where sr.rec = d.rec offset 0) sr),
         -- What the hub sent to them, in one index scan (few records have a row; a probe per candidate cost
         -- about a tenth of the statement's buffer accesses on an empty table).
         sent as materialized (
           select ss.golden_id, ss.system, ss.source_id, ss.fields, ss.vals from ${q}.sync_sent ss
            where ss.golden_id = any(array(select golden_id from cand where golden_id is not null)))
         select 'x' as kind, e.system as a, e.source_id as b, null::bigint as key, e.rec, null::json as std,
                e.golden_id, e.content_hash, e.keys, null::jsonb as record, ss.fields as sent_fields,
                ss.vals as sent_vals
           from existing e
           left join lateral (select fields, vals from ${q}.sync_sent ss
                               where ss.golden_id = e.golden_id and ss.system = e.system
                                 and ss.source_id = e.source_id offset 0) ss on true
         union all
         -- The numbers of the batch's new records (block_key names them before source_record holds them).
         select 'n', x.s, x.i, null, nextval('${q}.source_record_rec_seq'), null, null, null, null, null, null, null
           from x where not exists (select 1 from existing e where e.system = x.s and e.source_id = x.i)
         union all
         select 's', null, null, null, null, null, null, null, coalesce(array_agg(key::text), '{}'), null, null, null
           from stop
         union all
         select 'h', null, null, key, rec, null, null, null, null, null, null, null from hits
         union all
         select 'r', c.system, c.source_id, null, c.rec, c.std, c.golden_id, null, null,
                case when s.fields is not null then
                  (select record from ${q}.source_record sr where sr.system = c.system and sr.source_id = c.source_id)
                end, s.fields, s.vals
           from cand c
           left join sent s on s.golden_id = c.golden_id and s.system = c.system and s.source_id = c.source_id
         union all
         -- Accepted links of the records stored already (a new record has none that count).
         select 'l', e.system, e.source_id, null, null, null, sr.golden_id, null, null, null, null, null
           from existing e
           cross join lateral (
             select b_system as s, b_id as i from ${q}.match_pair mp
              where mp.a_system = e.system and mp.a_id = e.source_id and mp.status = 'accepted'
             union all
             select a_system, a_id from ${q}.match_pair mp
              where mp.b_system = e.system and mp.b_id = e.source_id and mp.status = 'accepted' offset 0) other
           left join lateral (select golden_id from ${q}.source_record sr
                               where sr.system = other.s and sr.source_id = other.i offset 0) sr on true`,
        [prepared.map((p) => p.system), prepared.map((p) => p.sourceId), [...keysOfHash.keys()]],
      )
    ).rows;
    type StoredRow = {
      rec: string;
      golden_id: string | null;
      content_hash: string;
      keys: string[];
      sent: Sent | null;
    };
    const sentOf = (r: (typeof read)[number]): Sent | null =>
      r.sent_fields ? { fields: r.sent_fields, vals: r.sent_vals ?? {} } : null;
    const existing = new Map<string, StoredRow>();
    const accepted = new Map<string, Array<string | null>>();
    const newRecs = new Map<string, string>();
    for (const r of read) {
      if (r.kind === 'x') {
        existing.set(keyOf({ system: r.a ?? '', sourceId: r.b ?? '' }), {
          rec: String(r.rec),
          golden_id: r.golden_id,
          content_hash: r.content_hash ?? '',
          keys: r.keys ?? [],
          sent: sentOf(r),
        });
      } else if (r.kind === 'n') {
        newRecs.set(keyOf({ system: r.a ?? '', sourceId: r.b ?? '' }), String(r.rec));
      } else if (r.kind === 'l') {
        const k = keyOf({ system: r.a ?? '', sourceId: r.b ?? '' });
        accepted.set(k, [...(accepted.get(k) ?? []), r.golden_id]);
      }
    }
    const results = new Map<string, UpsertResult>();
    const todo: Array<(typeof prepared)[number] & { old: StoredRow | undefined }> = [];
    for (const p of prepared) {
      const old = existing.get(p.key);
      if (old?.golden_id && old.content_hash === p.hash && !p.force) {
        results.set(p.key, {
          system: p.system,
          sourceId: p.sourceId,
          goldenId: old.golden_id,
          outcome: 'unchanged',
          compared: 0,
        });
        continue;
      }
      todo.push({ ...p, old });
    }
    // An unchanged record sent again reached the bus all the same: its time there is the record's last received
    // (sync health), the latest kept. Bus events only (a load's or repair's records stamp nothing unchanged).
    const resent = prepared.filter(
      (p) => results.get(p.key)?.outcome === 'unchanged' && typeof p.receivedAt === 'string',
    );
    if (resent.length > 0)
      await this.#prepared(
        client,
        'received-unchanged',
        `update ${this.#q}.source_record sr set received_at = x.r
           from unnest($1::bigint[], $2::timestamptz[]) as x(rec, r)
          where sr.rec = x.rec and (sr.received_at is null or sr.received_at < x.r)`,
        [resent.map((p) => existing.get(p.key)?.rec), resent.map((p) => p.receivedAt)],
      );
    if (todo.length === 0) return prepared.map((p) => results.get(p.key) as UpsertResult);

    const stopped = new Set(
      (read.find((r) => r.kind === 's')?.keys ?? []).flatMap((h) => keysOfHash.get(h) ?? []),
    );
    interface Candidate {
      key: string;
      self: Key;
      /** As received (its blocking keys come from it). */
      std: StandardCustomer;
      /** As its system holds it (scored). */
      view: StandardCustomer;
      goldenId: string | null;
    }
    const inBatch = new Set(todo.map((t) => t.key));
    const storedByKey = new Map<string, Candidate[]>();
    const storedRecords = new Map<string, Candidate>();
    for (const row of read) {
      if (row.kind !== 'r') continue;
      const self = { system: row.a ?? '', sourceId: row.b ?? '' };
      const std = row.std as StandardCustomer;
      const view = this.#held(row.record, sentOf(row)) ?? std;
      storedRecords.set(String(row.rec), { key: keyOf(self), self, std, view, goldenId: row.golden_id });
    }
    for (const row of read) {
      if (row.kind !== 'h') continue;
      const candidate = storedRecords.get(String(row.rec));
      // A record of the batch is compared as the batch's (below), never as it was stored.
      if (!candidate || inBatch.has(candidate.key)) continue;
      // A hash that two keys share gives the record to both: scoring rejects a stranger (blockHash).
      for (const k of keysOfHash.get(String(row.key)) ?? []) {
        const list = storedByKey.get(k) ?? [];
        list.push(candidate);
        storedByKey.set(k, list);
      }
    }
    // A key that the batch takes over the limit stops now (#stopKeys).
    const holders = new Map<string, number>();
    for (const t of todo) for (const k of t.matchKeys) holders.set(k, (holders.get(k) ?? 0) + 1);
    const newlyStopped = new Map<string, Candidate[]>();
    for (const [k, n] of holders) {
      const storedHolders = storedByKey.get(k) ?? [];
      if (!stopped.has(k) && storedHolders.length + n > blockLimit(k, this.config.blocking))
        newlyStopped.set(k, storedHolders);
    }
    for (const k of newlyStopped.keys()) stopped.add(k);

    // Each record against the stored records and the earlier records of the batch it shares a live key with.
    const { autoMerge, review } = this.config.thresholds;
    const pairs: Array<{ a: Key; b: Key; p: number; w: number; levels: number[]; status: string }> = [];
    const batchByKey = new Map<string, Candidate[]>();
    const touched = new Set<string>();
    const linked = new Set<string>();
    const reviewed = new Set<string>();
    const compared = new Map<string, number>();
    for (const t of todo) {
      const candidates = new Map<string, Candidate>();
      for (const k of t.matchKeys) {
        if (stopped.has(k)) continue;
        for (const c of storedByKey.get(k) ?? []) candidates.set(c.key, c);
        for (const c of batchByKey.get(k) ?? []) candidates.set(c.key, c);
      }
      // To the batch's later records it is a stored record: scored as its system holds it by its sync_sent row.
      const view = this.#held(t.customer, t.old?.sent) ?? t.std;
      const me: Candidate = { key: t.key, self: t.self, std: t.std, view, goldenId: null };
      for (const k of t.matchKeys) {
        const list = batchByKey.get(k) ?? [];
        list.push(me);
        batchByKey.set(k, list);
      }
      compared.set(t.key, candidates.size);
      for (const c of candidates.values()) {
        const score = this.#scorer.score(t.view, c.view);
        if (score.probability < review) continue;
        const [a, b] = t.key < c.key ? [t.self, c.self] : [c.self, t.self];
        // A conflict (two birth dates apart, two tax ids) leaves the pair to the steward, however high its score.
        const status = score.probability >= autoMerge && !this.#conflict(t.view, c.view) ? 'auto' : 'review';
        pairs.push({ a, b, p: score.probability, w: score.weight, levels: score.levels, status });
        if (status === 'review') {
          reviewed.add(t.key);
          continue;
        }
        // The clusters a record touches: those of its links (a record of the batch is reclustered anyway).
        linked.add(t.key);
        if (c.goldenId) touched.add(c.goldenId);
      }
    }
    // A known record's links also include a steward's accepted pairs.
    for (const t of todo) {
      if (t.old?.golden_id) touched.add(t.old.golden_id);
      const links = t.old ? accepted.get(t.key) : undefined;
      if (!links) continue;
      linked.add(t.key);
      for (const id of links) if (id) touched.add(id);
    }
    // Links given with the records (the hub's word: a record it created, masterdata/sync): the record joins in
    // this batch, so no golden record of it alone is ever written, nor seen by the sync relay.
    const joins = todo.flatMap((t) => (t.link ? [{ t, link: t.link }] : []));
    for (const { t, link } of joins) {
      linked.add(t.key);
      touched.add(link.goldenId);
    }

    // One round trip for the writes: a changed record's keys and scored pairs that no longer hold go (steward
    // decisions stay), its new keys, the stopped keys and the scored pairs go in. A stopped key gets no row for
    // the record unless search can ask for it (block.ts isSearchKey): the matcher never reads a stopped key's
    // rows (among the bench's people a record's birth date is stopped from about 100k records on).
    const changed = todo.filter((t) => t.old);
    const recOf = (t: (typeof todo)[number]) => t.old?.rec ?? newRecs.get(t.key) ?? '';
    const gone: Array<[string, string]> = [];
    const added: Array<[string, string]> = [];
    for (const t of todo) {
      const rec = recOf(t);
      const diff = hashDiff(t.old?.keys ?? [], t.keys, (k) => !stopped.has(k) || isSearchKey(k));
      for (const h of diff.gone) gone.push([h, rec]);
      for (const h of diff.added) added.push([h, rec]);
    }
    // Stopped by hash: two keys of the batch with one hash stop once.
    const stops = new Map<string, string>();
    for (const k of newlyStopped.keys()) {
      const h = blockHash(k);
      if (!stops.has(h)) stops.set(h, k);
    }
    await this.#prepared(
      client,
      'match-write',
      `with gone as (select * from unnest($1::text[], $2::text[]) as x(s, i)),
         scored as (select * from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
                                          $8::float8[], $9::text[], $10::text[]) as t(a_s, a_i, b_s, b_i, p, w, l, st)),
         dropped_keys as (
           delete from ${q}.block_key bk using unnest($11::bigint[], $12::bigint[]) as o(k, r)
            where bk.key = o.k and bk.rec = o.r),
         dropped_as_a as (
           delete from ${q}.match_pair mp using gone
            where mp.status in ('auto', 'review', 'held') and mp.a_system = gone.s and mp.a_id = gone.i
              and not exists (select 1 from scored n where n.a_s = mp.a_system and n.a_i = mp.a_id
                                                     and n.b_s = mp.b_system and n.b_i = mp.b_id)),
         dropped_as_b as (
           delete from ${q}.match_pair mp using gone
            where mp.status in ('auto', 'review', 'held') and mp.b_system = gone.s and mp.b_id = gone.i
              and not exists (select 1 from gone g where g.s = mp.a_system and g.i = mp.a_id)
              and not exists (select 1 from scored n where n.a_s = mp.a_system and n.a_i = mp.a_id
                                                     and n.b_s = mp.b_system and n.b_i = mp.b_id)),
         stops as (insert into ${q}.block_stop (key, name, holders)
                   select * from unnest($13::bigint[], $14::text[], $15::int[])),
         -- A record's rows in block_key are among its stored keys (source_record.keys), so the keys added are not there
         -- yet: a plain insert, about half the cost per row of one with on conflict (speculative insertion).
         new_keys as (insert into ${q}.block_key (key, rec) select * from unnest($16::bigint[], $17::bigint[]))
       insert into ${q}.match_pair (a_system, a_id, b_system, b_id, probability, weight, levels, status)
       select a_s, a_i, b_s, b_i, p, w, string_to_array(l, ',')::smallint[], st from scored
       on conflict (a_system, a_id, b_system, b_id) do update set probability = excluded.probability,
         weight = excluded.weight, levels = excluded.levels, scored_at = now(),
         status = case when ${q}.match_pair.status in ('accepted', 'rejected') then ${q}.match_pair.status
                       else excluded.status end`,
      [
        changed.map((t) => t.system),
        changed.map((t) => t.sourceId),
        pairs.map((x) => x.a.system),
        pairs.map((x) => x.a.sourceId),
        pairs.map((x) => x.b.system),
        pairs.map((x) => x.b.sourceId),
        pairs.map((x) => x.p),
        pairs.map((x) => (Number.isFinite(x.w) ? x.w : -1e9)),
        pairs.map((x) => x.levels.join(',')),
        pairs.map((x) => x.status),
        gone.map((g) => g[0]),
        gone.map((g) => g[1]),
        [...stops.keys()],
        [...stops.values()],
        [...stops.values()].map((k) => (storedByKey.get(k)?.length ?? 0) + (holders.get(k) ?? 0)),
        added.map((x) => x[0]),
        added.map((x) => x[1]),
      ],
    );
    if (joins.length > 0) {
      const ordered = joins.map(({ t, link }) =>
        lessKey(t.self, link) < 0 ? [t.self, link] : [link, t.self],
      );
      await client.query(
        `insert into ${q}.match_pair (a_system, a_id, b_system, b_id, probability, weight, levels, status, decided_by, decided_at)
         select a_s, a_i, b_s, b_i, 0, 0, '{}', 'accepted', actor, now()
           from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) as l(a_s, a_i, b_s, b_i, actor)
         on conflict (a_system, a_id, b_system, b_id) do update set status = 'accepted',
           decided_by = excluded.decided_by, decided_at = now()`,
        [
          ordered.map(([a]) => a!.system),
          ordered.map(([a]) => a!.sourceId),
          ordered.map(([, b]) => b!.system),
          ordered.map(([, b]) => b!.sourceId),
          joins.map(({ link }) => link.actor),
        ],
      );
    }
    if (newlyStopped.size > 0) {
      for (const id of await this.#stopKeys(client, newlyStopped, stopped)) touched.add(id);
    }
    // The batch's records are written once, with their golden ids (#recluster): clustering reads them from
    // memory, in the form PostgreSQL gives them back (jsonb), as survivorship would read them from the table.
    const assignment = await this.#recluster(
      client,
      [...touched],
      todo.map((t) => t.self),
      actor,
      todo.map((t) => ({
        system: t.system,
        source_id: t.sourceId,
        record: t.stored.record,
        std: t.std,
        rec: recOf(t),
        content_hash: t.hash,
        field_times: t.stored.fieldTimes,
        keys: t.keys,
        golden_id: t.old?.golden_id ?? null,
        stored: t.old !== undefined,
        received_at: t.receivedAt === undefined ? now : t.receivedAt,
      })),
    );
    // A record whose links were all held (a conflict with the records they lead to) stands alone: for the steward.
    const sizes = new Map<string, number>();
    for (const id of assignment.values()) sizes.set(id, (sizes.get(id) ?? 0) + 1);
    const together = (key: string) => (sizes.get(assignment.get(key) ?? '') ?? 0) > 1;
    for (const t of todo) {
      let outcome: Outcome;
      if (t.old?.golden_id) outcome = 'updated';
      else if (linked.has(t.key) && together(t.key)) outcome = 'merged';
      else if (linked.has(t.key)) outcome = 'review';
      else outcome = reviewed.has(t.key) ? 'review' : 'new';
      results.set(t.key, {
        system: t.system,
        sourceId: t.sourceId,
        goldenId: assignment.get(t.key) ?? goldenIdFor(t.self),
        outcome,
        compared: compared.get(t.key) ?? 0,
      });
    }
    return prepared.map((p) => results.get(p.key) as UpsertResult);
  }

  /**
   * Keys just stopped: the stored pairs among their holders that no live key proposes any more are dropped (a
   * steward's decisions stay), as if the keys had never proposed them. Returns the golden ids to recluster.
   */
  async #stopKeys(
    client: Client,
    newlyStopped: Map<
      string,
      Array<{ key: string; self: Key; std: StandardCustomer; goldenId: string | null }>
    >,
    stopped: Set<string>,
  ): Promise<string[]> {
    const q = this.#q;
    const byKey = new Map<string, { self: Key; std: StandardCustomer; goldenId: string | null }>();
    for (const list of newlyStopped.values()) for (const h of list) byKey.set(h.key, h);
    if (byKey.size < 2) return [];
    const holders = [...byKey.values()];
    const pairs = (
      await client.query<{ a_system: string; a_id: string; b_system: string; b_id: string }>(
        `with h as (select * from unnest($1::text[], $2::text[]) as x(s, i))
         select mp.a_system, mp.a_id, mp.b_system, mp.b_id from ${q}.match_pair mp
           join h ha on mp.a_system = ha.s and mp.a_id = ha.i
           join h hb on mp.b_system = hb.s and mp.b_id = hb.i
          where mp.status in ('auto', 'review', 'held')`,
        [holders.map((h) => h.self.system), holders.map((h) => h.self.sourceId)],
      )
    ).rows;
    if (pairs.length === 0) return [];
    const keysOf = new Map<string, Set<string>>();
    const keysFor = (k: string) => {
      let set = keysOf.get(k);
      if (!set) {
        const std = byKey.get(k)?.std;
        set = new Set(std ? blockingKeys(std) : []);
        keysOf.set(k, set);
      }
      return set;
    };
    const shared = pairs.map((p) => {
      const a = keysFor(keyOf({ system: p.a_system, sourceId: p.a_id }));
      const b = keysFor(keyOf({ system: p.b_system, sourceId: p.b_id }));
      return [...a].filter((k) => b.has(k) && !stopped.has(k));
    });
    // Keys of theirs that the batch did not look up may have been stopped before.
    const unknown = [...new Set(shared.flat())];
    const stoppedBefore = new Set(
      unknown.length
        ? (
            await client.query<{ key: string }>(
              `select key from ${q}.block_stop where key = any($1::bigint[])`,
              [unknown.map(blockHash)],
            )
          ).rows.map((r) => String(r.key))
        : [],
    );
    const drop = pairs.filter((_, i) => !(shared[i] ?? []).some((k) => !stoppedBefore.has(blockHash(k))));
    if (drop.length === 0) return [];
    await client.query(
      `delete from ${q}.match_pair mp using unnest($1::text[], $2::text[], $3::text[], $4::text[]) as x(a_s, a_i, b_s, b_i)
        where mp.a_system = x.a_s and mp.a_id = x.a_i and mp.b_system = x.b_s and mp.b_id = x.b_i
          and mp.status in ('auto', 'review', 'held')`,
      [
        drop.map((p) => p.a_system),
        drop.map((p) => p.a_id),
        drop.map((p) => p.b_system),
        drop.map((p) => p.b_id),
      ],
    );
    const ids = new Set<string>();
    for (const p of drop) {
      for (const k of [
        keyOf({ system: p.a_system, sourceId: p.a_id }),
        keyOf({ system: p.b_system, sourceId: p.b_id }),
      ]) {
        const id = byKey.get(k)?.goldenId;
        if (id) ids.add(id);
      }
    }
    return [...ids];
  }

  /**
   * Recomputes the clusters of the given golden records (plus extra records): connected components of their
   * linking pairs, ids from the smallest member key, golden values by survivorship; ids that lose their cluster
   * point to the cluster that now holds their founding record. Returns member key → golden id.
   */
  async #recluster(
    client: Client,
    goldenIds: string[],
    extra: Key[],
    actor: string,
    /** Records of the batch not written yet, as they will be stored (written here with their golden ids). */
    fresh: FreshRow[] = [],
  ): Promise<Map<string, string>> {
    const q = this.#q;
    const freshKeys = new Set(fresh.map((r) => keyOf({ system: r.system, sourceId: r.source_id })));
    const others = extra.filter((k) => !freshKeys.has(keyOf(k)));
    // The members, the pairs that link them and the old ids' founding records, in one round trip.
    const read = (
      await this.#prepared<{
        kind: 'm' | 'e' | 'g' | 'o';
        a: string;
        b: string;
        c: string | null;
        d: string | null;
        record: CustomerPartyMaster | null;
        golden_id: string | null;
        field_times: FieldTimes | null;
        status: string | null;
        probability: number | null;
      }>(
        client,
        'recluster-read',
        `with m as materialized (
           select system, source_id, record, golden_id, field_times from ${q}.source_record
            where golden_id = any($1::text[])
           union
           select sr.system, sr.source_id, sr.record, sr.golden_id, sr.field_times
             from unnest($2::text[], $3::text[]) as x(s, i)
             cross join lateral (select * from ${q}.source_record sr
                                  where sr.system = x.s and sr.source_id = x.i offset 0) sr),
         ids as (select system, source_id from m union select * from unnest($4::text[], $5::text[]))
         select 'm' as kind, system as a, source_id as b, null as c, null as d, record, golden_id, field_times,
                null as status, null::float8 as probability from m
         union all
         select 'e', e.a_system, e.a_id, e.b_system, e.b_id, null, null, null, e.status, e.probability from ids
           cross join lateral (select a_system, a_id, b_system, b_id, status, probability from ${q}.match_pair mp
                                where mp.a_system = ids.system and mp.a_id = ids.source_id
                                  and mp.status in ('auto', 'accepted', 'held') offset 0) e
         union all
         -- The golden records on the other side of held pairs: recomputed with these (their pairs may hold now).
         select 'o', '', '', null, null, null, o.golden_id, null, null, null from ids
           cross join lateral (
             select sr.golden_id from ${q}.match_pair mp
               join ${q}.source_record sr on sr.system = mp.b_system and sr.source_id = mp.b_id
              where mp.status = 'held' and mp.a_system = ids.system and mp.a_id = ids.source_id
             union all
             select sr.golden_id from ${q}.match_pair mp
               join ${q}.source_record sr on sr.system = mp.a_system and sr.source_id = mp.a_id
              where mp.status = 'held' and mp.b_system = ids.system and mp.b_id = ids.source_id) o
          where o.golden_id is not null
         union all
         select 'g', founding_system, founding_id, golden_id, null, null, null, null, null, null from ${q}.golden
          where golden_id = any($1::text[])`,
        [
          goldenIds,
          others.map((k) => k.system),
          others.map((k) => k.sourceId),
          fresh.map((r) => r.system),
          fresh.map((r) => r.source_id),
        ],
      )
    ).rows;
    // Clusters that held pairs tie to these are recomputed with them, so that which pairs hold does not depend
    // on which cluster a change reached first.
    const heldTo = [
      ...new Set(
        read.flatMap((r) =>
          r.kind === 'o' && r.golden_id && !goldenIds.includes(r.golden_id) ? [r.golden_id] : [],
        ),
      ),
    ];
    if (heldTo.length > 0) return this.#recluster(client, [...goldenIds, ...heldTo], extra, actor, fresh);
    const memberRows: MemberRow[] = [
      ...read
        .filter((r) => r.kind === 'm' && !freshKeys.has(keyOf({ system: r.a, sourceId: r.b })))
        .map((r) => ({
          system: r.a,
          source_id: r.b,
          record: r.record as CustomerPartyMaster,
          golden_id: r.golden_id,
          field_times: r.field_times ?? {},
        })),
      ...fresh,
    ];
    const edges = read
      .filter((r) => r.kind === 'e')
      .map((r) => ({
        a: keyOf({ system: r.a, sourceId: r.b }),
        b: keyOf({ system: r.c ?? '', sourceId: r.d ?? '' }),
        status: r.status ?? 'auto',
        probability: r.probability ?? 0,
      }));
    const founders = new Map(
      read
        .filter((r) => r.kind === 'g')
        .map((r) => [r.c ?? '', { golden_id: r.c ?? '', founding_system: r.a, founding_id: r.b }]),
    );
    const members = new Map(memberRows.map((r) => [keyOf({ system: r.system, sourceId: r.source_id }), r]));
    const uf = await this.#cluster(
      client,
      members,
      edges.filter((e) => members.has(e.b)),
    );
    const assignment = new Map<string, string>();
    const components = uf.groups();
    const newIds = new Set<string>();
    for (const component of components) {
      const founding = splitKey(component[0] ?? '');
      const id = goldenIdFor(founding);
      newIds.add(id);
      for (const k of component) assignment.set(k, id);
    }
    // The old golden rows are needed only where an old id loses its cluster or its members part.
    const given = new Set(goldenIds);
    const broken = new Set(goldenIds.filter((old) => !newIds.has(old)));
    for (const [k, m] of members) {
      if (m.golden_id && given.has(m.golden_id) && assignment.get(k) !== m.golden_id) broken.add(m.golden_id);
    }
    const oldRows = [...broken].flatMap((id) => founders.get(id) ?? []);
    // History: a component that gathers members of two or more old golden records is a merge; an old golden
    // record whose members end in two or more components was split.
    for (const component of components) {
      const olds = new Set(component.map((k) => members.get(k)?.golden_id).filter((g): g is string => !!g));
      if (olds.size > 1) {
        const id = assignment.get(component[0] ?? '') ?? '';
        const before = await this.#snapshot(client, [...olds]);
        await client.query(
          `insert into ${q}.merge_history (kind, golden_id, absorbed, before, actor) values ('merge', $1, $2, $3, $4)`,
          [id, [...olds].filter((o) => o !== id).sort(), JSON.stringify(before), actor],
        );
      }
    }
    for (const old of oldRows) {
      const ids = new Set(
        [...members.values()]
          .filter((m) => m.golden_id === old.golden_id)
          .map((m) => assignment.get(keyOf({ system: m.system, sourceId: m.source_id }))),
      );
      if (ids.size > 1) {
        await client.query(
          `insert into ${q}.merge_history (kind, golden_id, absorbed, before, actor) values ('split', $1, '{}', $2, $3)`,
          [old.golden_id, JSON.stringify(await this.#snapshot(client, [old.golden_id])), actor],
        );
      }
    }
    // Survivorship and the golden rows, one statement for all components.
    const rows = components.map((component) => {
      const id = assignment.get(component[0] ?? '') ?? '';
      const founding = splitKey(component[0] ?? '');
      const list: Member[] = component.map((k) => {
        const r = members.get(k);
        if (!r) throw new Error('member vanished');
        return { system: r.system, sourceId: r.source_id, record: r.record, fieldTimes: r.field_times };
      });
      const golden = survive(id, list, this.config);
      return {
        golden_id: id,
        founding_system: founding.system,
        founding_id: founding.sourceId,
        record: golden.record,
        lineage: golden.lineage,
      };
    });
    const moved = [...assignment]
      .filter(([k, id]) => !freshKeys.has(k) && members.get(k)?.golden_id !== id)
      .map(([k, id]) => ({
        ...splitKey(k),
        id,
      }));
    const words = fresh.filter((r) => !r.stored).flatMap((r) => nameWords(r.std).map((w) => [w, r.rec]));
    const rewritten = fresh.filter((r) => r.stored);
    await this.#prepared(
      client,
      'recluster-write',
      `with upserted as (
         insert into ${q}.golden (golden_id, founding_system, founding_id, record, lineage, status, merged_into)
         select golden_id, founding_system, founding_id, record, lineage, 'active', null
           from jsonb_to_recordset($1::jsonb)
             as t(golden_id text, founding_system text, founding_id text, record jsonb, lineage jsonb)
         on conflict (golden_id) do update set record = excluded.record, lineage = excluded.lineage,
           status = 'active', merged_into = null, founding_system = excluded.founding_system,
           founding_id = excluded.founding_id, version = ${q}.golden.version + 1, updated_at = now()
         where ${q}.golden.record is distinct from excluded.record
            or ${q}.golden.lineage is distinct from excluded.lineage or ${q}.golden.status <> 'active'),
       -- New records by a plain insert, stored ones (read and locked by the batch) by an update: an insert
       -- with on conflict costs about twice as much per row (speculative insertion).
       inserted as (
         insert into ${q}.source_record (system, source_id, rec, record, std, content_hash, field_times, keys,
                                         golden_id, received_at)
         select system, source_id, rec, record, std, content_hash, field_times, keys, golden_id,
                coalesce(received_at, now())
           from json_to_recordset($5::json) as t(system text, source_id text, rec bigint, record jsonb, std json,
             content_hash text, field_times jsonb, keys text[], golden_id text, received_at timestamptz)),
       -- received_at: when the change reached the hub (MatchItem.receivedAt), the latest (greatest skips a null:
       -- a rematch's record keeps its own).
       rewritten as (
         update ${q}.source_record sr set record = t.record, std = t.std, content_hash = t.content_hash,
           field_times = t.field_times, keys = t.keys, golden_id = t.golden_id,
           received_at = greatest(sr.received_at, t.received_at)
           from json_to_recordset($6::json) as t(system text, source_id text, record jsonb, std json,
             content_hash text, field_times jsonb, keys text[], golden_id text, received_at timestamptz)
          where sr.system = t.system and sr.source_id = t.source_id),
       -- The name words type-ahead reads (migration 011, by record number since 015) of the new records, written
       -- here rather than by triggers on source_record (migration 014); a new record has none yet: a plain insert.
       words_added as (
         insert into ${q}.name_word (word, rec) select * from unnest($7::text[], $8::bigint[]))
       update ${q}.source_record sr set golden_id = x.g
         from unnest($2::text[], $3::text[], $4::text[]) as x(s, i, g)
        where sr.system = x.s and sr.source_id = x.i`,
      [
        JSON.stringify(rows),
        moved.map((m) => m.system),
        moved.map((m) => m.sourceId),
        moved.map((m) => m.id),
        ...[false, true].map((stored) =>
          JSON.stringify(
            fresh
              .filter((r) => r.stored === stored)
              .map(({ stored: _, ...r }) => ({
                ...r,
                golden_id: assignment.get(keyOf({ system: r.system, sourceId: r.source_id })) ?? null,
              })),
          ),
        ),
        words.map((w) => w[0]),
        words.map((w) => w[1]),
      ],
    );
    // A changed record's words: those it no longer has go, new ones come. Not prepared (planned with the batch's
    // arrays, by the (system, source_id) index): as CTEs of the prepared write they cost ~0.15 ms a record more.
    const changedWords = rewritten.flatMap((r) => nameWords(r.std).map((w) => [w, r.rec]));
    if (rewritten.length > 0) {
      await client.query(
        `with n as (select * from unnest($1::text[], $2::bigint[]) as n(word, rec)),
           gone as (
             delete from ${q}.name_word w using unnest($3::bigint[]) as r(rec)
              where w.rec = r.rec and not exists (select 1 from n where n.word = w.word and n.rec = w.rec))
         insert into ${q}.name_word (word, rec) select * from n on conflict do nothing`,
        [changedWords.map((w) => w[0]), changedWords.map((w) => w[1]), rewritten.map((r) => r.rec)],
      );
    }
    // Old ids that are no cluster's id any more point to the cluster holding their founding record.
    const redirects: Array<{ from: string; to: string }> = [];
    for (const old of oldRows) {
      if (newIds.has(old.golden_id)) continue;
      let target = assignment.get(keyOf({ system: old.founding_system, sourceId: old.founding_id }));
      if (!target) {
        const counts = new Map<string, number>();
        for (const m of members.values()) {
          if (m.golden_id !== old.golden_id) continue;
          const t = assignment.get(keyOf({ system: m.system, sourceId: m.source_id }));
          if (t) counts.set(t, (counts.get(t) ?? 0) + 1);
        }
        target = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
      }
      if (target) redirects.push({ from: old.golden_id, to: target });
    }
    if (redirects.length > 0) {
      await this.#prepared(
        client,
        'recluster-redirect',
        `update ${q}.golden g set status = 'merged', merged_into = x.t, version = version + 1, updated_at = now()
           from unnest($1::text[], $2::text[]) as x(f, t) where g.golden_id = x.f`,
        [redirects.map((r) => r.from), redirects.map((r) => r.to)],
      );
    }
    // Records that left their golden record (moved by a match, a steward's decision, a delete of another member):
    // what the hub sent them under it no longer describes them there (sync/sent.ts dropStaleSent).
    const left = [...assignment].filter(([k, id]) => {
      const old = members.get(k)?.golden_id;
      return !!old && old !== id;
    });
    if (left.length > 0)
      await dropStaleSent(
        client,
        this.schema,
        left.map(([k]) => splitKey(k)),
      );
    return assignment;
  }

  /**
   * The clusters of the members: the connected components of their linking pairs (a steward's accepted pairs,
   * pairs scored for auto-merge), except that a link that would put two conflicting records into one cluster is
   * not followed but held (status `held`, in the steward queue). Two records conflict when a steward rejected
   * their pair or they show a configured conflict (config `conflicts`: two birth dates apart…), so one record that
   * resembles two others (a son without birth date between father and mother at one address) joins at most one
   * of them. Links are followed accepted first, then by score, then by key: the clusters depend only on the
   * pairs, not on the order the records came in. Conflicts can only arise in a cluster of three or more records:
   * only those read the rejected pairs and standardised records they need.
   */
  async #cluster(
    client: Client,
    members: Map<string, MemberRow & { std?: StandardCustomer }>,
    edges: Array<{ a: string; b: string; status: string; probability: number }>,
  ): Promise<UnionFind> {
    const plain = new UnionFind();
    for (const k of members.keys()) plain.add(k);
    for (const e of edges) plain.union(e.a, e.b);
    const large = plain.groups().filter((g) => g.length >= 3);
    if (large.length === 0) {
      await this.#setHeld(client, edges, () => false);
      return plain;
    }
    // The rejected pairs among the members of the large clusters, and the stored members' standardised records.
    const keys = large.flat().map(splitKey);
    const rows = (
      await client.query<{
        kind: 'r' | 's';
        a: string;
        b: string;
        c: string;
        d: string;
        std: StandardCustomer | null;
      }>(
        `with x as (select * from unnest($1::text[], $2::text[]) as x(s, i))
         select 'r' as kind, mp.a_system as a, mp.a_id as b, mp.b_system as c, mp.b_id as d, null::json as std
           from x join ${this.#q}.match_pair mp on mp.a_system = x.s and mp.a_id = x.i and mp.status = 'rejected'
         union all
         select 's', sr.system, sr.source_id, '', '', sr.std
           from x join ${this.#q}.source_record sr on sr.system = x.s and sr.source_id = x.i`,
        [keys.map((k) => k.system), keys.map((k) => k.sourceId)],
      )
    ).rows;
    const rejected = new Set<string>();
    const stds = new Map<string, StandardCustomer>();
    for (const r of rows) {
      if (r.kind === 'r') {
        const a = keyOf({ system: r.a, sourceId: r.b });
        const b = keyOf({ system: r.c, sourceId: r.d });
        rejected.add(`${a}\u0001${b}`).add(`${b}\u0001${a}`);
      } else if (r.std) stds.set(keyOf({ system: r.a, sourceId: r.b }), r.std);
    }
    const stdOf = (k: string) => members.get(k)?.std ?? stds.get(k);
    const conflicts = (x: string, y: string): boolean => {
      if (rejected.has(`${x}\u0001${y}`)) return true;
      const a = stdOf(x);
      const b = stdOf(y);
      return !!a && !!b && this.#conflict(a, b) !== null;
    };
    const rank = (status: string) => (status === 'accepted' ? 0 : 1);
    const ordered = [...edges].sort(
      (x, y) =>
        rank(x.status) - rank(y.status) ||
        y.probability - x.probability ||
        (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0),
    );
    const uf = new UnionFind();
    const groups = new Map<string, string[]>();
    for (const k of members.keys()) {
      uf.add(k);
      groups.set(k, [k]);
    }
    const refused = new Set<(typeof edges)[number]>();
    for (const e of ordered) {
      const ra = uf.find(e.a);
      const rb = uf.find(e.b);
      if (ra === rb) continue;
      const ga = groups.get(ra) ?? [];
      const gb = groups.get(rb) ?? [];
      // A steward's accepted pair overrides a configured conflict, not a rejected pair.
      const clash = ga.some((x) =>
        gb.some((y) => (e.status === 'accepted' ? rejected.has(`${x}\u0001${y}`) : conflicts(x, y))),
      );
      if (clash) {
        refused.add(e);
        continue;
      }
      uf.union(ra, rb);
      const root = uf.find(ra);
      groups.delete(ra);
      groups.delete(rb);
      groups.set(root, [...ga, ...gb]);
    }
    await this.#setHeld(client, edges, (e) => refused.has(e));
    return uf;
  }

  /** Scored links the clustering followed are `auto`, those it did not `held` (only the ones that change). */
  async #setHeld<E extends { a: string; b: string; status: string }>(
    client: Client,
    edges: E[],
    held: (edge: E) => boolean,
  ): Promise<void> {
    const changed = edges.flatMap((e) => {
      if (e.status === 'accepted') return [];
      const status = held(e) ? 'held' : 'auto';
      return status === e.status ? [] : [{ ...splitKey(e.a), b: splitKey(e.b), status }];
    });
    if (changed.length === 0) return;
    await client.query(
      `update ${this.#q}.match_pair mp set status = x.st
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) as x(a_s, a_i, b_s, b_i, st)
        where mp.a_system = x.a_s and mp.a_id = x.a_i and mp.b_system = x.b_s and mp.b_id = x.b_i`,
      [
        changed.map((c) => c.system),
        changed.map((c) => c.sourceId),
        changed.map((c) => c.b.system),
        changed.map((c) => c.b.sourceId),
        changed.map((c) => c.status),
      ],
    );
  }

  async #snapshot(client: Client, goldenIds: string[]) {
    const q = this.#q;
    const rows = (
      await client.query<GoldenRow>(
        `select * from ${q}.golden where golden_id = any($1::text[]) order by golden_id`,
        [goldenIds],
      )
    ).rows;
    const members = (
      await client.query<{ system: string; source_id: string; golden_id: string }>(
        `select system, source_id, golden_id from ${q}.source_record where golden_id = any($1::text[]) order by system, source_id`,
        [goldenIds],
      )
    ).rows;
    return rows.map((r) => ({
      goldenId: r.golden_id,
      founding: { system: r.founding_system, sourceId: r.founding_id },
      record: r.record,
      lineage: r.lineage,
      members: members
        .filter((m) => m.golden_id === r.golden_id)
        .map((m) => ({ system: m.system, sourceId: m.source_id })),
    }));
  }

  /**
   * The id under which the hub holds a system's record, given any of its forms (`idForms`: a customer number with or
   * without SAP's leading zeros): the one stored, or the id as given when no form of it is. So a CSV export's
   * 100001 finds, updates and deletes the record that SAP's IDocs brought in as 0000100001, and the xref answers
   * for either. Ids that have one form only cost no query.
   */
  /**
   * A page of the stored records in key order after `after` (keyset paging: a record that arrives meanwhile is
   * either on a later page or matched as it arrives), as a batch matches them: the record, its field times, what the
   * hub last sent to it and still stands, and its golden id now.
   */
  async storedPage(
    after: Key | null,
    limit: number,
    client?: Client,
  ): Promise<Array<MatchItem & { sourceId: string; goldenId: string | null }>> {
    const q = this.#q;
    const rows = (
      await (client ?? this.pool).query<{
        system: string;
        source_id: string;
        record: CustomerPartyMaster;
        field_times: FieldTimes | null;
        golden_id: string | null;
        fields: string[] | null;
        vals: Record<string, unknown> | null;
      }>(
        `select sr.system, sr.source_id, sr.record, sr.field_times, sr.golden_id, ss.fields, ss.vals
           from ${q}.source_record sr
           left join ${q}.sync_sent ss
             on ss.golden_id = sr.golden_id and ss.system = sr.system and ss.source_id = sr.source_id
          where (sr.system, sr.source_id) > ($1, $2)
          order by sr.system, sr.source_id limit $3`,
        [after?.system ?? '', after?.sourceId ?? '', limit],
      )
    ).rows;
    return rows.map((r) => ({
      system: r.system,
      sourceId: r.source_id,
      customer: r.record,
      fieldTimes: r.field_times && Object.keys(r.field_times).length > 0 ? r.field_times : undefined,
      sent: r.fields ? { fields: r.fields, vals: r.vals ?? {} } : null,
      goldenId: r.golden_id,
    }));
  }

  /**
   * Stored records for training (masterdata/train.ts): `limit` of them in an order that is random but the same on
   * every run (a hash of their keys), or, with `keys`, those records (by any form of their ids).
   */
  async trainingRecords(
    options: { limit: number } | { keys: Key[] },
  ): Promise<Array<{ system: string; sourceId: string; record: CustomerPartyMaster }>> {
    type Row = { system: string; source_id: string; record: CustomerPartyMaster };
    const q = this.#q;
    let rows: Row[];
    if ('limit' in options) {
      rows = (
        await this.pool.query<Row>(
          `select system, source_id, record from ${q}.source_record order by md5(system || '/' || source_id) limit $1`,
          [options.limit],
        )
      ).rows;
    } else {
      // Each record under the form of its id the hub holds it by (100001 for 0000100001), named as given; a record
      // labelled twice is trained on once.
      const keys = [...new Map(options.keys.map((k) => [keyOf(k), k])).values()];
      const stored = await this.#storedIds(this.pool, keys);
      rows = (
        await this.pool.query<Row>(
          `select k.s as system, k.given as source_id, sr.record
             from unnest($1::text[], $2::text[], $3::text[]) as k(s, form, given)
             join ${q}.source_record sr on sr.system = k.s and sr.source_id = k.form`,
          [
            keys.map((k) => k.system),
            keys.map((k) => stored.get(keyOf(k)) ?? k.sourceId),
            keys.map((k) => k.sourceId),
          ],
        )
      ).rows;
    }
    return rows.map((r) => ({ system: r.system, sourceId: r.source_id, record: r.record }));
  }

  /** The newest merge history entry's id (0: none), to count what a run adds after it (`historyAfter`). */
  async lastHistoryId(client?: Client): Promise<number> {
    const row = (
      await (client ?? this.pool).query<{ id: string | null }>(
        `select max(id) as id from ${this.#q}.merge_history`,
      )
    ).rows[0];
    return Number(row?.id ?? 0);
  }

  /** The merges (golden records absorbed) and splits an actor's runs recorded after history entry `after`. */
  async historyAfter(
    after: number,
    actor: string,
    client?: Client,
  ): Promise<{ merges: number; absorbed: number; splits: number }> {
    const row = (
      await (client ?? this.pool).query<{ merges: string; absorbed: string; splits: string }>(
        `select count(*) filter (where kind = 'merge') as merges,
                coalesce(sum(cardinality(absorbed)) filter (where kind = 'merge'), 0) as absorbed,
                count(*) filter (where kind = 'split') as splits
           from ${this.#q}.merge_history where id > $1 and actor = $2`,
        [after, actor],
      )
    ).rows[0];
    return {
      merges: Number(row?.merges ?? 0),
      absorbed: Number(row?.absorbed ?? 0),
      splits: Number(row?.splits ?? 0),
    };
  }

  /** A setting of this schema (`settings` table), or undefined. */
  async setting<T>(key: string): Promise<T | undefined> {
    const row = (
      await this.pool.query<{ value: T }>(`select value from ${this.#q}.settings where key = $1`, [key])
    ).rows[0];
    return row?.value;
  }

  async saveSetting(key: string, value: unknown, client?: Client): Promise<void> {
    await (client ?? this.pool).query(
      `insert into ${this.#q}.settings (key, value) values ($1, $2)
       on conflict (key) do update set value = excluded.value, updated_at = now()`,
      [key, JSON.stringify(value)],
    );
  }

  async storedId(system: string, sourceId: string, client?: Client): Promise<string> {
    return (
      (await this.#storedIds(client ?? this.pool, [{ system, sourceId }])).get(keyOf({ system, sourceId })) ??
      sourceId
    );
  }

  /** `storedId` for many: the stored form of each key that has another form stored than the one given. */
  async #storedIds(client: Client | pg.Pool, keys: Key[]): Promise<Map<string, string>> {
    const systems: string[] = [];
    const ids: string[] = [];
    const asked = new Map<string, Key>();
    for (const key of keys) {
      const forms = idForms(key.sourceId);
      if (forms.length === 1) continue;
      asked.set(keyOf(key), key);
      for (const form of forms) {
        systems.push(key.system);
        ids.push(form);
      }
    }
    const out = new Map<string, string>();
    if (asked.size === 0) return out;
    const stored = new Set(
      (
        await client.query<{ system: string; source_id: string }>(
          `select sr.system, sr.source_id from unnest($1::text[], $2::text[]) as x(s, i)
             join ${this.#q}.source_record sr on sr.system = x.s and sr.source_id = x.i`,
          [systems, ids],
        )
      ).rows.map((r) => keyOf({ system: r.system, sourceId: r.source_id })),
    );
    for (const [given, key] of asked) {
      if (stored.has(given)) continue;
      const form = idForms(key.sourceId).find((id) =>
        stored.has(keyOf({ system: key.system, sourceId: id })),
      );
      if (form !== undefined) out.set(given, form);
    }
    return out;
  }

  /** A source record as last received, with its field times and golden id, or null. */
  async sourceState(
    system: string,
    sourceId: string,
    client?: Client,
  ): Promise<{ record: CustomerPartyMaster; fieldTimes: FieldTimes; goldenId: string | null } | null> {
    const row = (
      await (client ?? this.pool).query<{
        record: CustomerPartyMaster;
        field_times: FieldTimes;
        golden_id: string | null;
      }>(
        `select record, field_times, golden_id from ${this.#q}.source_record where ${ANY_FORM}`,
        anyForm(system, sourceId),
      )
    ).rows[0];
    return row ? { record: row.record, fieldTimes: row.field_times, goldenId: row.golden_id } : null;
  }

  /** A golden record's values, or null. */
  async goldenRecord(goldenId: string, client?: Client): Promise<CustomerPartyMaster | null> {
    const row = (
      await (client ?? this.pool).query<{ record: CustomerPartyMaster | null }>(
        `select record from ${this.#q}.golden where golden_id = $1`,
        [goldenId],
      )
    ).rows[0];
    return row?.record ?? null;
  }

  /** A source record as last received, or null. */
  async sourceRecord(system: string, sourceId: string): Promise<CustomerPartyMaster | null> {
    const row = (
      await this.pool.query<{ record: CustomerPartyMaster }>(
        `select record from ${this.#q}.source_record where ${ANY_FORM}`,
        anyForm(system, sourceId),
      )
    ).rows[0];
    return row?.record ?? null;
  }

  /**
   * A source record was deleted in its system: it leaves the xref (with its blocking keys and scored pairs), and
   * its golden record is recomputed from the members left, or, when none is left, tombstoned (`status =
   * deleted`, values kept for the history) or kept as it was, by `lastMember`. Returns the golden id it had, or
   * null when the hub did not hold the record.
   */
  async removeSource(
    system: string,
    sourceId: string,
    lastMember: 'tombstone' | 'keep',
    actor = 'delete',
  ): Promise<{ goldenId: string | null; outcome: 'removed' | 'tombstoned' | 'unknown' }> {
    const q = this.#q;
    return this.transaction(async (client) => {
      sourceId = await this.storedId(system, sourceId, client);
      const row = (
        await client.query<{ golden_id: string | null; rec: string; keys: string[] | null }>(
          `delete from ${q}.source_record where system = $1 and source_id = $2 returning golden_id, rec, keys`,
          [system, sourceId],
        )
      ).rows[0];
      if (!row) return { goldenId: null, outcome: 'unknown' as const };
      // What the hub sent to the record: nothing to compare with any more (it would be, were it undeleted).
      await dropStaleSent(client, this.schema, [{ system, sourceId }]);
      await client.query(`delete from ${q}.block_key where key = any($2::bigint[]) and rec = $1`, [
        row.rec,
        (row.keys ?? []).map(blockHash),
      ]);
      await client.query(
        // Steward decisions stay, in case the record comes back (undeleted).
        `delete from ${q}.match_pair
          where status in ('auto', 'review', 'held') and ((a_system = $1 and a_id = $2) or (b_system = $1 and b_id = $2))`,
        [system, sourceId],
      );
      const goldenId = row.golden_id;
      if (!goldenId) return { goldenId, outcome: 'removed' as const };
      const left = (
        await client.query<{ n: string }>(
          `select count(*) as n from ${q}.source_record where golden_id = $1`,
          [goldenId],
        )
      ).rows[0];
      if (Number(left?.n ?? 0) > 0) {
        await this.#recluster(client, [goldenId], [], actor);
        return { goldenId, outcome: 'removed' as const };
      }
      if (lastMember === 'tombstone') {
        await client.query(
          `update ${q}.golden set status = 'deleted', version = version + 1, updated_at = now()
            where golden_id = $1 and status = 'active'`,
          [goldenId],
        );
        return { goldenId, outcome: 'tombstoned' as const };
      }
      return { goldenId, outcome: 'removed' as const };
    });
  }

  /** Follows merged ids to the golden record that holds them now; null for an id never issued. */
  async resolve(goldenId: string): Promise<string | null> {
    let id = goldenId;
    for (let hops = 0; hops < 1000; hops++) {
      const row = (
        await this.pool.query<{ status: string; merged_into: string | null }>(
          `select status, merged_into from ${this.#q}.golden where golden_id = $1`,
          [id],
        )
      ).rows[0];
      if (!row) return null;
      if (row.status === 'active' || !row.merged_into) return id;
      id = row.merged_into;
    }
    throw new Error(`golden id ${goldenId}: redirect loop`);
  }

  async golden(goldenId: string): Promise<GoldenView | null> {
    const q = this.#q;
    const row = (
      await this.pool.query<GoldenRow>(`select * from ${q}.golden where golden_id = $1`, [goldenId])
    ).rows[0];
    if (!row) return null;
    const members = (
      await this.pool.query<{ system: string; source_id: string }>(
        `select system, source_id from ${q}.source_record where golden_id = $1 order by system, source_id`,
        [goldenId],
      )
    ).rows.map((m) => ({ system: m.system, sourceId: m.source_id }));
    const links = (
      await this.pool.query<{
        a_system: string;
        a_id: string;
        b_system: string;
        b_id: string;
        status: 'auto' | 'accepted';
        probability: number;
        decided_by: string | null;
        decided_at: Date | null;
      }>(
        `select mp.a_system, mp.a_id, mp.b_system, mp.b_id, mp.status, mp.probability, mp.decided_by, mp.decided_at
           from ${q}.source_record ra
           join ${q}.match_pair mp on mp.a_system = ra.system and mp.a_id = ra.source_id
                                  and mp.status in ('auto', 'accepted')
           join ${q}.source_record rb on rb.system = mp.b_system and rb.source_id = mp.b_id and rb.golden_id = $1
          where ra.golden_id = $1
          order by mp.a_system, mp.a_id, mp.b_system, mp.b_id`,
        [goldenId],
      )
    ).rows.map((l) => ({
      a: { system: l.a_system, sourceId: l.a_id },
      b: { system: l.b_system, sourceId: l.b_id },
      status: l.status,
      probability: l.probability,
      decidedBy: l.status === 'accepted' ? l.decided_by : null,
      decidedAt: l.status === 'accepted' ? l.decided_at : null,
    }));
    return {
      goldenId,
      status: row.status,
      mergedInto: row.merged_into,
      record: row.record,
      lineage: row.lineage,
      members,
      links,
    };
  }

  async xref(system: string, sourceId: string): Promise<string | null> {
    const row = (
      await this.pool.query<{ golden_id: string }>(
        `select golden_id from ${this.#q}.xref where ${ANY_FORM}`,
        anyForm(system, sourceId),
      )
    ).rows[0];
    return row?.golden_id ?? null;
  }

  /** The whole cross-reference, in (system, source id) order, in pages. */
  async *exportXref(pageSize = 5000): AsyncGenerator<{ system: string; sourceId: string; goldenId: string }> {
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = (
        await this.pool.query<{ system: string; source_id: string; golden_id: string }>(
          `select system, source_id, golden_id from ${this.#q}.xref where (system, source_id) > ($1, $2)
            order by system, source_id limit $3`,
          [after[0], after[1], pageSize],
        )
      ).rows;
      for (const r of rows) yield { system: r.system, sourceId: r.source_id, goldenId: r.golden_id };
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) return;
      after = [last.system, last.source_id];
    }
  }

  /**
   * Pairs waiting for a steward, their records in different golden records: scored between the thresholds
   * (`reason: 'score'`), scored for auto-merge but held apart by a conflict with records linked to the other
   * (`reason: 'conflict'`, see #cluster), or links an unmerge took apart (`reason: 'unmerged'`, with their score, which may be
   * below the review threshold, as a steward or the hub had linked them).
   */
  async reviewQueue(limit = 100) {
    const q = this.#q;
    // A pair scored for auto-merge whose two records conflict (a father and son of one name at one address, two
    // legal entities of one group) is stored for review, not held: it waits for the conflict, not for its score.
    const conflicting = (r: {
      probability: number;
      a_std: StandardCustomer | null;
      b_std: StandardCustomer | null;
    }) =>
      r.probability >= this.config.thresholds.autoMerge &&
      !!r.a_std &&
      !!r.b_std &&
      this.#conflict(r.a_std, r.b_std) !== null;
    return (
      await this.pool.query<{
        a_system: string;
        a_id: string;
        b_system: string;
        b_id: string;
        probability: number;
        a_golden: string;
        b_golden: string;
        unmerged: boolean;
        held: boolean;
        a_record: CustomerPartyMaster;
        b_record: CustomerPartyMaster;
        a_std: StandardCustomer | null;
        b_std: StandardCustomer | null;
      }>(
        `select mp.a_system, mp.a_id, mp.b_system, mp.b_id, mp.probability, ra.golden_id as a_golden, rb.golden_id as b_golden,
                ra.record as a_record, rb.record as b_record, ra.std as a_std, rb.std as b_std,
                coalesce(mp.decided_by like 'unmerge:%', false) as unmerged, mp.status = 'held' as held
           from ${q}.match_pair mp
           join ${q}.source_record ra on ra.system = mp.a_system and ra.source_id = mp.a_id
           join ${q}.source_record rb on rb.system = mp.b_system and rb.source_id = mp.b_id
          where mp.status in ('review', 'held') and ra.golden_id is distinct from rb.golden_id
          order by mp.probability desc, mp.a_system, mp.a_id, mp.b_system, mp.b_id limit $1`,
        [limit],
      )
    ).rows.map((r) => ({
      a: { system: r.a_system, sourceId: r.a_id, goldenId: r.a_golden, label: labelOf(r.a_record) },
      b: { system: r.b_system, sourceId: r.b_id, goldenId: r.b_golden, label: labelOf(r.b_record) },
      probability: r.probability,
      reason:
        r.held || conflicting(r)
          ? ('conflict' as const)
          : r.unmerged
            ? ('unmerged' as const)
            : ('score' as const),
    }));
  }

  /**
   * A steward's decision on a pair: accept links the two records (their golden records merge), reject unlinks.
   * Returns the records of their golden records that end apart from both (`splitOff`, with their golden id now):
   * an accept that joins a record conflicting with a member of the other golden record (two legal entities, two
   * birth dates) holds that link, and the member linked only through it leaves the cluster.
   */
  async decide(
    a: Key,
    b: Key,
    decision: 'accept' | 'reject',
    actor: string,
  ): Promise<{ splitOff: Array<Key & { goldenId: string }> }> {
    return this.transaction(async (client) => {
      // The decision names the records as the hub holds them (`storedId`): a pair given as SAP's 100001 for the
      // stored 0000100001 was written for a record that does not exist, and the accept or reject did nothing.
      const stored = await this.#storedIds(client, [a, b]);
      const asStored = (k: Key): Key => ({ system: k.system, sourceId: stored.get(keyOf(k)) ?? k.sourceId });
      const [sa, sb] = [asStored(a), asStored(b)];
      const [x, y] = lessKey(sa, sb) < 0 ? [sa, sb] : [sb, sa];
      const q = this.#q;
      const status = decision === 'accept' ? 'accepted' : 'rejected';
      await client.query(
        `insert into ${q}.match_pair (a_system, a_id, b_system, b_id, probability, weight, levels, status, decided_by, decided_at)
         values ($1, $2, $3, $4, 0, 0, '{}', $5, $6, now())
         on conflict (a_system, a_id, b_system, b_id) do update set status = $5, decided_by = $6, decided_at = now()`,
        [x.system, x.sourceId, y.system, y.sourceId, status, actor],
      );
      const goldens = (
        await client.query<{ golden_id: string }>(
          `select distinct golden_id from ${q}.source_record where (system, source_id) in (($1, $2), ($3, $4)) and golden_id is not null`,
          [x.system, x.sourceId, y.system, y.sourceId],
        )
      ).rows.map((r) => r.golden_id);
      const before = (
        await client.query<{ system: string; source_id: string }>(
          `select system, source_id from ${q}.source_record where golden_id = any($1::text[])`,
          [goldens],
        )
      ).rows.map((r) => keyOf({ system: r.system, sourceId: r.source_id }));
      const assignment = await this.#recluster(client, goldens, [], `steward:${actor}`);
      const pairIds = new Set(
        [x, y].flatMap((k) => {
          const id = assignment.get(keyOf(k));
          return id ? [id] : [];
        }),
      );
      const splitOff = before
        .filter((k) => {
          const id = assignment.get(k);
          return id !== undefined && pairIds.size > 0 && !pairIds.has(id);
        })
        .sort()
        .map((k) => ({ ...splitKey(k), goldenId: assignment.get(k) ?? '' }));
      return { splitOff };
    });
  }

  async mergeHistory(goldenId?: string) {
    const rows = (
      await this.pool.query<{
        id: string;
        kind: string;
        golden_id: string;
        absorbed: string[];
        at: Date;
        undone_by: string | null;
        actor: string;
      }>(
        `select id, kind, golden_id, absorbed, at, undone_by, actor from ${this.#q}.merge_history
          where $1::text is null or golden_id = $1 or $1 = any(absorbed) order by id`,
        [goldenId ?? null],
      )
    ).rows;
    // In the API's and the CLI's camelCase only (`eai mdm show --json` printed undone_by beside undoneBy).
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      goldenId: r.golden_id,
      absorbed: r.absorbed,
      at: r.at,
      undoneBy: r.undone_by === null ? null : Number(r.undone_by),
      actor: r.actor,
    }));
  }

  /**
   * Undoes a merge: the golden records it absorbed come back exactly as they were (id, values, lineage,
   * members); the pairs that linked them are marked rejected, so they do not merge again by score. Records that
   * joined after the merge become golden records of their own, and their links to the restored ones go to the
   * steward queue.
   */
  async unmerge(historyId: number, actor: string): Promise<string[]> {
    const q = this.#q;
    return this.transaction(async (client) => {
      const h = (
        await client.query<{
          kind: string;
          golden_id: string;
          before: Array<{
            goldenId: string;
            founding: Key;
            record: CustomerPartyMaster;
            lineage: Golden['lineage'];
            members: Key[];
          }>;
          undone_by: string | null;
          xact: string | null;
          at: Date;
          actor: string;
        }>(
          `select kind, golden_id, before, undone_by, xact::text, at, actor from ${q}.merge_history where id = $1 for update`,
          [historyId],
        )
      ).rows[0];
      if (h?.kind !== 'merge') throw new NonRetriableError(`no merge ${historyId} in the merge history`);
      if (h.undone_by) throw new NonRetriableError(`merge ${historyId} was already undone`);
      let current = h.golden_id;
      // The ids the merged cluster went by since: later merges into it were made under one of them.
      const chain = [current];
      for (let hops = 0; hops < 1000; hops++) {
        const row = (
          await client.query<GoldenRow>(`select * from ${q}.golden where golden_id = $1`, [current])
        ).rows[0];
        if (!row?.merged_into || row.status === 'active') break;
        current = row.merged_into;
        chain.push(current);
      }
      const members = (
        await client.query<{ system: string; source_id: string }>(
          `select system, source_id from ${q}.source_record where golden_id = $1`,
          [current],
        )
      ).rows.map((r) => ({ system: r.system, sourceId: r.source_id }));
      const group = new Map<string, string>();
      for (const g of h.before) for (const m of g.members) group.set(keyOf(m), g.goldenId);
      const memberKeys = new Set(members.map(keyOf));
      const splitOff = await this.#splitWithMerge(client, historyId, h, group, memberKeys);
      for (const k of group.keys()) {
        if (!memberKeys.has(k) && !splitOff.moved.has(k))
          throw new NonRetriableError(
            `merge ${historyId}: its records have moved since; unmerge the later changes first`,
          );
      }
      // Unlink: pairs across the restored groups are rejected; pairs from later records go to review.
      const edges = (
        await client.query<{
          a_system: string;
          a_id: string;
          b_system: string;
          b_id: string;
          scored: boolean;
        }>(
          `select mp.a_system, mp.a_id, mp.b_system, mp.b_id, cardinality(mp.levels) > 0 as scored from ${q}.match_pair mp
             join unnest($1::text[], $2::text[]) as m(s, i) on mp.a_system = m.s and mp.a_id = m.i
            where mp.status in ('auto', 'accepted', 'held')`,
          [members.map((m) => m.system), members.map((m) => m.sourceId)],
        )
      ).rows;
      for (const e of edges) {
        const a = keyOf({ system: e.a_system, sourceId: e.a_id });
        const b = keyOf({ system: e.b_system, sourceId: e.b_id });
        if (!memberKeys.has(b)) continue;
        const ga = group.get(a);
        const gb = group.get(b);
        if (ga && gb && ga === gb) continue;
        const status = ga && gb ? 'rejected' : 'review';
        // A link a steward accepted (or the hub made) was never scored: a pair sent back to the steward queue
        // gets its score now, so the queue shows what the records say rather than 0.
        const score = status === 'review' && !e.scored ? await this.#scoreStored(client, e) : null;
        await client.query(
          `update ${q}.match_pair set status = $5, decided_by = $6, decided_at = now(),
             probability = coalesce($7, probability), weight = coalesce($8, weight), levels = coalesce($9, levels)
            where a_system = $1 and a_id = $2 and b_system = $3 and b_id = $4`,
          [
            e.a_system,
            e.a_id,
            e.b_system,
            e.b_id,
            status,
            `unmerge:${historyId}:${actor}`,
            score?.probability ?? null,
            score?.weight ?? null,
            score?.levels ?? null,
          ],
        );
      }
      // Restore the golden records exactly as they were.
      const restored: string[] = [];
      for (const g of h.before) {
        await client.query(
          `insert into ${q}.golden (golden_id, founding_system, founding_id, record, lineage, status, merged_into)
           values ($1, $2, $3, $4, $5, 'active', null)
           on conflict (golden_id) do update set founding_system = $2, founding_id = $3, record = $4, lineage = $5,
             status = 'active', merged_into = null, version = ${q}.golden.version + 1, updated_at = now()`,
          [
            g.goldenId,
            g.founding.system,
            g.founding.sourceId,
            JSON.stringify(g.record),
            JSON.stringify(g.lineage),
          ],
        );
        await client.query(
          `update ${q}.source_record set golden_id = $1 where (system, source_id) in (select * from unnest($2::text[], $3::text[]))`,
          [g.goldenId, g.members.map((m) => m.system), g.members.map((m) => m.sourceId)],
        );
        restored.push(g.goldenId);
      }
      // Links the merged cluster held apart (a conflict with a record of the other side) are followed again.
      await client.query(
        `update ${q}.match_pair mp set status = 'auto'
           from ${q}.source_record ra, ${q}.source_record rb
          where ra.golden_id = any($1::text[]) and rb.golden_id = ra.golden_id and mp.status = 'held'
            and mp.a_system = ra.system and mp.a_id = ra.source_id and mp.b_system = rb.system and mp.b_id = rb.source_id`,
        [restored],
      );
      // Records that came later form clusters of their own.
      const later = members.filter((m) => !group.has(keyOf(m)));
      if (later.length) {
        await client.query(
          `update ${q}.source_record set golden_id = null where (system, source_id) in (select * from unnest($1::text[], $2::text[]))`,
          [later.map((m) => m.system), later.map((m) => m.sourceId)],
        );
        await this.#recluster(client, [], later, `unmerge:${actor}`);
      }
      if (!restored.includes(current) && !later.some((m) => goldenIdFor(m) === current)) {
        await client.query(
          `update ${q}.golden set status = 'merged', merged_into = $2 where golden_id = $1`,
          [current, restored[0]],
        );
      }
      // The golden records the split-off records stood in since, unless restored: they point to where those went.
      for (const [id, back] of splitOff.goldens) {
        if (restored.includes(id)) continue;
        await client.query(
          `update ${q}.golden set status = 'merged', merged_into = $2, version = version + 1, updated_at = now()
            where golden_id = $1`,
          [id, back],
        );
      }
      const undo = (
        await client.query<{ id: string }>(
          `insert into ${q}.merge_history (kind, golden_id, absorbed, before, actor) values ('unmerge', $1, $2, '[]', $3) returning id`,
          // `unmerge:<name>`, as the API documents the history's actors (`steward:<name>` for a steward's merge): a
          // bare name read as if `matcher` or `rematch` had done it.
          [current, restored, `unmerge:${actor}`],
        )
      ).rows[0];
      await client.query(`update ${q}.merge_history set undone_by = $2 where id = any($1::bigint[])`, [
        [historyId, ...splitOff.splits],
        undo?.id,
      ]);
      // Later merges into this cluster brought in records that now stand apart (their links wait for a
      // steward): those merges no longer hold either, so the history marks them undone by this unmerge.
      await client.query(
        `update ${q}.merge_history set undone_by = $2
          where kind = 'merge' and undone_by is null and id > $1 and id < $2 and (golden_id = any($3) or absorbed && $3)`,
        [historyId, undo?.id, chain],
      );
      // The records went back to the golden records they came from (or stand apart): what the hub sent them under
      // the merged one moves with them, as what their systems hold (sync/sent.ts dropStaleSent).
      await dropStaleSent(
        client,
        this.schema,
        [...new Set([...members.map(keyOf), ...group.keys()])].map(splitKey),
        { rekey: true },
      );
      return restored;
    });
  }

  /**
   * The records of merge `historyId` that a split written in the merge's own transaction moved out (a steward's
   * accept whose held conflict leaves a member of one side apart): they count as in place for an unmerge while
   * they still stand where that split put them, in golden records of records it moved only. Returns them, those
   * splits, and each golden record they stand in with the restored one its founding record goes back to.
   */
  async #splitWithMerge(
    client: Client,
    historyId: number,
    merge: {
      before: Array<{ goldenId: string }>;
      xact: string | null;
      at: Date;
      actor: string;
    },
    group: Map<string, string>,
    memberKeys: Set<string>,
  ): Promise<{ moved: Set<string>; splits: number[]; goldens: Map<string, string> }> {
    const q = this.#q;
    const moved = new Set<string>();
    const splits: number[] = [];
    const goldens = new Map<string, string>();
    if (![...group.keys()].some((k) => !memberKeys.has(k))) return { moved, splits, goldens };
    // Rows written before the transaction was recorded (migration 010) share their transaction's start time.
    const rows = (
      await client.query<{ id: string; before: Array<{ members: Key[] }> }>(
        `select id, before from ${q}.merge_history
          where kind = 'split' and undone_by is null and id > $1 and golden_id = any($2::text[])
            and (xact = $3::xid8 or ($3 is null and xact is null and at = $4 and actor = $5))
          order by id`,
        [historyId, merge.before.map((g) => g.goldenId), merge.xact, merge.at, merge.actor],
      )
    ).rows;
    const candidates = new Set<string>();
    for (const r of rows) {
      const out = r.before
        .flatMap((g) => g.members.map(keyOf))
        .filter((k) => group.has(k) && !memberKeys.has(k));
      if (out.length === 0) continue;
      splits.push(Number(r.id));
      for (const k of out) candidates.add(k);
    }
    if (candidates.size === 0) return { moved, splits, goldens };
    const keys = [...candidates].map(splitKey);
    const now = (
      await client.query<{ golden_id: string; system: string; source_id: string; founding: string }>(
        `select sr.golden_id, sr.system, sr.source_id, g.founding_system || chr(31) || g.founding_id as founding
           from ${q}.source_record sr join ${q}.golden g on g.golden_id = sr.golden_id
          where sr.golden_id in (select golden_id from ${q}.source_record
                                  where (system, source_id) in (select * from unnest($1::text[], $2::text[])))`,
        [keys.map((k) => k.system), keys.map((k) => k.sourceId)],
      )
    ).rows;
    // A golden record that took in any other record since is a later change: the records have moved.
    const foreign = new Set(
      now
        .filter((r) => !candidates.has(keyOf({ system: r.system, sourceId: r.source_id })))
        .map((r) => r.golden_id),
    );
    for (const r of now) {
      const k = keyOf({ system: r.system, sourceId: r.source_id });
      if (foreign.has(r.golden_id)) continue;
      moved.add(k);
      goldens.set(r.golden_id, group.get(r.founding) ?? group.get(k) ?? '');
    }
    return { moved, splits, goldens };
  }

  /** Two stored records scored as the matcher scores them (their standardised forms). */
  async #scoreStored(
    client: Client,
    pair: { a_system: string; a_id: string; b_system: string; b_id: string },
  ): Promise<PairScore | null> {
    const rows = (
      await client.query<{ system: string; source_id: string; std: StandardCustomer }>(
        `select system, source_id, std from ${this.#q}.source_record where (system, source_id) in (($1, $2), ($3, $4))`,
        [pair.a_system, pair.a_id, pair.b_system, pair.b_id],
      )
    ).rows;
    const a = rows.find((r) => r.system === pair.a_system && r.source_id === pair.a_id);
    const b = rows.find((r) => r.system === pair.b_system && r.source_id === pair.b_id);
    return a && b ? this.#scorer.score(a.std, b.std) : null;
  }

  /** Resumable loads: how many lines of an input were committed, and the counts so far. */
  async loadProgress(runKey: string): Promise<{ lines: number; counts: Record<string, number> } | null> {
    const row = (
      await this.pool.query<{ lines: string; counts: Record<string, number> }>(
        `select lines, counts from ${this.#q}.load_progress where run_key = $1`,
        [runKey],
      )
    ).rows[0];
    return row ? { lines: Number(row.lines), counts: row.counts } : null;
  }

  async saveProgress(
    client: Client,
    runKey: string,
    system: string,
    input: string,
    lines: number,
    counts: Record<string, number>,
  ): Promise<void> {
    await client.query(
      `insert into ${this.#q}.load_progress (run_key, system, input, lines, counts) values ($1, $2, $3, $4, $5)
       on conflict (run_key) do update set lines = $4, counts = $5, updated_at = now()`,
      [runKey, system, input, lines, counts],
    );
  }

  /**
   * Counts for a summary: golden records, source records, pairs in the steward queue (as `reviewQueue` lists them:
   * a pair whose records another link already put into one golden record waits for no one).
   */
  /** Keeps a reconcile's outcome as the system's last (sync health reports its drift). */
  async recordReconcile(run: {
    system: string;
    records: number;
    counts: Record<string, number>;
    repaired: { updated: number; deleted: number } | null;
  }): Promise<void> {
    await this.pool.query(
      `insert into ${this.#q}.reconcile_run (system, finished_at, records, counts, repaired)
         values ($1, now(), $2, $3, $4)
       on conflict (system) do update set finished_at = excluded.finished_at, records = excluded.records,
         counts = excluded.counts, repaired = excluded.repaired`,
      [run.system, run.records, JSON.stringify(run.counts), run.repaired && JSON.stringify(run.repaired)],
    );
  }

  /** Each system's last reconcile: when, records compared, drift counts, and what it repaired (null: report only). */
  async lastReconciles(): Promise<
    Array<{
      system: string;
      finishedAt: string;
      records: number;
      counts: Record<string, number>;
      repaired: { updated: number; deleted: number } | null;
    }>
  > {
    const rows = (
      await this.pool.query<{
        system: string;
        finished_at: Date;
        records: number;
        counts: Record<string, number>;
        repaired: { updated: number; deleted: number } | null;
      }>(
        `select system, finished_at, records, counts, repaired from ${this.#q}.reconcile_run order by system`,
      )
    ).rows;
    return rows.map((r) => ({
      system: r.system,
      finishedAt: r.finished_at.toISOString(),
      records: r.records,
      counts: r.counts,
      repaired: r.repaired,
    }));
  }

  async stats(client?: Client): Promise<{ golden: number; sources: number; review: number }> {
    const q = this.#q;
    const row = (
      await (client ?? this.pool).query<{ golden: string; sources: string; review: string }>(
        `select (select count(*) from ${q}.golden where status = 'active') as golden,
                (select count(*) from ${q}.source_record) as sources,
                (select count(*) from ${q}.match_pair mp
                   join ${q}.source_record ra on ra.system = mp.a_system and ra.source_id = mp.a_id
                   join ${q}.source_record rb on rb.system = mp.b_system and rb.source_id = mp.b_id
                  where mp.status in ('review', 'held') and ra.golden_id is distinct from rb.golden_id) as review`,
      )
    ).rows[0];
    return {
      golden: Number(row?.golden ?? 0),
      sources: Number(row?.sources ?? 0),
      review: Number(row?.review ?? 0),
    };
  }
}
