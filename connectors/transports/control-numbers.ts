import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { NonRetriableError } from '../../lib/errors.ts';
import type { ConnectorContext } from '../sdk/index.ts';
import { fileWriteError, writeAtomically } from './keyed-files.ts';

/**
 * Interchange control numbers (X12 ISA13 / GS06, EDIFACT's UNB reference) a connector hands out, kept in a file of
 * their own: the last one used, written before the document that uses it, so a crash in between leaves a gap (both
 * standards allow gaps), never a number used twice. Not in Kafka positions: an offsets reset must never hand a number
 * out again, as partners refuse an interchange reference they have seen. The file source's acknowledgements (997,
 * CONTRL) and the file sink's X12 documents take theirs here; after 999999999 it starts again at 1. One connector task
 * writes it at a time; its own puts are taken in turn.
 */
export function controlNumberFile(file: string, context: ConnectorContext) {
  let queue: Promise<unknown> = Promise.resolve();
  const reserve = async (count: number): Promise<number> => {
    let last = 0;
    try {
      const text = (await readFile(file, 'utf8')).trim();
      if (!/^\d{1,9}$/.test(text)) {
        throw new NonRetriableError(
          `${context.name}: control number file ${file} holds ${JSON.stringify(text.slice(0, 20))}, not a number: write into it the last interchange control number the connector sent (ISA13, or the UNB reference)`,
        );
      }
      last = Number(text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const first = last + count > 999_999_999 ? 1 : last + 1;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeAtomically(dirname(file), basename(file), Buffer.from(`${first + count - 1}\n`));
    } catch (error) {
      throw fileWriteError(context, file, error);
    }
    return first;
  };
  /** `count` numbers never handed out before: the first of them. */
  return (count: number): Promise<number> => {
    const next = queue.then(() => reserve(count));
    queue = next.catch(() => undefined);
    return next;
  };
}
