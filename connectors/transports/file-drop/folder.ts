import { lstat, mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { errorMessage, RetriableError, withoutValueMarks } from '../../../lib/errors.ts';

/** A file as the folder showed it: name, size and mtime together identify it (a new file may reuse a name). */
export interface DropFile {
  name: string;
  size: number;
  mtimeMs: number;
}

export interface DropFolderOptions {
  dir: string;
  pattern: RegExp;
  /** Only files with a `<name>.ready` marker are read; otherwise files whose size and mtime stood still for stableMs. */
  readyMarker: boolean;
  stableMs: number;
  doneDir: string;
  errorDir: string;
  now?: () => number;
}

const MARKER = '.ready';

/**
 * What is wrong with the drop folder, in words (config.dir), for the connector's status and log; retriable: the task
 * polls again, and reads the folder once it is there.
 */
function folderError(dir: string, error: unknown): Error {
  const code = (error as { code?: string }).code;
  const what =
    code === 'ENOENT'
      ? 'does not exist: create it, or set config.dir to the folder the system writes its files to'
      : code === 'ENOTDIR'
        ? 'is not a folder: set config.dir to the folder the system writes its files to'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read by this process (permission denied): give its user read and write access'
          : `cannot be read: ${errorMessage(error)}`;
  return new RetriableError(`drop folder ${dir} ${what}`, { cause: error });
}

export function sameFile(a: DropFile, b: DropFile): boolean {
  return a.name === b.name && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * The drop folder: lists files that are complete (never one still being written), oldest first (mtime, then name),
 * and moves finished files to done/ and unreadable ones to error/ with a `.reason` beside them.
 */
export class DropFolder {
  readonly dir: string;
  private readonly options: DropFolderOptions;
  private readonly now: () => number;
  /** Size and mtime of each candidate when first seen unchanged: stable once they held for stableMs. */
  private readonly seen = new Map<string, DropFile & { since: number }>();

  constructor(options: DropFolderOptions) {
    this.options = options;
    this.dir = options.dir;
    this.now = options.now ?? Date.now;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Throws, in words naming the folder (config.dir), when it is missing, not a folder, or cannot be read. */
  async check(): Promise<void> {
    await readdir(this.dir).catch((error: unknown) => {
      throw folderError(this.dir, error);
    });
  }

  /** Complete files matching the pattern, oldest first; names in `exclude` are left out. */
  async ready(exclude: ReadonlySet<string>): Promise<DropFile[]> {
    const { pattern, readyMarker, stableMs } = this.options;
    const entries = await readdir(this.dir, { withFileTypes: true }).catch((error: unknown) => {
      throw folderError(this.dir, error);
    });
    const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    const files: DropFile[] = [];
    const now = this.now();
    for (const name of names) {
      if (exclude.has(name) || !pattern.test(name)) continue;
      if (readyMarker && (name.endsWith(MARKER) || !names.has(name + MARKER))) continue;
      const file = await this.stat(name);
      if (!file) continue;
      if (readyMarker) {
        files.push(file);
        continue;
      }
      const before = this.seen.get(name);
      if (!before || !sameFile(before, file)) {
        this.seen.set(name, { ...file, since: now });
        if (stableMs > 0) continue;
      } else if (now - before.since < stableMs) continue;
      files.push(file);
    }
    for (const name of this.seen.keys()) if (!names.has(name)) this.seen.delete(name);
    return files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The file as it is now, or undefined when it is gone. */
  async stat(name: string): Promise<DropFile | undefined> {
    try {
      const s = await stat(this.path(name));
      return s.isFile() ? { name, size: s.size, mtimeMs: s.mtimeMs } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Moves a finished file to done/ (a timestamp suffix on a clash) and removes its marker; returns the new path. */
  async moveToDone(name: string): Promise<string> {
    const target = await this.freeName(this.options.doneDir, name);
    await rename(this.path(name), target);
    this.seen.delete(name);
    await this.removeMarker(name);
    return target;
  }

  /**
   * Moves a file that cannot be read to error/, with `<name>.reason` beside it saying why and where. The reason is a
   * new file (never one already there, nor what a link there points to): whoever may drop files may write into
   * error/ too, and a link `error/<name>.reason` → a file of the hub's would otherwise be overwritten by the hub.
   */
  async moveToError(name: string, reason: string): Promise<string> {
    const target = await this.freeName(this.options.errorDir, name, '.reason');
    // Whoever dropped the file reads it: the values as plain text, never the hub's marks around them (`quotedValue`).
    await writeFile(`${target}.reason`, `${withoutValueMarks(reason)}\n`, { flag: 'wx' });
    await rename(this.path(name), target);
    this.seen.delete(name);
    await this.removeMarker(name);
    return target;
  }

  /** Removes `<name>.ready` if it is there. */
  async removeMarker(name: string): Promise<void> {
    if (!this.options.readyMarker) return;
    await unlink(this.path(name + MARKER)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** A name in `folder` that is free, and free with `companion` after it too (`.reason`). */
  private async freeName(folder: string, name: string, companion?: string): Promise<string> {
    const dir = join(this.dir, folder);
    // done/ and error/ are made as needed, but never the drop folder itself: one gone (a mount lost) would be made
    // again on the local disk, under the mount point, and the system's files would go elsewhere.
    await stat(this.dir).catch((error: unknown) => {
      throw folderError(this.dir, error);
    });
    await mkdir(dir, { recursive: true });
    const free = async (path: string) =>
      !(await exists(path)) && (companion === undefined || !(await exists(path + companion)));
    const plain = join(dir, name);
    if (await free(plain)) return plain;
    const ext = extname(name);
    const stem = basename(name, ext);
    const stamp = new Date(this.now()).toISOString().replace(/[-:.]/g, '');
    for (let n = 0; ; n++) {
      const candidate = join(dir, `${stem}.${stamp}${n > 0 ? `-${n}` : ''}${ext}`);
      if (await free(candidate)) return candidate;
    }
  }
}

/** Whether anything is at `path`: a link counts, even one to nothing. */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
