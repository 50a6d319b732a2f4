import { describeDeadLetter } from './dlq.ts';
import { DLQ_REDRIVEN_TOPIC } from './topics.ts';
import type { IncomingRecord, PartitionRange, Transport } from './transport/types.ts';

/**
 * Whose the letters in the dead-letter topics are, by the tags every letter carries: the owner that refused it
 * (`__connect.errors.connector.name`: a connector, a sink's consumer group, a hub consumer's group), the refused
 * record's key and the topic it came from, a source's mapping letter's system and schema (`eai.connector.system`,
 * `eai.document.schema`), and whether it was redriven since (`eai.dlq-redriven`). A topic's depth
 * says how many letters it holds, not whose: a dead-letter topic is shared by every connector and consumer.
 *
 * Each letter is read once per tally: a caller that asks again (sync health, every 15 s) reads only what was written
 * since, and forgets what the topics' retention deleted. Its headers are kept, not its value. Calls are taken one
 * at a time, so two at once do not read a range twice.
 */
export interface LetterTag {
  topic: string;
  /** The connector or consumer group that refused it; null on a letter without the header. */
  owner: string | null;
  /** The refused record's key as text. */
  key: string | null;
  /** The topic the refused record came from. */
  originalTopic: string | null;
  /** Redriven since it was dead-lettered (the letter stays in its topic until retention deletes it). */
  redriven: boolean;
  /** A source connector's mapping letter: the system the connector reads from (`eai.connector.system`). */
  system: string | null;
  /** The canonical schema's full name its document maps to (`eai.document.schema`), when its mapping was known. */
  schema: string | null;
}

interface Kept {
  offset: bigint;
  owner: string | null;
  key: string | null;
  originalTopic: string | null;
  system: string | null;
  schema: string | null;
}

interface PartitionState {
  /** The next offset to read. */
  next: bigint;
  letters: Kept[];
}

export class DeadLetterTally {
  readonly #transport: Transport;
  /** Per `<topic>/<partition>`. */
  readonly #partitions = new Map<string, PartitionState>();
  /** The redrive marks (`<topic>/<partition>/<offset>`), and where `eai.dlq-redriven` was read to. */
  readonly #marks = new Set<string>();
  readonly #marksRead = new Map<number, bigint>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Every letter the `topics` hold now (a topic that does not exist holds none), each with its tags. */
  letters(topics: readonly string[]): Promise<LetterTag[]> {
    const run = this.#queue.then(() => this.#read(topics));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #read(topics: readonly string[]): Promise<LetterTag[]> {
    const admin = this.#transport.admin();
    await admin.connect();
    let offsets: Map<string, Array<{ partition: number; low: bigint; high: bigint }>>;
    try {
      const existing = new Set(await admin.listTopics());
      const wanted = [...topics, DLQ_REDRIVEN_TOPIC].filter((t) => existing.has(t));
      offsets = new Map(
        await Promise.all(
          wanted.map(async (topic) => {
            const parts = (await admin.topicOffsets(topic)).map((o) => ({
              partition: o.partition,
              low: BigInt(o.low),
              high: BigInt(o.high),
            }));
            return [topic, parts] as const;
          }),
        ),
      );
    } finally {
      await admin.disconnect();
    }
    const redriven = offsets.get(DLQ_REDRIVEN_TOPIC);
    if (redriven) await this.#readMarks(redriven);
    const out: LetterTag[] = [];
    for (const topic of topics) {
      for (const p of offsets.get(topic) ?? []) {
        const state = await this.#readPartition(topic, p);
        for (const letter of state.letters) {
          out.push({
            topic,
            owner: letter.owner,
            key: letter.key,
            originalTopic: letter.originalTopic,
            system: letter.system,
            schema: letter.schema,
            redriven: this.#marks.has(`${topic}/${p.partition}/${letter.offset}`),
          });
        }
      }
    }
    return out;
  }

  /** A partition's letters, read from where the last call stopped; those retention deleted dropped. */
  async #readPartition(
    topic: string,
    p: { partition: number; low: bigint; high: bigint },
  ): Promise<PartitionState> {
    const id = `${topic}/${p.partition}`;
    let state = this.#partitions.get(id);
    // A topic deleted and made again starts over.
    if (!state || p.high < state.next) {
      state = { next: p.low, letters: [] };
      this.#partitions.set(id, state);
    }
    if (state.next < p.low) state.next = p.low;
    const firstKept = state.letters.findIndex((l) => l.offset >= p.low);
    if (firstKept !== 0) state.letters.splice(0, firstKept < 0 ? state.letters.length : firstKept);
    if (state.next >= p.high) return state;
    const current = state;
    await this.#readRange(
      topic,
      { partition: p.partition, fromOffset: state.next.toString(), toOffset: p.high.toString() },
      (record) => {
        const d = describeDeadLetter(record.headers);
        current.letters.push({
          offset: BigInt(record.offset),
          owner: d.owner ?? null,
          key: record.key?.toString('utf8') ?? null,
          originalTopic: d.topic ?? null,
          system: d.system ?? null,
          schema: d.schema ?? null,
        });
        current.next = BigInt(record.offset) + 1n;
      },
    );
    // Transaction markers (and aborted records) after the last letter are read past too.
    current.next = p.high;
    return current;
  }

  /** The redrive marks written since the last call (a null value takes a mark back). */
  async #readMarks(partitions: Array<{ partition: number; low: bigint; high: bigint }>): Promise<void> {
    for (const p of partitions) {
      let from = this.#marksRead.get(p.partition) ?? p.low;
      if (from < p.low) from = p.low;
      if (from >= p.high) continue;
      await this.#readRange(
        DLQ_REDRIVEN_TOPIC,
        {
          partition: p.partition,
          fromOffset: from.toString(),
          toOffset: p.high.toString(),
        },
        (record) => {
          const key = record.key?.toString('utf8');
          if (!key) return;
          if (record.value === null) this.#marks.delete(key);
          else this.#marks.add(key);
        },
      );
      this.#marksRead.set(p.partition, p.high);
    }
  }

  async #readRange(
    topic: string,
    range: PartitionRange,
    each: (record: IncomingRecord) => void,
  ): Promise<void> {
    await this.#transport.readRanges({
      topic,
      ranges: [range],
      eachRecord: async (record) => {
        each(record);
        return undefined;
      },
    });
  }
}
