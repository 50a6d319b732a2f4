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
