import { constants } from 'node:fs';
import { open as openFile, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { DLQ_TOPICS } from '../../bus/index.ts';
import { isFlatIdoc } from '../../formats/sap-idoc-orders05/flat.ts';
import { MAX_DOCUMENT_BYTES } from '../../formats/text-input/decode.ts';
import { ConfigError, errorMessage, NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { CommitOutcome, ConnectorContext, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { AckLedger, reasonAt } from './file-drop/ack-ledger.ts';
import {
  type AckKind,
  Acknowledgements,
  type AckPiece,
  ackKindOf,
  acknowledgementsConfig,
} from './file-drop/acknowledgements.ts';
import { DuplicateInterchanges } from './file-drop/duplicates.ts';
import { type DropFile, DropFolder, sameFile } from './file-drop/folder.ts';
import { compilePattern, filePattern } from './file-drop/pattern.ts';

export { filePattern };

import {
  type AckFates,
  type FileDropOffset,
  fileDropOffset,
  fromRef,
  offsetJson,
  toRef,
} from './file-drop/position.ts';
import { NotEnvelopeError, type SplitPiece, splitBuffer, splitFileRuns, splitKinds } from './split/index.ts';

export const fileDropConfig = z.object({
  dir: z
    .string()
    .min(1)
    .describe(
      'The drop folder; a relative path is resolved against the deployment file. It must exist when the connector starts, else the connector fails naming it (create it, then restart the connector); one that goes away later is waited for.',
    ),
  pattern: filePattern
    .default('*')
    .describe(
      'Which file names to take: a glob over the whole name (`*.xml`, `ORD_*.{edi,x12}`) or a regular expression between slashes (`/^PO_\\d+\\.edi$/i`).',
    ),
  readyMarker: z
    .boolean()
    .default(false)
    .describe(
      'Take a file only once `<file>.ready` exists beside it (the sender writes it after the file); otherwise once its size and mtime stood still for `stableMs`.',
    ),
  stableMs: z
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(1000)
    .describe(
      'How long a file’s size and mtime must stay the same before it is read (without `readyMarker`).',
    ),
  batchSize: z.number().int().min(1).max(10_000).default(100).describe('Documents per poll at most.'),
  split: z
    .enum(['none', ...splitKinds])
    .default('none')
    .describe(
      'How files over the one-document limit (8 MiB) are streamed and cut into messages: `x12` (one interchange per ST..SE), `edifact` (per UNH..UNT), `idoc-xml` (per <IDOC>), `json-lines` (per non-empty line: a file of Shopify orders, CDC events), or `none` (such files go to error/). Smaller files are one document each; with a split kind set, a file that is not that envelope goes to error/ (under `idoc-xml` an IDoc flat file, EDI_DC40 records, is read whole, up to 8 MiB).',
    ),
  splitAboveBytes: z
    .number()
    .int()
    .min(0)
    .max(MAX_DOCUMENT_BYTES)
    .default(MAX_DOCUMENT_BYTES)
    .describe(
      'Files larger than this are streamed through the `split` kind; smaller ones are one document each (default and maximum: the one-document limit, 8 MiB; 0 splits every file).',
    ),
  doneDir: z.string().min(1).default('done').describe('Where finished files go, relative to `dir`.'),
  errorDir: z
    .string()
    .min(1)
    .default('error')
    .describe(
      'Where refused files go, relative to `dir`, each with a `<name>.reason` beside it: those refused whole (empty, not the `split` envelope, unreadable, too big), each also in the dead-letter topic with its reason and bytes (up to 8 MiB) and counted failed, and those none of whose messages could be read or mapped (each message is in the dead-letter topic).',
    ),
  partition: z
    .string()
    .min(1)
    .optional()
    .describe('The resume position’s partition name (default: the folder’s absolute path).'),
  idleWaitMs: z
    .number()
    .int()
    .min(0)
    .max(500)
    .default(500)
    .describe('How long a poll waits when no file is ready before it returns nothing.'),
  duplicateInterchanges: z
    .enum(['refuse', 'allow'])
    .default('refuse')
    .describe(
      'An interchange whose sender, receiver and control number (X12 ISA06, ISA08, ISA13; EDIFACT UNB 0004, 0010, 0020) this connector already published (the same file dropped twice, a partner’s resend): `refuse` dead-letters its sets with `duplicate interchange: … was already published` instead of publishing them again (with acknowledgements, a TA1 R 025 or a CONTRL UCI 4 with 26 answers it); `allow` publishes it again. Remembered in the connector’s committed position, for the last `rememberInterchanges` interchanges.',
    ),
  rememberInterchanges: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1000)
    .describe(
      'How many of the newest interchanges published `duplicateInterchanges: refuse` remembers (each about 40 bytes of the position).',
    ),
});

/** The generic `file-source`'s config: the drop folder's, and the acknowledgments (X12 997, EDIFACT CONTRL) it may send. */
export const fileSourceConfig = fileDropConfig.extend({
  acknowledgements: acknowledgementsConfig.optional(),
});

export type FileDropOptions = z.input<typeof fileSourceConfig>;

/**
 * What keeps a drop folder's task from resuming at `offset`, or undefined: its plugins' `checkOffset`, so a position
 * set over the API is refused when it is set instead of failing the connector at its next start.
 */
export function fileDropOffsetProblem(offset: Json): string | undefined {
  const parsed = fileDropOffset.safeParse(offset);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `is not a file-drop offset: ${issue?.message} at ${issue?.path.join('.') || '(root)'} (one is {file, size, mtimeMs, message, done, finished}, as GET …/offsets shows)`;
}
type FileDropConfig = z.output<typeof fileSourceConfig>;

/**
 * How a listed file is opened: not through a link. Listing takes regular files only, but whoever may drop files may
 * swap one for a link between the listing and the read (to a secret file of the hub's): that file is refused
 * (ELOOP, unreadable) and goes to error/, instead of being read onto the bus.
 */
const READ_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

/**
 * How much of a big file is read at a time: ~850 1 KB JSON lines a read, where the stream's default 64 KiB took a read
 * (and its turns of the event loop) per ~55. A document holds a view of the chunk it was cut from until its batch is
 * committed: a batch of 2,000 such lines spans three chunks.
 */
const READ_CHUNK_BYTES = 1024 * 1024;

/** A file being read: its pieces, one read ahead so the last one is known when it is handed out. */
interface OpenFile {
  file: DropFile;
  /** Its pieces chunk by chunk (splitFileRuns), and the run in hand with the index of its next piece. */
  runs: AsyncIterator<SplitPiece[], void>;
  run: SplitPiece[];
  next: number;
  ahead: SplitPiece | undefined;
  /** Pieces taken from the file so far (skipped ones included): the next one is number `taken + 1`. */
  taken: number;
  /** Pieces already committed before a restart: read and dropped, never handed out again. */
  skip: number;
  /** A file refused whole: its one piece (its bytes, bounded) goes to the dead-letter topic with this reason. */
  refused?: string;
  /** With acknowledgements: the EDI family the file is read as (undefined when it is neither X12 nor EDIFACT). */
  ackKind?: AckKind;
  /** The fates a committed position held: its messages from `from` on are given to the acknowledgments as read. */
  replay?: AckFates;
}

/**
 * A handed-out piece as the acknowledgments see it: a file refused whole (`wholeFile`) may be of no family; a message
 * the splitter refused (its interchange cut short) is one of its interchange's, with its fate.
 */
type HandedPiece = Omit<AckPiece, 'kind'> & { kind: AckKind | undefined; wholeFile: boolean };

/** A batch handed out and not yet committed: its documents, the files whose last message it holds, its place. */
interface HandedOut {
  documents: SourceDocument[];
  /**
   * The files its documents came from, in order: each file's run of documents, and whether this run read that file
   * from its first message (counted at commit, not looked up per document).
   */
  files: Array<{ file: DropFile; fromStart: boolean; count: number }>;
  finishing: DropFile[];
  /** Poll order: a failed batch is handed out again before every later one. */
  seq: number;
}

/**
 * A source task over a drop folder. Each document's position is `{ file, size, mtimeMs, message, done, finished }`
 * on one partition per folder; files are moved to done/ only after the batch holding their last message is
 * committed, and the committed position says which files that were, so a crash in between moves them on restart
 * instead of reading them again. It polls ahead: the next batch is read while the previous one's transaction is
 * under way; a batch that fails (and every batch polled before the failure was heard, which the runtime fails
 * too) is handed out again, unchanged and in order, before anything new is read.
 */
export function createFileDropSource(options: FileDropOptions, context: ConnectorContext): SourceTask {
  const parsed = fileSourceConfig.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${context.name}: ${issue.path.join('.') || 'config'}: ${issue.message}`);
  }
  const { split } = parsed.data;
  if (parsed.data.acknowledgements && split !== 'none' && split !== 'x12' && split !== 'edifact') {
    throw new ConfigError(
      `${context.name}: acknowledgements answer X12 (997) and EDIFACT (CONTRL) interchanges, and split is ${split}: set split to x12 or edifact (or leave it out), or remove acknowledgements`,
    );
  }
  return new FileDropSource(parsed.data, context);
}

class FileDropSource implements SourceTask {
  private readonly config: FileDropConfig;
  private readonly context: ConnectorContext;
  private readonly folder: DropFolder;
  private readonly partition: string;
  private queue: DropFile[] = [];
  private current: OpenFile | undefined;
  /** A file a restart resumes, with how many of its messages are committed (and their fates, for acknowledgments). */
  private resume: { file: DropFile; committed: number; fates?: AckFates | undefined } | undefined;
  /** Files whose last message was handed out but which are not yet moved to done/. */
  private unmoved: DropFile[] = [];
  /** Batches handed out and not yet committed, in poll order. */
  private outstanding: HandedOut[] = [];
  /** Batches that failed, to hand out again (in poll order) before reading on. */
  private replay: HandedOut[] = [];
  private polled = 0;
  /** Finished files whose move failed: tried again at the next commit. */
  private moveLater: DropFile[] = [];
  /** Per file being read: its messages committed so far, and the reasons of those that went to dead letters whole. */
  private readonly tally = new Map<string, { committed: number; refused: string[]; fromStart: boolean }>();
  /** Finished files to move to error/ instead of done/ (none of their messages could be mapped), with the text. */
  private readonly refusedFiles = new Map<string, string>();
  /** Acknowledgments (config.acknowledgements), and the piece each handed-out document is. */
  private readonly acks: Acknowledgements | undefined;
  private readonly pieceOf = new WeakMap<SourceDocument, HandedPiece>();
  /** The fates of the messages whose acknowledgments are not written yet, for the positions (`positionOf`). */
  private readonly ledger = new AckLedger();
  /** Duplicate interchange detection (config.duplicateInterchanges), and the interchanges each document holds. */
  private readonly duplicates: DuplicateInterchanges | undefined;
  private readonly keysOf = new WeakMap<SourceDocument, string[]>();
  /** For the status: the last committed message's file and number, and the files moved on since the start. */
  private lastCommitted: { file: string; message: number } | undefined;
  private movedToDone = 0;
  private movedToError = 0;
  readonly pollsAhead = true;

  constructor(config: FileDropConfig, context: ConnectorContext) {
    this.config = config;
    this.context = context;
    const dir = resolve(context.baseDir, config.dir);
    this.partition = config.partition ?? dir;
    this.acks = config.acknowledgements && new Acknowledgements(config.acknowledgements, context);
    if (config.duplicateInterchanges === 'refuse')
      this.duplicates = new DuplicateInterchanges(config.rememberInterchanges);
    this.folder = new DropFolder({
      dir,
      pattern: compilePattern(config.pattern),
      readyMarker: config.readyMarker,
      stableMs: config.stableMs,
      doneDir: config.doneDir,
      errorDir: config.errorDir,
    });
  }

  async start(positions: ReadonlyMap<string, Json>): Promise<void> {
    // A folder missing at start is a deployment's mistake (a typo, a mount not made), not a moment's trouble: the
    // connector fails naming it, as a Kafka Connect task fails, instead of running with the error in lastError only.
    // One that goes away later is waited for (the task polls again).
    await this.folder.check().catch((error: unknown) => {
      throw new NonRetriableError(
        `${this.context.name}: ${errorMessage(error)}; then restart the connector (npx eai connectors restart ${this.context.name})`,
        { cause: error },
      );
    });
    const stored = positions.get(this.partition);
    if (stored === undefined || stored === null) return;
    const problem = fileDropOffsetProblem(stored);
    if (problem) {
      throw new NonRetriableError(
        `${this.context.name}: the committed position of partition ${this.partition} ${problem}`,
      );
    }
    const offset = fileDropOffset.parse(stored);
    if (offset.seen) this.duplicates?.restore(offset.seen);
    // Committed and finished, but maybe not yet moved when the process stopped.
    const finished = offset.done ? [...offset.finished, offset] : offset.finished;
    for (const ref of finished) {
      if (this.acks && ref.acks) await this.answerAgain(fromRef(ref), ref.acks);
      else if (this.acks && !ref.answered) {
        this.context.logger.warn(
          { file: ref.file },
          'file-drop: a file committed before the restart but not yet moved: its acknowledgment may be missing (its position, from an older hub or with too many dead letters, does not hold the fates of its messages)',
        );
      }
      await this.moveCommitted(fromRef(ref), ref.refused);
    }
    if (!offset.done) {
      const file = fromRef(offset);
      const now = await this.folder.stat(file.name);
      if (now && sameFile(now, file)) this.resume = { file, committed: offset.message, fates: offset.acks };
      else
        this.context.logger.warn({ file: file.name }, 'file-drop: the partly read file is gone or changed');
    }
  }

  async poll(): Promise<SourceDocument[]> {
    const again = this.replay.shift();
    if (again) {
      this.outstanding.push(again);
      return again.documents;
    }
    const batch: SourceDocument[] = [];
    const files: HandedOut['files'] = [];
    const finishing: DropFile[] = [];
    /**
     * What the positions of the file being read share, built once and not per document; again after each wait (a
     * commit meanwhile may have moved files on, or judged one refused).
     */
    let shared:
      | { open: OpenFile; ref: ReturnType<typeof toRef>; finished: Array<ReturnType<typeof toRef>> }
      | undefined;
    while (batch.length < this.config.batchSize && !this.context.signal.aborted) {
      this.current ??= await this.openNext();
      const open = this.current;
      if (!open) break;
      let piece: SplitPiece | undefined;
      try {
        // At once from the chunk in hand: a promise only when the next chunk is to be read.
        const taken = this.take(open);
        if (taken instanceof Promise) {
          piece = await taken;
          shared = undefined;
        } else piece = taken;
      } catch (error) {
        await this.closeCurrent();
        if (open.taken === 0 && (error instanceof NotEnvelopeError || isUnreadable(error))) {
          this.current = await this.refuse(
            open.file,
            error instanceof NotEnvelopeError ? error.message : `unreadable: ${errorMessage(error)}`,
          );
          this.current.ackKind = open.ackKind;
          continue;
        }
        // A read error mid-file: hand out what is there, read the file again from where it stopped next time.
        this.resume = { file: open.file, committed: open.taken };
        const problem = `${this.context.name}: reading ${open.file.name} after message ${open.taken}: ${errorMessage(error)}`;
        if (batch.length === 0) throw new RetriableError(problem, { cause: error });
        this.context.logger.warn({ file: open.file.name, err: error }, 'file-drop: read failed, will retry');
        break;
      }
      if (!piece) {
        // Everything in the file was committed before a restart: only the move is left.
        this.current = undefined;
        await this.moveCommitted(open.file);
        continue;
      }
      const last = open.ahead === undefined;
      if (shared?.open !== open)
        shared = {
          open,
          ref: toRef(open.file, this.refusedFiles.get(open.file.name)),
          finished: this.unmoved.map((file) => toRef(file, this.refusedFiles.get(file.name))),
        };
      if (files.at(-1)?.file !== open.file)
        files.push({ file: open.file, fromStart: open.skip === 0, count: 0 });
      files[files.length - 1]!.count++;
      const offset: FileDropOffset = {
        ...shared.ref,
        message: open.taken,
        done: last,
        finished: shared.finished,
      };
      const document: SourceDocument = {
        bytes: piece.bytes,
        name: `${open.file.name}#${open.taken}`,
        position: { partition: this.partition, offset: offsetJson(offset) },
        receivedAt: new Date(),
      };
      if (open.refused !== undefined) document.refused = open.refused;
      else if (piece.refused !== undefined) document.refused = piece.refused;
      else if (this.duplicates) {
        const { keys, duplicate, controlNumber } = this.duplicates.check(
          open,
          open.file.name,
          piece.where,
          piece.bytes,
          open.skip > 0,
        );
        if (keys.length > 0 && duplicate === undefined) this.keysOf.set(document, keys);
        if (duplicate !== undefined) {
          document.refused = duplicate;
          // A whole file (not split) refused as a duplicate: keyed by its interchange's control number, as the
          // mapping step keys an input refused whole (a message cut out of it by its id, below).
          if (controlNumber !== undefined) document.id = controlNumber;
        }
      }
      // A message refused here (its interchange cut short, or a duplicate) is keyed by its id, as the mapping step
      // keys the dead letters of the messages it refuses (`<ISA13>/<ST02>`, `<UNB 0020>/<UNH 0062>`), not `<file>#<n>`.
      if (document.refused !== undefined && open.refused === undefined && piece.id !== undefined)
        document.id = piece.id;
      if (piece.where !== WHOLE_FILE) document.where = piece.where;
      if (this.acks) {
        this.pieceOf.set(document, handedPiece(open, piece));
      }
      batch.push(document);
      if (last) {
        this.unmoved.push(open.file);
        finishing.push(open.file);
        this.current = undefined;
      }
    }
    if (batch.length === 0) {
      await sleep(this.config.idleWaitMs, undefined, { signal: this.context.signal }).catch(() => undefined);
      return [];
    }
    this.outstanding.push({ documents: batch, files, finishing, seq: ++this.polled });
    return batch;
  }

  /**
   * With acknowledgments, the position a document is committed with holds the fates of the messages of its file's
   * interchanges not answered yet, its own included, and those of the finished files not yet moved: a crash after
   * the commit, before the acknowledgments are written, has them written at the restart (`answerAgain`, and a
   * resumed file's messages given to them as they are read again).
   */
  positionOf(document: SourceDocument, refused: string | undefined): SourceDocument['position'] {
    const position = document.position;
    if (!position || (!this.acks && !this.duplicates)) return position;
    let offset = position.offset as unknown as FileDropOffset;
    if (this.duplicates) {
      // Published (not dead-lettered): its interchanges are known from now on, and the position remembers them.
      const keys = this.keysOf.get(document);
      if (keys) this.duplicates.settled(keys, refused === undefined && document.refused === undefined);
      const seen = this.duplicates.keys();
      if (seen.length > 0) offset = { ...offset, seen };
      if (!this.acks)
        return seen.length > 0 ? { partition: position.partition, offset: offsetJson(offset) } : position;
    }
    const piece = this.pieceOf.get(document);
    if (piece?.kind !== undefined && !piece.wholeFile) this.ledger.record(piece.file, piece.message, refused);
    const acks = this.ledger.fatesOf(offset.file);
    return {
      partition: position.partition,
      offset: offsetJson({
        ...offset,
        ...(acks ? { acks } : {}),
        finished: offset.finished.map((ref) => {
          const fates = this.ledger.fatesOf(ref.file);
          if (fates) return { ...ref, acks: fates };
          return this.ledger.isAnswered(ref.file) ? { ...ref, answered: true } : ref;
        }),
      }),
    };
  }

  async commit(documents: SourceDocument[], outcome: CommitOutcome): Promise<void> {
    // Commits come in poll order: the batch is the oldest one handed out (found by its documents when it can be).
    const at = Math.max(
      0,
      this.outstanding.findIndex((batch) => batch.documents === documents),
    );
    const [batch] = this.outstanding.splice(at, 1);
    if (!outcome.ok) {
      // A task stopping (a pause, a restart, the connector moving to another instance, a shutdown) leaves its batch
      // for the next task: said at info, without the stack, as the warning it was came at every rolling restart.
      if (this.context.signal.aborted)
        this.context.logger.info(
          { documents: documents.length },
          'file-drop: task stopping; its batch was not committed and is read again by the next task',
        );
      else
        this.context.logger.warn(
          { documents: documents.length, err: outcome.error },
          'file-drop: batch not committed; it is polled again',
        );
      if (batch) {
        const before = this.replay.findIndex((waiting) => waiting.seq > batch.seq);
        this.replay.splice(before === -1 ? this.replay.length : before, 0, batch);
      }
      return;
    }
    if (batch) this.count(batch, outcome.refused);
    for (const document of documents) {
      const keys = this.keysOf.get(document);
      if (keys) this.duplicates?.release(keys);
    }
    const last = documents.at(-1)?.position?.offset;
    const committed = last === undefined ? undefined : fileDropOffset.safeParse(last);
    if (committed?.success)
      this.lastCommitted = { file: committed.data.file, message: committed.data.message };
    for (const file of batch?.finishing ?? []) this.judge(file);
    if (this.acks) await this.acknowledge(documents, outcome.refused, batch?.finishing ?? []);
    const pending = [...this.moveLater, ...(batch?.finishing ?? [])];
    this.moveLater = [];
    for (const file of pending) {
      try {
        const refused = this.refusedFiles.get(file.name);
        if (refused === undefined) {
          await this.folder.moveToDone(file.name);
          this.movedToDone++;
        } else {
          const target = await this.folder.moveToError(file.name, refused);
          this.movedToError++;
          this.refusedFiles.delete(file.name);
          this.context.logger.warn(
            { file: file.name, target },
            'file-drop: refused file moved to error (its .reason says why)',
          );
        }
        this.unmoved = this.unmoved.filter((f) => f !== file);
        this.ledger.forget(file.name);
      } catch (error) {
        // Kept in the next positions' `finished`, so a restart still moves it; tried again on the next commit.
        this.moveLater.push(file);
        this.context.logger.error({ file: file.name, err: error }, 'file-drop: cannot move a finished file');
      }
    }
  }

  async stop(): Promise<void> {
    await this.closeCurrent();
  }

  /**
   * Progress, for the connector's status (`task.files`): the file being read (its size, the messages read from it and
   * committed to Kafka, counted from its start across restarts), the files listed ready and not yet begun, and the
   * files this task moved to done/ and error/. A file of many messages or a burst of many files shows how far it is.
   */
  status(): { [key: string]: Json } {
    const open = this.current;
    const reading = open && {
      file: open.file.name,
      bytes: open.file.size,
      messagesRead: open.taken,
      messagesCommitted: this.lastCommitted?.file === open.file.name ? this.lastCommitted.message : open.skip,
    };
    return {
      files: {
        reading: reading ?? null,
        waiting: this.queue.length,
        done: this.movedToDone,
        refused: this.movedToError,
      },
    };
  }

  /**
   * After the batch's commit, before its finished files move: each message's fate, then the acknowledgment (997 or
   * TA1, CONTRL) of every interchange of the files the batch finished. A file refused whole gets one when its
   * interchange header (ISA, UNB) reads.
   */
  private async acknowledge(
    documents: SourceDocument[],
    refused: ReadonlyMap<SourceDocument, string> | undefined,
    finishing: DropFile[],
  ): Promise<void> {
    const acks = this.acks!;
    // The last message of each file the batch holds, for what its positions keep once answered.
    const through = new Map<string, number>();
    for (const document of documents) {
      const piece = this.pieceOf.get(document);
      if (!piece) continue;
      through.set(piece.file, Math.max(through.get(piece.file) ?? 0, piece.message));
      const { kind, wholeFile, ...rest } = piece;
      if (wholeFile) await acks.refusedWhole(piece.file, kind, piece.bytes, document.refused ?? '');
      else if (kind)
        acks.committed(
          { ...rest, kind },
          refused?.get(document) ?? (document.refused === undefined ? undefined : document.refused),
        );
    }
    const finished = new Set(finishing.map((file) => file.name));
    for (const [file, last] of through) {
      if (finished.has(file)) continue;
      await acks.completed(file);
      this.ledger.answeredBefore(file, acks.unansweredFrom(file) ?? last + 1);
    }
    for (const file of finishing) {
      await acks.finished(file.name);
      this.ledger.finished(file.name);
    }
  }

  /**
   * The acknowledgments of a file committed before a restart whose position says they may not have been written:
   * its messages read again, those from the oldest interchange not answered on given their fates, then answered as
   * a finished file's. A file gone or changed since cannot be: said in the log.
   */
  private async answerAgain(file: DropFile, fates: AckFates): Promise<void> {
    const now = await this.folder.stat(file.name);
    const open = now && sameFile(now, file) ? await this.open(file, 0) : undefined;
    if (!open || open.refused !== undefined) {
      // Committed as it was read then: it moves on as its position says, not as refused now.
      this.refusedFiles.delete(file.name);
      this.context.logger.warn(
        { file: file.name },
        'file-drop: no acknowledgment written again for a file committed before the restart: it is gone, changed or no longer reads',
      );
      return;
    }
    open.replay = fates;
    try {
      for (;;) {
        const piece = await this.take(open);
        if (!piece) break;
        this.replayed(open, piece);
      }
    } finally {
      await open.runs.return?.();
    }
    await this.acks!.finished(file.name);
    this.ledger.finished(file.name);
  }

  /** A message read again after a restart, given to the acknowledgments with the fate its position held. */
  private replayed(open: OpenFile, piece: SplitPiece): void {
    const fates = open.replay;
    const kind = open.ackKind;
    if (!fates || !this.acks || !kind || open.taken < fates.from) return;
    const { wholeFile: _, ...handed } = handedPiece(open, piece);
    this.acks.committed({ ...handed, kind }, reasonAt(fates, open.taken));
  }

  /** Counts a committed batch's documents against their files. */
  private count(
    { documents, files }: HandedOut,
    refused: ReadonlyMap<SourceDocument, string> | undefined,
  ): void {
    let at = 0;
    for (const { file, fromStart, count } of files) {
      let tally = this.tally.get(file.name);
      if (!tally) {
        tally = { committed: 0, refused: [], fromStart };
        this.tally.set(file.name, tally);
      }
      tally.committed += count;
      if (refused && refused.size > 0)
        for (const document of documents.slice(at, at + count)) {
          const why = refused.get(document);
          if (why !== undefined) tally.refused.push(`${document.name}: ${why}`);
        }
      at += count;
    }
  }

  /**
   * A finished file none of whose messages could be mapped (all in the dead-letter topic) goes to error/ with why, as
   * an unreadable one does: an operator watching the folders sees it there, not in done/. A file read in part before
   * a restart goes to done/ (what the earlier run refused is not known).
   */
  private judge(file: DropFile): void {
    const tally = this.tally.get(file.name);
    this.tally.delete(file.name);
    if (this.refusedFiles.has(file.name)) return; // refused whole: its own reason stands
    if (!tally?.fromStart || tally.committed === 0 || tally.refused.length < tally.committed) return;
    const shown = tally.refused.slice(0, 5);
    const more = tally.refused.length - shown.length;
    this.refusedFiles.set(
      file.name,
      [
        `file: ${file.name}`,
        tally.committed === 1
          ? `error: it could not be read or mapped; it is in the dead-letter topic with its bytes and reason (npx eai dlq ls ${DLQ_TOPICS.mapping} --owner ${this.context.name})`
          : `error: none of its ${tally.committed} messages could be read or mapped; each is in the dead-letter topic with its bytes and reason (npx eai dlq ls ${DLQ_TOPICS.mapping} --owner ${this.context.name})`,
        ...shown.map((line) => `message ${line}`),
        ...(more > 0 ? [`… and ${more} more`] : []),
        `at: ${new Date().toISOString()}`,
      ].join('\n'),
    );
  }

  /** The next file: the one a restart resumes, else the oldest ready one that is still as it was listed. */
  private async openNext(): Promise<OpenFile | undefined> {
    if (this.resume) {
      const { file, committed, fates } = this.resume;
      this.resume = undefined;
      const open = await this.open(file, committed);
      if (open && fates && open.ackKind) {
        open.replay = fates;
        this.ledger.restore(file.name, fates);
      }
      return open;
    }
    for (;;) {
      if (this.queue.length === 0) {
        const busy = new Set(this.unmoved.map((f) => f.name));
        this.queue = await this.folder.ready(busy);
        if (this.queue.length === 0) return undefined;
      }
      const listed = this.queue.shift()!;
      const file = await this.folder.stat(listed.name);
      if (!file || !sameFile(file, listed)) continue; // gone, or written to again: the next listing looks again
      const open = await this.open(file, 0);
      if (open) return open;
    }
  }

  private async open(file: DropFile, skip: number): Promise<OpenFile | undefined> {
    const path = this.folder.path(file.name);
    // With acknowledgments every file is read message by message, so each one's fate (mapped or dead-lettered) is
    // known: as the split kind says, or (split none) as the file's first bytes say.
    let ackKind: AckKind | undefined;
    if (this.acks) {
      const { split } = this.config;
      if (split === 'x12' || split === 'edifact') ackKind = split;
      else {
        const head = await this.sniff(path);
        if (head === undefined) return undefined; // gone since it was listed
        if (typeof head === 'string') return this.refuse(file, head, Buffer.alloc(0));
        ackKind = ackKindOf(head);
        if (!ackKind) {
          return this.refuse(
            file,
            'neither an X12 (ISA) nor an EDIFACT (UNA, UNB) interchange: acknowledgements answer only those',
          );
        }
      }
    }
    const opened = await this.openAs(file, skip, ackKind);
    if (opened) opened.ackKind = ackKind;
    return opened;
  }

  /** The first bytes of a file (for its EDI family), undefined when it is gone, the reason when it cannot be read. */
  private async sniff(path: string): Promise<Buffer | string | undefined> {
    try {
      const handle = await openFile(path, READ_NO_FOLLOW);
      try {
        const head = Buffer.alloc(64);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        return head.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (!isUnreadable(error)) throw error;
      return `unreadable: ${errorMessage(error)}`;
    }
  }

  private async openAs(
    file: DropFile,
    skip: number,
    ackKind: AckKind | undefined,
  ): Promise<OpenFile | undefined> {
    const path = this.folder.path(file.name);
    let split = ackKind ?? this.config.split;
    const splitAbove = ackKind ? 0 : this.config.splitAboveBytes;
    // An IDoc flat file (a file port's, EDI_DC40 at column 1) is no XML to cut per <IDOC>: it is read whole, one
    // document whose IDocs the reader takes apart (one refused alone), up to the one-document limit. A file small
    // enough to read whole is looked at once read; a bigger one by its first bytes.
    if (split === 'idoc-xml' && file.size > splitAbove) {
      const head = await this.sniff(path);
      if (head === undefined) return undefined; // gone since it was listed
      if (typeof head !== 'string' && isFlatIdoc(head)) {
        if (file.size > MAX_DOCUMENT_BYTES) {
          return this.refuse(
            file,
            `an IDoc flat file of ${file.size} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit for one document: flat files are read whole, not cut per IDoc; have the port write smaller files, or IDoc-XML`,
          );
        }
        split = 'none';
      }
    }
    if (file.size <= MAX_DOCUMENT_BYTES && (split === 'none' || file.size <= splitAbove)) {
      let bytes: Buffer;
      try {
        bytes = await readFile(path, { flag: READ_NO_FOLLOW });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // gone since it was listed
        if (!isUnreadable(error)) throw error;
        return this.refuse(file, `unreadable: ${errorMessage(error)}`, Buffer.alloc(0));
      }
      if (split !== 'none' && !(split === 'idoc-xml' && isFlatIdoc(bytes))) {
        try {
          splitBuffer(split, bytes);
        } catch (error) {
          if (!(error instanceof NotEnvelopeError)) throw error;
          return this.refuse(file, error.message, bytes);
        }
      }
      const whole: SplitPiece = { bytes, where: WHOLE_FILE, broken: false };
      return { file, runs: once(whole), run: [], next: 0, ahead: undefined, taken: 0, skip };
    }
    if (split === 'none') {
      return this.refuse(
        file,
        `file is ${file.size} bytes, over the ${MAX_DOCUMENT_BYTES}-byte limit for one document, and split is none`,
      );
    }
    const runs = splitFileRuns(path, split, {
      signal: this.context.signal,
      flags: READ_NO_FOLLOW,
      highWaterMark: READ_CHUNK_BYTES,
    });
    return { file, runs, run: [], next: 0, ahead: undefined, taken: 0, skip };
  }

  /**
   * The file's next piece not committed before, or undefined at its end; `open.ahead` then says whether it is last.
   * At once while the chunk in hand has pieces, a promise when the next chunk is read.
   */
  private take(open: OpenFile): SplitPiece | undefined | Promise<SplitPiece | undefined> {
    if (open.taken === 0 || open.taken < open.skip) return this.takeFirst(open);
    const piece = open.ahead;
    if (!piece) return undefined;
    // Read ahead before counting the piece as taken: a read error here leaves it to be handed out again.
    const ahead = next(open);
    if (ahead instanceof Promise)
      return ahead.then((read) => {
        open.ahead = read;
        open.taken++;
        return piece;
      });
    open.ahead = ahead;
    open.taken++;
    return piece;
  }

  /** The file's first piece not committed before (those that were are read and dropped). */
  private async takeFirst(open: OpenFile): Promise<SplitPiece | undefined> {
    if (open.taken === 0) open.ahead = await next(open);
    while (open.taken < open.skip && open.ahead) {
      open.taken++;
      this.replayed(open, open.ahead);
      open.ahead = await next(open);
    }
    const piece = open.ahead;
    if (!piece) return undefined;
    open.ahead = await next(open);
    open.taken++;
    return piece;
  }

  /** A file committed before a restart, to done/, or to error/ with its `.reason` when it was refused. */
  private async moveCommitted(file: DropFile, refused?: string): Promise<void> {
    const now = await this.folder.stat(file.name);
    if (!now) {
      await this.folder.removeMarker(file.name);
      return;
    }
    if (!sameFile(now, file)) return; // a new file under the old name: it is read as any other
    if (refused !== undefined) {
      await this.folder.moveToError(file.name, refused);
      this.context.logger.warn({ file: file.name }, 'file-drop: committed refused file moved to error');
      return;
    }
    await this.folder.moveToDone(file.name);
    this.context.logger.info({ file: file.name }, 'file-drop: committed file moved to done');
  }

  /**
   * A file refused whole (not the envelope its split expects, unreadable, too big): handed out as one document the
   * runtime dead-letters with the reason and counts failed, as any unreadable input; once that is committed the file
   * goes to error/ with its `.reason`. The dead letter holds the file's bytes up to the one-document limit, as every
   * dead letter does (a bigger file is whole in error/).
   */
  private async refuse(file: DropFile, reason: string, bytes?: Buffer): Promise<OpenFile> {
    this.refusedFiles.set(file.name, `file: ${file.name}\nerror: ${reason}\nat: ${new Date().toISOString()}`);
    const kept = bytes ?? (await this.head(file));
    const cut =
      kept.length < file.size
        ? ` (the dead letter holds its first ${kept.length} of ${file.size} bytes; the file is whole in ${this.config.errorDir}/)`
        : '';
    this.context.logger.warn(
      { file: file.name, reason },
      'file-drop: file refused; dead-lettered, then moved to error',
    );
    const piece: SplitPiece = { bytes: kept, where: WHOLE_FILE, broken: false };
    return {
      file,
      runs: once(piece),
      run: [],
      next: 0,
      ahead: undefined,
      taken: 0,
      skip: 0,
      refused: `${reason}${cut}`,
    };
  }

  /** The file's first bytes, up to the one-document limit; none when it cannot be read. */
  private async head(file: DropFile): Promise<Buffer> {
    try {
      const handle = await openFile(this.folder.path(file.name), READ_NO_FOLLOW);
      try {
        const buffer = Buffer.alloc(Math.min(file.size, MAX_DOCUMENT_BYTES));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    } catch {
      return Buffer.alloc(0);
    }
  }

  private async closeCurrent(): Promise<void> {
    const open = this.current;
    this.current = undefined;
    await open?.runs.return?.();
  }
}

/** The `where` of a file read as one document, not cut by a splitter. */
const WHOLE_FILE = 'whole file';

/** The piece just taken from the file, as the acknowledgments see it. */
function handedPiece(open: OpenFile, piece: SplitPiece): HandedPiece {
  return {
    file: open.file.name,
    message: open.taken,
    kind: open.ackKind,
    wholeFile: open.refused !== undefined,
    where: piece.where,
    bytes: piece.bytes,
    trailers: piece.trailers,
  };
}

/** The file's next piece, undefined at its end: from the run in hand, else (a promise) from the next one read. */
function next(open: OpenFile): SplitPiece | undefined | Promise<SplitPiece | undefined> {
  if (open.next < open.run.length) return open.run[open.next++];
  return nextRun(open);
}

async function nextRun(open: OpenFile): Promise<SplitPiece | undefined> {
  for (;;) {
    const result = await open.runs.next();
    if (result.done) return undefined;
    open.run = result.value;
    open.next = 0;
    if (open.run.length > 0) return open.run[open.next++];
  }
}

async function* once(piece: SplitPiece): AsyncGenerator<SplitPiece[], void> {
  yield [piece];
}

/** The file cannot be read at all, and trying again will not change that. */
function isUnreadable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'ELOOP';
}
