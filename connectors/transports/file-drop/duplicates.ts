import { type EdifactSegment, type EdifactSeparators, value } from '../../../formats/edifact/segment.ts';
import { readServiceStringAdvice, tokenize } from '../../../formats/edifact/tokenizer.ts';
import { detectSeparators } from '../../../formats/x12/tokenizer.ts';

/**
 * Duplicate interchange detection, as EDI translators do it: an interchange is known by its sender, receiver and
 * control number (X12 ISA06, ISA08, ISA13; EDIFACT UNB 0004, 0010, 0020); one the connector already published is not
 * published again (the partner's resend, the same file dropped twice) but dead-lettered with why, and its
 * acknowledgment is a TA1 R 025 (a CONTRL UCI 4 with 26, duplicate detected). The keys
 * of the newest `limit` interchanges published are remembered, in the order they were published, and kept in the
 * folder's committed position (`seen`), so a restart remembers them too.
 */
export class DuplicateInterchanges {
  private readonly limit: number;
  /** Insertion-ordered: the oldest first, dropped past `limit`. */
  private readonly seen = new Map<string, true>();
  private cached: string[] | undefined;
  private newest: string | undefined;
  /** The verdict for the interchange being read (`<file>/ISA#n`): its pieces share it. */
  private current: ({ scope: object; at: string } & Verdict) | undefined;
  /**
   * Interchanges handed out to be published and not settled yet (`settled`), by key: the reading that handed it
   * (`scope`, `<file>/ISA#n` or the file). The same interchange again in the same file (a VAN mailbox that appended a
   * resend) or in a file polled with it (the same file dropped twice at once) is a duplicate before the first commits.
   */
  private readonly inFlight = new Map<string, { scope: object; at: string }>();

  constructor(limit: number) {
    this.limit = limit;
  }

  /**
   * The keys of the interchanges a document holds and, when every one was published before, why it is a duplicate.
   * `where` is the splitter's (`ISA#2/GS#1/ST#3 (byte …)`): pieces of one interchange of one reading of a file
   * (`scope`) share the first one's verdict.
   * A document that is no X12 interchange has no keys. `resumed`: the file is one a restart resumes in the middle;
   * the interchange it resumes in (its first piece not its first set) published its first sets before: not a duplicate.
   */
  check(scope: object, file: string, where: string, bytes: Buffer, resumed = false): Verdict {
    const interchange = /^((?:ISA|UNB)#\d+)\//.exec(where)?.[1];
    const at = interchange && `${file}/${interchange}`;
    if (at && this.current?.scope === scope && this.current.at === at) return this.current;
    const kind = ediKind(bytes);
    if (!kind) return { keys: [], duplicate: undefined };
    const head = at ? bytes.subarray(0, 4096) : bytes;
    const interchanges = kind === 'x12' ? x12Interchanges(head) : edifactInterchanges(head);
    const keys = interchanges.map(keyOf);
    const resumedInside =
      resumed && at !== undefined && !/^(ISA#\d+\/GS#1\/ST#1|UNB#\d+(\/UNG#1)?\/UNH#1) /.test(where);
    const reading = at ?? file;
    const elsewhere = (key: string) => {
      const handed = this.inFlight.get(key);
      return handed !== undefined && (handed.scope !== scope || handed.at !== reading)
        ? handed.at
        : undefined;
    };
    const known = (key: string) => this.seen.has(key) || elsewhere(key) !== undefined;
    const repeated = !resumedInside && keys.length > 0 && keys.every(known);
    const earlier = keys.map(elsewhere).find((where) => where !== undefined);
    const verdict: Verdict = {
      keys,
      ...(interchanges[0] ? { controlNumber: interchanges[0].controlNumber } : {}),
      duplicate: repeated
        ? `duplicate interchange: ${keys.map(describe).join('; ')} ${
            earlier === undefined ? 'was already published' : `is being published from ${earlier}`
          } (the connector remembers the last ${this.limit} interchanges; set config.duplicateInterchanges: allow to publish it again)`
        : undefined,
    };
    if (!repeated)
      for (const key of keys) if (!this.inFlight.has(key)) this.inFlight.set(key, { scope, at: reading });
    if (at) this.current = { scope, at, ...verdict };
    return verdict;
  }

  /**
   * A document of these interchanges that `check` let through was committed: published (its interchanges are known
   * from now on), or dead-lettered (not published: a later copy may be published).
   */
  settled(keys: readonly string[], published: boolean): void {
    if (published) this.published(keys);
    this.release(keys);
  }

  /** Its batch was committed (settled or not): the interchanges are no longer in flight. */
  release(keys: readonly string[]): void {
    for (const key of keys) this.inFlight.delete(key);
  }

  /** A document of these interchanges was published (committed, not dead-lettered): they are now known, as the newest. */
  published(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.newest === key) continue;
      this.seen.delete(key);
      this.seen.set(key, true);
      this.newest = key;
      this.cached = undefined;
      if (this.seen.size > this.limit) this.seen.delete(this.seen.keys().next().value!);
    }
  }

  /** The interchanges a committed position remembered (at start). */
  restore(keys: readonly string[]): void {
    for (const key of keys.slice(-this.limit)) this.seen.set(key, true);
    this.newest = keys.at(-1);
    this.cached = undefined;
  }

  /** The keys to keep in the position, oldest first. */
  keys(): string[] {
    this.cached ??= [...this.seen.keys()];
    return this.cached;
  }
}

