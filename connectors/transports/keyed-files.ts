import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { ConnectorContext } from '../sdk/index.ts';

/**
 * A file sink's half that writes a record's documents into a folder (the SAP file sinks, the generic `file-sink`):
 * one file per document, named after the record's idempotency key so a redelivered record overwrites its own files
 * instead of adding more, each written atomically, optionally followed by a `<file>.ready` marker; a redelivery that
 * writes fewer documents than an earlier one removes the earlier one's others (`removeStaleParts`).
 */

/**
 * The file's name for a record: readable and the same on every delivery of it. `<prefix><safe key>_<hash><extension>`,
 * `_<part>` before the extension when a record writes several documents; the hash keeps keys apart that differ only
 * in characters not allowed in file names.
 */
export function keyedFileName(prefix: string, idempotencyKey: string, extension: string, part = 0): string {
  const safe = idempotencyKey.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12);
  return `${prefix}${safe}_${hash}${part > 0 ? `_${part}` : ''}${extension}`;
}

/** Writes `bytes` to `dir/name` atomically: a hidden temporary file, flushed to disk, then renamed over the name. */
export async function writeAtomically(dir: string, name: string, bytes: Buffer): Promise<void> {
  const temporary = join(dir, `.${name}.${process.pid}.tmp`);
  // A new file ('wx': never one already there, nor what a link there points to): the folder is often shared with
  // the system that reads it, and the temporary name is predictable. One left by a crash (or a link) is removed first.
  const handle = await open(temporary, 'wx').catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
    await rm(temporary, { force: true });
    return open(temporary, 'wx');
  });
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, join(dir, name));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A failed write of the file system: a full disk or a lost mount may heal, a missing permission will not. */
export function fileWriteError(
  context: ConnectorContext,
  name: string,
  error: unknown,
  doing: 'writing' | 'removing' = 'writing',
): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const message = `${context.name}: ${doing} ${name}: ${errorMessage(error)}`;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR'
    ? new NonRetriableError(message, { cause: error })
    : new RetriableError(message, { cause: error });
}

/**
 * Removes the files an earlier delivery of the record wrote beyond the `count` documents just written (as the
 * record's mapping wrote more then: another mapping, other lookups): the bare name when `count` is not 1, and the
 * numbered parts `_<n>` past `count` (all of them when `count` is 0 or 1), each marker before its file, so a reader
 * waiting for markers never takes a file being removed. The parts are looked for in order until one is not there (a
 * delivery writes them without gaps; a receiver that took some away took the earlier ones). Returns the names removed;
 * a failed removal throws as a failed write does (`fileWriteError`).
 */
export async function removeStaleParts(
  options: KeyedFilesOptions,
  context: ConnectorContext,
  idempotencyKey: string,
  count: number,
): Promise<string[]> {
  const removed: string[] = [];
  const remove = async (name: string): Promise<boolean> => {
    try {
      await rm(join(options.dir, `${name}.ready`), { force: true });
      await unlink(join(options.dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw fileWriteError(context, name, error, 'removing');
    }
    removed.push(name);
    return true;
  };
  const name = (part: number) => keyedFileName(options.filePrefix, idempotencyKey, options.extension, part);
  if (count !== 1) await remove(name(0));
  for (let part = count > 1 ? count + 1 : 1; await remove(name(part)); part++);
  return removed;
}

export interface KeyedFilesOptions {
  /** The folder, resolved (created on the first write). */
  dir: string;
  filePrefix: string;
  /** With its dot, e.g. `.xml`. */
  extension: string;
  readyMarker: boolean;
}

/** One file written: its name and when (ms, a little before the write: the file system's clock may run behind). */
export interface WrittenFile {
  name: string;
  writtenAt: number;
}

/**
 * Writes a record's documents, in order, each as its own file; `afterEach` runs after each file (and its marker) is
 * in place, before the next is written (e.g. to wait for the system's answer to it). Then the files an earlier
 * delivery of the record wrote beyond these are removed (none written: all of them), so the folder holds the last
 * delivery's documents only. New files come first, stale ones go after: a crash between leaves whole files only, and
 * the record, not committed, is delivered again and removes them. Failed writes throw RetriableError or
 * NonRetriableError naming the file (`fileWriteError`).
 */
export function keyedFileWriter(options: KeyedFilesOptions, context: ConnectorContext) {
  let ready: Promise<void> | undefined;
  return async function write(
    idempotencyKey: string,
    documents: readonly Buffer[],
    afterEach?: (file: WrittenFile) => Promise<void>,
  ): Promise<WrittenFile[]> {
    ready ??= mkdir(options.dir, { recursive: true }).then(() => undefined);
    await ready.catch((error) => {
      ready = undefined;
      throw fileWriteError(context, options.dir, error);
    });
    const written: WrittenFile[] = [];
    for (const [i, bytes] of documents.entries()) {
      const part = documents.length > 1 ? i + 1 : 0;
      const name = keyedFileName(options.filePrefix, idempotencyKey, options.extension, part);
      const writtenAt = Date.now() - 50;
      try {
        await writeAtomically(options.dir, name, bytes);
        if (options.readyMarker) await writeAtomically(options.dir, `${name}.ready`, Buffer.alloc(0));
      } catch (error) {
        throw fileWriteError(context, name, error);
      }
      written.push({ name, writtenAt });
      await afterEach?.({ name, writtenAt });
    }
    const removed = await removeStaleParts(options, context, idempotencyKey, documents.length);
    if (removed.length > 0)
      context.logger.info(
        { files: removed, written: documents.length },
        "removed an earlier delivery's files: the record writes fewer documents now",
      );
    return written;
  };
}
