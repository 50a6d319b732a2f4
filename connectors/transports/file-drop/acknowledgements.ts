import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../../lib/errors.ts';
import type { ConnectorContext } from '../../sdk/index.ts';
import { controlNumberFile } from '../control-numbers.ts';
import { writeAtomically } from '../keyed-files.ts';
import type { PieceTrailers } from '../split/index.ts';
import { edifactAcknowledgements } from './ack-edifact.ts';
import { x12Acknowledgements } from './ack-x12.ts';

export const acknowledgementsConfig = z
  .object({
    dir: z
      .string()
      .min(1)
      .describe(
        'Where the acknowledgments go (created when missing; a relative path is resolved against the deployment file), one file per interchange received: `997_<ISA06>_<ISA08>_<ISA13>.x12` (a TA1 `TA1_<ISA06>_<ISA08>_<ISA13>.x12`) for X12, `CONTRL_<UNB sender>_<UNB recipient>_<UNB reference>.edi` for EDIFACT, written atomically once the interchange’s records and dead letters are committed to Kafka; a redelivered interchange is a duplicate answered by a TA1 R 025 (`duplicateInterchanges: allow`: it overwrites its own).',
      ),
    controlNumberFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The file that keeps the last control number the connector’s acknowledgments used (ISA13 and GS06, UNB interchange control reference count up from it, never reused; default `<dir>/.eai-control-number-<connector>`). Keep it where the partner’s pickup does not remove it.',
      ),
  })
  .strict()
  .describe(
    'Send the trading partner an acknowledgment for each interchange read: X12 a 997 (AK5 A per set mapped, R with its reason per set dead-lettered, AK9 A / P / R, E with AK905 5 when GE01 is off, a TA1 E 021 before it when IEA01 is) or a TA1 when only its ISA can be read (R 024) or the interchange was cut short before its IEA (R 023: its sets are dead-lettered, not mapped); EDIFACT a CONTRL (UCM 7 per message mapped, 4 with its 0085 error and UCS / UCD per message dead-lettered, UCI 7 or 4; UCI 4 with 13 at the UNZ for an interchange cut short before its UNZ, its messages dead-lettered, not mapped). Every file is then read message by message (as `split` with `splitAboveBytes: 0`; with `split: none` each file’s first bytes say which, ISA or UNA / UNB), so each one’s fate is known. Absent: no acknowledgments.',
  );

export type AcknowledgementsConfig = z.output<typeof acknowledgementsConfig>;

/** The EDI families that are acknowledged, by the split kind that reads them message by message. */
export type AckKind = 'x12' | 'edifact';

/** One message piece as handed out: its family, which interchange it belongs to (the splitter's `where`), its bytes. */
export interface AckPiece {
  file: string;
  /** Its number in the file, from 1. */
  message: number;
  kind: AckKind;
  where: string;
  bytes: Buffer;
  /** X12, EDIFACT: the counts its group's and interchange's trailers declared, once read (split/types.ts). */
  trailers?: PieceTrailers | undefined;
}

/** An acknowledgment to send: its file name, how many control numbers it uses, and how it is written with them. */
export interface AckReply {
  /** `997`, `TA1`, `CONTRL`: for the log. */
  kind: string;
  name: string;
  /** The partner's interchange control number it answers, for the log. */
  interchange: string;
  controlNumbers: number;
  write(own: { controlNumber: number; at: Date }): Buffer;
}

/** What one EDI family answers with (`ack-x12.ts`, `ack-edifact.ts`): its pieces read, its fates kept, its reply. */
export interface AckFamily<State> {
  split: AckKind;
  /** `set` or `message`, for the log. */
  noun: string;
  /** The piece's interchange (`ISA#1`, `UNB#1`) and whether it is its first message; undefined for no message (junk). */
  locate(where: string): { interchange: string; first: boolean } | undefined;
  /** An interchange's state from one of its pieces; undefined when its envelope does not read. */
  begin(piece: AckPiece): State | undefined;
  /** One message's fate (`refused`: the dead letter's reason); false when the piece's envelope does not read. */
  add(state: State, piece: AckPiece, refused: string | undefined): boolean;
  /** The acknowledgment of an interchange read from its first message on. */
  reply(state: State): AckReply;
  controlNumber(state: State): string;
  /** A file refused whole: the reply when its interchange header reads, else undefined. */
  refusedWhole(bytes: Buffer, reason: string): AckReply | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: each family keeps its own state; only its own methods see it.
const FAMILIES: Record<AckKind, AckFamily<any>> = {
  x12: x12Acknowledgements,
  edifact: edifactAcknowledgements,
};

/** Which family a file is from its first bytes: ISA is X12, UNA / UNB EDIFACT; undefined for neither. */
export function ackKindOf(head: Buffer): AckKind | undefined {
  const text = head
    .subarray(0, 64)
    .toString('latin1')
    .replace(/^\u00ef\u00bb\u00bf/, '')
    .trimStart();
  if (text.startsWith('ISA')) return 'x12';
  if (text.startsWith('UNA') || text.startsWith('UNB')) return 'edifact';
  return undefined;
}

interface InterchangeState {
  family: AckFamily<unknown>;
  /** The number of its first message in the file. */
  first: number;
  /** Read from its first message on: false when a restart resumed the file in the middle of it. */
  whole: boolean;
  state: unknown;
}

/**
 * The drop folder's acknowledgments: the fate of each message as its batch is committed, the acknowledgment of each
 * interchange once the file it came in is finished (written by its family), and the control numbers they use. The
 * control number is kept in a file of its own beside the acknowledgments, not in the connector's Kafka positions: a
 * position reset (to read the folder's files again) must never hand out a number again, as partners refuse an
 * interchange control number they have seen.
 */
export class Acknowledgements {
  private readonly dir: string;
  private readonly context: ConnectorContext;
  private readonly reserve: (count: number) => Promise<number>;
  /** Per file being read: its interchanges in order, by `ISA#n` / `UNB#n`. */
  private readonly files = new Map<string, Map<string, InterchangeState>>();

