import type { AckFates } from './position.ts';

/** A reason longer than this is cut in a position (the acknowledgment's codes come from its start). */
const MAX_REASON = 500;
/** More runs of reasons than this in one file's unanswered interchanges: no fates in the positions (said at restart). */
const MAX_RUNS = 200;

/**
 * The fates of the messages of each file's interchanges not answered yet, as the file-drop source's positions carry
 * them (position.ts `ackFates`), so that acknowledgments a crash kept from being written after a Kafka commit are
 * written at the restart. A fate is recorded as the runtime makes the message's position (`positionOf`, in order, and
 * again for a batch handed out again); what an acknowledgment answered is dropped once it is written.
 */
export class AckLedger {
  private readonly files = new Map<string, { from: number; refused: Map<number, string> }>();
  /** Finished files whose acknowledgments were all written, not yet moved to done/. */
  private readonly answered = new Set<string>();

  /** A message's fate: `refused`, why it went to the dead-letter topic whole; undefined when it was mapped. */
  record(file: string, message: number, refused: string | undefined): void {
    let fates = this.files.get(file);
    if (!fates) {
      fates = { from: message, refused: new Map() };
      this.files.set(file, fates);
    }
    if (refused === undefined) fates.refused.delete(message);
    else
      fates.refused.set(
        message,
        refused.length > MAX_REASON ? `${refused.slice(0, MAX_REASON - 1)}…` : refused,
      );
  }

  /** The fates of `file` through message `upTo`, for a position; undefined when none are kept, or too many. */
  fatesOf(file: string, upTo = Number.POSITIVE_INFINITY): AckFates | undefined {
    const fates = this.files.get(file);
    if (!fates) return undefined;
    const refused: AckFates['refused'] = [];
    const messages = [...fates.refused.keys()]
      .filter((m) => m >= fates.from && m <= upTo)
      .sort((a, b) => a - b);
    for (const message of messages) {
      const reason = fates.refused.get(message)!;
      const run = refused.at(-1);
      if (run && run[1] === message - 1 && run[2] === reason) run[1] = message;
      else refused.push([message, message, reason]);
      if (refused.length > MAX_RUNS) return undefined;
    }
    return { from: fates.from, refused };
  }

  /** After a commit's acknowledgments: the interchanges of `file` before message `from` are answered. */
  answeredBefore(file: string, from: number): void {
    const fates = this.files.get(file);
    if (!fates || from <= fates.from) return;
    fates.from = from;
    for (const message of fates.refused.keys()) if (message < from) fates.refused.delete(message);
  }

  /** Every interchange of the finished `file` is answered. */
  finished(file: string): void {
    this.files.delete(file);
    this.answered.add(file);
  }

  isAnswered(file: string): boolean {
    return this.answered.has(file);
  }

  /** The file moved on (or is read again from its start): nothing is kept of it. */
  forget(file: string): void {
    this.files.delete(file);
    this.answered.delete(file);
  }

  /** The fates a committed position held, for a file a restart resumes. */
  restore(file: string, fates: AckFates): void {
    const refused = new Map<number, string>();
    for (const [first, last, reason] of fates.refused)
      for (let m = first; m <= last; m++) refused.set(m, reason);
    this.files.set(file, { from: fates.from, refused });
  }
}

/** The reason a message went to the dead-letter topic, by the fates a position held; undefined when it was mapped. */
export function reasonAt(fates: AckFates, message: number): string | undefined {
  return fates.refused.find(([first, last]) => message >= first && message <= last)?.[2];
}
