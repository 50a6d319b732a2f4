import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  type AckGroup,
  type AckSet,
  controlNumbersNeeded,
  type InterchangeNote,
  type ReceivedInterchange,
  write997,
  writeTa1,
} from '../../../formats/x12/acknowledgment.ts';
import { detectSeparators } from '../../../formats/x12/tokenizer.ts';
import { errorMessage, NonRetriableError } from '../../../lib/errors.ts';
import type { ConnectorContext } from '../../sdk/index.ts';
import { fileWriteError, writeAtomically } from '../keyed-files.ts';
import { reasonCodes } from './ack-reasons.ts';

export const acknowledgementsConfig = z
  .object({
    dir: z
      .string()
      .min(1)
      .describe(
        'Where the 997 functional acknowledgments go (created when missing; a relative path is resolved against the deployment file), one file per interchange received, `997_<ISA06>_<ISA13>.x12` (a TA1 `TA1_<ISA06>_<ISA13>.x12`), written atomically once the interchange’s records and dead letters are committed to Kafka; a redelivered interchange overwrites its own.',
      ),
    controlNumberFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The file that keeps the last control number the connector’s acknowledgments used (ISA13 and GS06 count up from it, never reused; default `<dir>/.eai-control-number-<connector>`). Keep it where the partner’s pickup does not remove it.',
      ),
  })
  .strict()
  .describe(
    'X12 only: send the trading partner a 997 for each interchange read (AK5 A per set mapped, R with its reason per set dead-lettered, AK9 A / P / R), or a TA1 when only its ISA can be read. Every file is then read set by set (as `split: x12` with `splitAboveBytes: 0`), so each set’s fate is known. Absent: no acknowledgments.',
  );

export type AcknowledgementsConfig = z.output<typeof acknowledgementsConfig>;

/** One set piece as handed out: which interchange / group it belongs to (the splitter's `where`) and its bytes. */
export interface AckPiece {
  file: string;
  where: string;
  bytes: Buffer;
}

interface InterchangeState {
  key: string;
  /** Read from its first set on: false when a restart resumed the file in the middle of it. */
  whole: boolean;
  received: Omit<ReceivedInterchange, 'groups'>;
  groups: Map<string, AckGroup>;
  /** The ISA problem every refused set named (a TA1 instead of a 997 when all its sets have it). */
  notes: InterchangeNote[];
}

/** ISA / GS / ST elements of a piece (or of a whole file refused), as far as they read: undefined when no ISA does. */
function envelopeOf(bytes: Buffer): { isa: string[]; gs?: string[]; st?: string[] } | undefined {
  const head = bytes.subarray(0, 4096).toString('utf8');
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const start = text.search(/\S/);
  if (start < 0) return undefined;
  let separators: ReturnType<typeof detectSeparators>;
  try {
    separators = detectSeparators(text, start, 'x12');
  } catch {
    return undefined;
  }
  const segments = text
    .slice(start)
    .split(separators.segment)
    .slice(0, 3)
    .map((segment) => segment.trim().split(separators.element));
  const [isa, gs, st] = segments;
  if (!isa || isa.length < 16) return undefined;
  return {
    isa: isa.map((e) => e.trim()),
    ...(gs?.[0] === 'GS' ? { gs } : {}),
    ...(st?.[0] === 'ST' ? { st } : {}),
  };
}

function receivedOf(isa: string[]): Omit<ReceivedInterchange, 'groups'> {
  return {
    senderQualifier: isa[5] ?? '',
    senderId: isa[6] ?? '',
    receiverQualifier: isa[7] ?? '',
    receiverId: isa[8] ?? '',
    date: isa[9] ?? '',
    time: isa[10] ?? '',
    version: isa[12] ?? '',
    controlNumber: isa[13] ?? '',
    usage: isa[15] ?? 'P',
  };
}

/** `997_<sender>_<control number>.x12`: the same name for the same interchange, so a redelivery overwrites it. */
export function acknowledgmentName(
  kind: '997' | 'TA1',
  received: Omit<ReceivedInterchange, 'groups'>,
): string {
  const safe = (value: string) => value.replace(/[^A-Za-z0-9.-]+/g, '-') || 'unknown';
  return `${kind}_${safe(received.senderId)}_${safe(received.controlNumber)}.x12`;
}

/**
 * The drop folder's acknowledgments: the fate of each set as its batch is committed, the 997 (or TA1) of each
 * interchange once the file it came in is finished, and the control numbers they use. The control number is kept in a
 * file of its own beside the acknowledgments, not in the connector's Kafka positions: a position reset (to read the
 * folder's files again) must never hand out a number again, as partners refuse an ISA13 they have seen.
 */
export class Acknowledgements {
  private readonly dir: string;
  private readonly counterFile: string;
  private readonly context: ConnectorContext;
  /** Per file being read: its interchanges in order, by `ISA#n`. */
  private readonly files = new Map<string, Map<string, InterchangeState>>();

  constructor(config: AcknowledgementsConfig, context: ConnectorContext) {
    this.context = context;
    this.dir = resolve(context.baseDir, config.dir);
    this.counterFile = config.controlNumberFile
      ? resolve(context.baseDir, config.controlNumberFile)
      : join(this.dir, `.eai-control-number-${context.name.replace(/[^A-Za-z0-9.-]+/g, '-')}`);
  }