  constructor(config: AcknowledgementsConfig, context: ConnectorContext) {
    this.context = context;
    this.dir = resolve(context.baseDir, config.dir);
    const counterFile = config.controlNumberFile
      ? resolve(context.baseDir, config.controlNumberFile)
      : join(this.dir, `.eai-control-number-${context.name.replace(/[^A-Za-z0-9.-]+/g, '-')}`);
    this.reserve = controlNumberFile(counterFile, context);
  }

  /** A committed message piece and, when it went to the dead-letter topic whole, why (the runtime's reason). */
  committed(piece: AckPiece, refused: string | undefined): void {
    const family = FAMILIES[piece.kind];
    const at = family.locate(piece.where);
    let interchanges = this.files.get(piece.file);
    const known = at && interchanges?.get(at.interchange);
    const state = known ? known.state : at && family.begin(piece);
    if (!at || state === undefined || !family.add(state, piece, refused)) {
      // Segments outside the messages (junk between them), or an envelope that does not read: dead-lettered, but
      // nothing the family can name in an acknowledgment.
      this.context.logger.warn(
        { file: piece.file, where: piece.where },
        `file-drop: a piece that is no readable ${family.noun} is in no acknowledgment`,
      );
      return;
    }
    if (known) return;
    if (!interchanges) {
      interchanges = new Map();
      this.files.set(piece.file, interchanges);
    }
    interchanges.set(at.interchange, { family, first: piece.message, whole: at.first, state });
  }

  /**
   * The message of `file` its oldest interchange not answered yet begins at (they are kept in file order); undefined
   * when none is waiting.
   */
  unansweredFrom(file: string): number | undefined {
    return this.files.get(file)?.values().next().value?.first;
  }

  /** A file refused whole (no message in it could be cut): its family's reply when its header reads, else nothing, said in the log. */
  async refusedWhole(file: string, kind: AckKind | undefined, bytes: Buffer, reason: string): Promise<void> {
    const reply = kind && FAMILIES[kind].refusedWhole(bytes, reason);
    if (!reply) {
      this.context.logger.warn(
        { file, reason },
        'file-drop: no acknowledgment: the file has no readable interchange header (ISA, UNB) to answer',
      );
      return;
    }
    await this.send(reply, file);
  }

  /**
   * After a committed batch: every interchange of `file` that a later one follows is complete (the pieces come in
   * file order) and gets its acknowledgment now, not when the whole file is read: a partner sending a file of many
   * interchanges has each one answered as it is committed, the hub keeps the fates of one interchange per file, not
   * of the whole file, and a restart in the middle of a big file loses only the interchange under way.
   */
  async completed(file: string): Promise<void> {
    const interchanges = this.files.get(file);
    if (!interchanges || interchanges.size < 2) return;
    const current = [...interchanges.keys()].at(-1);
    const done = new Map([...interchanges].filter(([key]) => key !== current));
    for (const key of done.keys()) interchanges.delete(key);
    await this.answer(file, done);
  }

  /** The file is finished and committed: each of its interchanges not answered yet gets its acknowledgment. */
  async finished(file: string): Promise<void> {
    const interchanges = this.files.get(file);
    this.files.delete(file);
    if (interchanges) await this.answer(file, interchanges);
  }

  private async answer(file: string, interchanges: ReadonlyMap<string, InterchangeState>): Promise<void> {
    for (const { family, whole, state } of interchanges.values()) {
      if (!whole) {
        this.context.logger.warn(
          { file, interchange: family.controlNumber(state) },
          `file-drop: no acknowledgment for an interchange a restart resumed in the middle (the fates of its ${family.noun}s read before are not known here; its dead letters are in the dead-letter topic)`,
        );
        continue;
      }
      await this.send(family.reply(state), file);
    }
  }

  private async send(reply: AckReply, file: string): Promise<void> {
    const { kind, name, interchange } = reply;
    try {
      await mkdir(this.dir, { recursive: true });
      const controlNumber = await this.reserve(reply.controlNumbers);
      await writeAtomically(this.dir, name, reply.write({ controlNumber, at: new Date() }));
      this.context.logger.info(
        { file, interchange, acknowledgment: name, controlNumber },
        `file-drop: ${kind} written`,
      );
    } catch (error) {
      // The records are on Kafka and the file goes on to done/: the acknowledgment is what is lost, said loudly.
      this.context.logger.error(
        { file, interchange, acknowledgment: name, err: error },
        `file-drop: cannot write the ${kind}: ${errorMessage(error)}`,
      );
    }
  }
}
