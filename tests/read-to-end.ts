import type { RawMessage } from './raw-consumer.ts';
import { readSince } from './read-since.ts';

/**
 * Every message of `topic` that `wanted` accepts, from the beginning up to the end the topic had when called, as a
 * plain kafkajs consumer in `read_committed` (its default) sees them: records of aborted transactions are not there,
 * and a duplicate is there twice. The end is each partition's high watermark (`readSince` from the log start).
 */
export function readToEnd(
  topic: string,
  wanted: (m: RawMessage) => boolean,
  timeoutMs = 60_000,
): Promise<RawMessage[]> {
  return readSince(topic, [], wanted, timeoutMs);
}

/** How often each id occurs: the ids expected but absent (lost) and those there more than once (duplicated). */
export function tally(expected: Iterable<string>, seen: Iterable<string>) {
  const counts = new Map<string, number>();
  for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
  const lost: string[] = [];
  for (const id of expected) if (!counts.has(id)) lost.push(id);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const extra = [...counts].reduce((sum, [, n]) => sum + n - 1, 0);
  return { lost, duplicated, extraCopies: extra, distinct: counts.size };
}