/** Sender, receiver and control number of an interchange (X12 ISA06 / ISA08 / ISA13, EDIFACT UNB 0004 / 0010 / 0020). */
interface InterchangeIds {
  kind: 'x12' | 'edifact';
  sender: string;
  receiver: string;
  controlNumber: string;
}

/**
 * A document's interchange keys and, when all were published before, why it is a duplicate; `controlNumber`: its
 * first interchange's (ISA13, UNB 0020), the key of a whole file refused as a duplicate, as the mapping step keys an
 * input refused whole.
 */
export interface Verdict {
  keys: string[];
  duplicate: string | undefined;
  controlNumber?: string;
}

function keyOf({ kind, sender, receiver, controlNumber }: InterchangeIds): string {
  return `${kind === 'edifact' ? EDIFACT_KEY : ''}${sender}/${receiver}/${controlNumber}`;
}

/** What the bytes begin with (after a byte-order mark and blanks): an X12 (ISA) or EDIFACT (UNA, UNB) interchange, or neither. */
function ediKind(bytes: Buffer): 'x12' | 'edifact' | undefined {
  const head = /^(?:\u00EF\u00BB\u00BF)?\s*(ISA|UNA|UNB)/.exec(bytes.subarray(0, 64).toString('latin1'))?.[1];
  if (head === undefined) return undefined;
  return head === 'ISA' ? 'x12' : 'edifact';
}

/** `ISA06 ACMESUPPLY, ISA08 BIGRETAIL, ISA13 000004711` (`UNB sender …, recipient …, 0020 …`) for a key. */
function describe(key: string): string {
  if (key.startsWith(EDIFACT_KEY)) {
    const [sender, recipient, reference] = key.slice(EDIFACT_KEY.length).split('/');
    return `UNB sender ${sender}, recipient ${recipient}, 0020 ${reference}`;
  }
  const [sender, receiver, control] = key.split('/');
  return `ISA06 ${sender}, ISA08 ${receiver}, ISA13 ${control}`;
}

/** EDIFACT keys are told from X12 ones by this prefix: `UNB:<sender>/<recipient>/<0020>`. */
const EDIFACT_KEY = 'UNB:';

/**
 * `UNB:<sender>/<recipient>/<0020>` (UNB 0004, 0010, 0020) of each EDIFACT interchange the bytes hold, in order, with
 * the separators its UNA declares (else the defaults `:+.? '`), released characters kept as data, as the EDIFACT
 * reader's tokenizer reads them.
 */
export function edifactInterchangeKeys(bytes: Buffer): string[] {
  return edifactInterchanges(bytes).map(keyOf);
}

function edifactInterchanges(bytes: Buffer): InterchangeIds[] {
  const text = bytes.toString('latin1');
  const keys: InterchangeIds[] = [];
  let from = 0;
  // A UNB without a UNA may keep the separators of the interchange before (readServiceStringAdvice's `previous`).
  let previous: EdifactSeparators | undefined;
  for (;;) {
    // The next interchange's start: its UNA, or a UNB without one (the reader's own reading of UNA and UNB).
    const una = text.indexOf('UNA', from);
    const unb = text.indexOf('UNB', from);
    if (unb === -1) return keys;
    const start = una !== -1 && una < unb ? una : unb;
    from = unb + 3;
    if (start > 0 && /[A-Za-z0-9]/.test(text[start - 1]!)) continue;
    let header: EdifactSegment | undefined;
    try {
      const advice = readServiceStringAdvice(text, 'edifact', { from: start, segment: 1, previous });
      header = tokenize(text, advice, 'edifact', 1)[0];
      previous = advice.separators;
    } catch {
      continue;
    }
    if (header?.tag !== 'UNB') continue;
    const sender = value(header, 2).trim();
    const recipient = value(header, 3).trim();
    const reference = value(header, 5).trim();
    if (!sender || !recipient || !/^[A-Za-z0-9]{1,14}$/.test(reference)) continue;
    keys.push({ kind: 'edifact', sender, receiver: recipient, controlNumber: reference });
  }
}

/**
 * `<ISA06>/<ISA08>/<ISA13>` (trimmed) of each interchange the bytes hold, in order: every ISA at a segment's start
 * whose elements read as one (16 of them, ISA13 nine digits). None for bytes that are no X12.
 */
export function interchangeKeys(bytes: Buffer): string[] {
  return x12Interchanges(bytes).map(keyOf);
}

function x12Interchanges(bytes: Buffer): InterchangeIds[] {
  const text = bytes.toString('latin1');
  const keys: InterchangeIds[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf('ISA', from);
    if (at === -1) return keys;
    from = at + 3;
    if (at > 0 && /[A-Za-z0-9]/.test(text[at - 1]!)) continue;
    let separators: ReturnType<typeof detectSeparators>;
    try {
      separators = detectSeparators(text.slice(at, at + 512), 0, 'x12');
    } catch {
      continue;
    }
    const end = text.indexOf(separators.segment, at);
    const isa = text.slice(at, end === -1 ? at + 512 : end).split(separators.element);
    const control = isa[13]?.trim() ?? '';
    if (isa.length < 17 || !/^\d{9}$/.test(control)) continue;
    keys.push({ kind: 'x12', sender: isa[6]!.trim(), receiver: isa[8]!.trim(), controlNumber: control });
    from = end === -1 ? at + 3 : end;
  }
}
