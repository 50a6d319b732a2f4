import { basename } from 'node:path';
import { z } from 'zod';
import type { Json } from '../../sdk/index.ts';
import type { DropFile } from './folder.ts';

/**
 * A file's name in the drop folder, as the folder listed it: never a path. A position comes from Kafka and from
 * `PATCH …/offsets`; a `file` of `../x` or `/x` would have the task read, or move to done/, a file outside the folder.
 */
const fileName = z
  .string()
  .refine(
    (name) => name !== '' && name !== '.' && name !== '..' && name === basename(name) && !name.includes('\0'),
    'must be a file name in the drop folder, not a path',
  );

/**
 * With acknowledgments: what became of the messages of a file's interchanges not answered yet, so that a restart
 * (after a crash between the Kafka commit and the acknowledgment) writes their 997 or CONTRL from the file's messages
 * read again: the message the oldest unanswered interchange begins at, and the messages that went to the
 * dead-letter topic, as runs of one reason (`[first, last, reason]`).
 */
export const ackFates = z.object({
  from: z.number().int().min(1),
  refused: z.array(z.tuple([z.number().int().min(1), z.number().int().min(1), z.string()])),
});

export type AckFates = z.infer<typeof ackFates>;

/**
 * A file; `refused`: the `.reason` of one that goes to error/ instead of done/, so a restart still moves it there;
 * `acks`: the fates its acknowledgments are written from (`answered`: they were, before the move).
 */
const fileRef = z.object({
  file: fileName,
  size: z.number(),
  mtimeMs: z.number(),
  refused: z.string().optional(),
  acks: ackFates.optional(),
  answered: z.boolean().optional(),
});

/**
 * The offset of one document: the file (name, size and mtime, so a new file under an old name is not taken for
 * it), the message's number in the file, whether it is the file's last, and the files whose last message came
 * earlier but which were not yet moved to done/ (so a crash between the Kafka commit and the move loses nothing).
 */
export const fileDropOffset = fileRef.extend({
  message: z.number().int().min(1),
  done: z.boolean(),
  finished: z.array(fileRef),
  /** The interchanges published so far (`<ISA06>/<ISA08>/<ISA13>`, the newest last, bounded): duplicates.ts. */
  seen: z.array(z.string()).optional(),
});

export type FileDropOffset = z.infer<typeof fileDropOffset>;

export function toRef(file: DropFile, refused?: string): z.infer<typeof fileRef> {
  return {
    file: file.name,
    size: file.size,
    mtimeMs: file.mtimeMs,
    ...(refused === undefined ? {} : { refused }),
  };
}

export function fromRef(ref: z.infer<typeof fileRef>): DropFile {
  return { name: ref.file, size: ref.size, mtimeMs: ref.mtimeMs };
}

export function offsetJson(offset: FileDropOffset): Json {
  return offset as unknown as Json;
}
