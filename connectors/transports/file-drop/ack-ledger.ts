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
  /**
   * Per file: the message its oldest unanswered interchange begins at, the dead-lettered messages since as runs of
   * one reason in message order, and the last message recorded. Fates come in message order; a batch handed out
   * again records its messages again from an earlier one, which drops what was recorded from there on first. So a
   * position costs a copy of the runs, not a sort of every fate (a file of thousands of messages, a position each).
   */
  private readonly files = new Map<string, { from: number; runs: AckFates['refused']; last: number }>();
  /** Finished files whose acknowledgments were all written, not yet moved to done/. */
  private readonly answered = new Set<string>();

  /** A message's fate: `refused`, why it went to the dead-letter topic whole; undefined when it was mapped. */
  record(file: string, message: number, refused: string | undefined): void {
    let fates = this.files.get(file);
    if (!fates) {
      fates = { from: message, runs: [], last: message - 1 };
      this.files.set(file, fates);
    }
    if (message <= fates.last) fates.runs = cut(fates.runs, (m) => m < message);
    fates.last = message;
    if (refused === undefined) return;
    const reason = refused.length > MAX_REASON ? `${refused.slice(0, MAX_REASON - 1)}…` : refused;
    const run = fates.runs.at(-1);
    if (run && run[1] === message - 1 && run[2] === reason) run[1] = message;
    else fates.runs.push([message, message, reason]);
  }

  /** The fates of `file` for a position; undefined when none are kept, or too many. */
  fatesOf(file: string): AckFates | undefined {
    const fates = this.files.get(file);
    if (!fates || fates.runs.length > MAX_RUNS) return undefined;
    return { from: fates.from, refused: fates.runs.map(([first, last, reason]) => [first, last, reason]) };
  }

  /** After a commit's acknowledgments: the interchanges of `file` before message `from` are answered. */
  answeredBefore(file: string, from: number): void {
    const fates = this.files.get(file);
    if (!fates || from <= fates.from) return;
    fates.from = from;
    fates.runs = cut(fates.runs, (m) => m >= from);
  }

  /** Every interchange of the finished `file` is answered. */
  finished(file: string): void {
    this.files.delete(file);
    this.answered.add(file);
  }

  isAnswered(file: string): boolean {
    return this.answered.has(file);
  }

  /** The file moved on: nothing is kept of it. */
  forget(file: string): void {
    this.files.delete(file);
    this.answered.delete(file);
  }

  /** The fates a committed position held, for a file a restart resumes. */
  restore(file: string, fates: AckFates): void {
    const runs = fates.refused.map(([first, last, reason]): AckFates['refused'][number] => [
      first,
      last,
      reason,
    ]);
    this.files.set(file, { from: fates.from, runs, last: runs.at(-1)?.[1] ?? fates.from - 1 });
  }
}

/** The runs cut to the messages `keep` keeps (a run that straddles the cut is shortened). */
function cut(runs: AckFates['refused'], keep: (message: number) => boolean): AckFates['refused'] {
  const out: AckFates['refused'] = [];
  for (const [first, last, reason] of runs) {
    let a = first;
    let b = last;
    while (a <= b && !keep(a)) a++;
    while (b >= a && !keep(b)) b--;
    if (a <= b) out.push([a, b, reason]);
  }
  return out;
}

/** The reason a message went to the dead-letter topic, by the fates a position held; undefined when it was mapped. */
export function reasonAt(fates: AckFates, message: number): string | undefined {
  return fates.refused.find(([first, last]) => message >= first && message <= last)?.[2];
}