  /** A committed set piece and, when it went to the dead-letter topic whole, why (the runtime's reason). */
  committed(piece: AckPiece, refused: string | undefined): void {
    const keys = /^(ISA#\d+)\/(GS#\d+)(?:\/(ST#\d+))?/.exec(piece.where);
    const envelope = envelopeOf(piece.bytes);
    if (!keys || !envelope?.gs || !envelope.st || !keys[3]) {
      // Segments outside ST..SE (junk between sets): dead-lettered, but no set of X12's to acknowledge.
      this.context.logger.warn(
        { file: piece.file, where: piece.where },
        'file-drop: a piece that is no transaction set is in no acknowledgment',
      );
      return;
    }
    let interchanges = this.files.get(piece.file);
    if (!interchanges) {
      interchanges = new Map();
      this.files.set(piece.file, interchanges);
    }
    const [, isaKey, gsKey] = keys as unknown as [string, string, string];
    let interchange = interchanges.get(isaKey);
    if (!interchange) {
      interchange = {
        key: isaKey,
        whole: /\/GS#1\/ST#1 /.test(piece.where),
        received: receivedOf(envelope.isa),
        groups: new Map(),
        notes: [],
      };
      interchanges.set(isaKey, interchange);
    }
    const gs = envelope.gs;
    let group = interchange.groups.get(gsKey);
    if (!group) {
      group = {
        functionalId: gs[1] ?? '',
        senderCode: gs[2] ?? '',
        receiverCode: gs[3] ?? '',
        controlNumber: gs[6] ?? '',
        version: gs[8] ?? '',
        sets: [],
      };
      interchange.groups.set(gsKey, group);
    }
    const [, type = '', controlNumber = '', implementationReference] = envelope.st;
    const set: AckSet = {
      type,
      controlNumber,
      status: 'A',
      ...(implementationReference ? { implementationReference } : {}),
    };
    if (refused !== undefined) {
      const { codes, segments, interchange: note } = reasonCodes(refused);
      set.status = 'R';
      set.codes = codes;
      if (segments) set.segments = segments;
      if (note) interchange.notes.push(note);
    }
    group.sets.push(set);
  }

  /**
   * A file refused whole (no set in it could be cut): a TA1 when its ISA reads (024, invalid interchange content),
   * else nothing, said in the log.
   */
  async refusedWhole(file: string, bytes: Buffer, reason: string): Promise<void> {
    const envelope = envelopeOf(bytes);
    if (!envelope) {
      this.context.logger.warn(
        { file, reason },
        'file-drop: no acknowledgment: the file has no readable ISA to answer',
      );
      return;
    }
    await this.send('TA1', receivedOf(envelope.isa), file, (own) =>
      writeTa1(receivedOf(envelope.isa), { status: 'R', code: '024' }, own),
    );
  }

  /** The file is finished and committed: each of its interchanges gets its 997 (a TA1 when all sets failed at ISA). */
  async finished(file: string): Promise<void> {
    const interchanges = this.files.get(file);
    this.files.delete(file);
    for (const interchange of interchanges?.values() ?? []) {
      const received: ReceivedInterchange = {
        ...interchange.received,
        groups: [...interchange.groups.values()],
      };
      const sets = received.groups.flatMap((group) => group.sets);
      if (!interchange.whole) {
        this.context.logger.warn(
          { file, interchange: received.controlNumber },
          'file-drop: no 997 for an interchange a restart resumed in the middle (the fates of its sets read before are not known here; its dead letters are in the dead-letter topic)',
        );
        continue;
      }
      const note = interchange.notes[0];
      if (note && interchange.notes.length === sets.length) {
        await this.send('TA1', received, file, (own) => writeTa1(received, note, own));
        continue;
      }
      await this.send('997', received, file, (own) => write997(received, own));
    }
  }

  private async send(
    kind: '997' | 'TA1',
    received: ReceivedInterchange | Omit<ReceivedInterchange, 'groups'>,
    file: string,
    write: (own: { controlNumber: number; at: Date }) => Buffer,
  ): Promise<void> {
    const name = acknowledgmentName(kind, received);
    try {
      const needed = 'groups' in received ? controlNumbersNeeded(received) : 1;
      const controlNumber = await this.reserve(needed);
      await writeAtomically(this.dir, name, write({ controlNumber, at: new Date() }));
      this.context.logger.info(
        { file, interchange: received.controlNumber, acknowledgment: name, controlNumber },
        `file-drop: ${kind} written`,
      );
    } catch (error) {
      // The records are on Kafka and the file goes on to done/: the acknowledgment is what is lost, said loudly.
      this.context.logger.error(
        { file, interchange: received.controlNumber, acknowledgment: name, err: error },
        `file-drop: cannot write the ${kind}: ${errorMessage(error)}`,
      );
    }
  }

  /**
   * `count` control numbers never used before: the first of them. The file holding the last one is written before
   * the acknowledgment, so a crash in between leaves a gap (X12 allows gaps), never a number used twice.
   */
  private async reserve(count: number): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    let last = 0;
    try {
      const text = (await readFile(this.counterFile, 'utf8')).trim();
      if (!/^\d{1,9}$/.test(text)) {
        throw new NonRetriableError(
          `${this.context.name}: control number file ${this.counterFile} holds ${JSON.stringify(text.slice(0, 20))}, not a number: write the last ISA13 the connector sent into it`,
        );
      }
      last = Number(text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // ISA13 has nine digits: after 999999999 it starts again at 1.
    const first = last + count > 999_999_999 ? 1 : last + 1;
    try {
      await mkdir(dirname(this.counterFile), { recursive: true });
      await writeAtomically(
        dirname(this.counterFile),
        basename(this.counterFile),
        Buffer.from(`${first + count - 1}\n`),
      );
    } catch (error) {
      throw fileWriteError(this.context, this.counterFile, error);
    }
    return first;
  }
}
