import { detectSeparators } from '../../../formats/x12/tokenizer.ts';

/**
 * Duplicate interchange detection, as EDI translators do it: an X12 interchange is known by its sender, receiver and
 * control number (ISA06, ISA08, ISA13); one the connector already published is not published again (the partner's
 * resend, the same file dropped twice) but dead-lettered with why, and its acknowledgment is a TA1 R 025. The keys
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
  private current: { scope: object; at: string; keys: string[]; duplicate: string | undefined } | undefined;

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
  check(
    scope: object,
    file: string,
    where: string,
    bytes: Buffer,
    resumed = false,
  ): { keys: string[]; duplicate: string | undefined } {
    const interchange = /^(ISA#\d+)\//.exec(where)?.[1];
    const at = interchange && `${file}/${interchange}`;
    if (at && this.current?.scope === scope && this.current.at === at) return this.current;
    if (!startsWithIsa(bytes)) return { keys: [], duplicate: undefined };
    const keys = interchangeKeys(at ? bytes.subarray(0, 4096) : bytes);
    const resumedInside = resumed && at !== undefined && !/^ISA#\d+\/GS#1\/ST#1 /.test(where);
    const repeated = !resumedInside && keys.length > 0 && keys.every((key) => this.seen.has(key));
    const verdict = {
      keys,
      duplicate: repeated
        ? `duplicate interchange: ${keys.map(describe).join('; ')} was already published (the connector remembers the last ${this.limit} interchanges; set config.duplicateInterchanges: allow to publish it again)`
        : undefined,
    };
    if (at) this.current = { scope, at, ...verdict };
    return verdict;
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

/** The bytes begin (after a byte-order mark and blanks) with an ISA: an X12 interchange, whose keys are worth reading. */
function startsWithIsa(bytes: Buffer): boolean {
  return /^(\uFEFF|\u00EF\u00BB\u00BF)?\s*ISA/.test(bytes.subarray(0, 64).toString('latin1'));
}

/** `ISA06 ACMESUPPLY, ISA08 BIGRETAIL, ISA13 000004711` for a key. */
function describe(key: string): string {
  const [sender, receiver, control] = key.split('/');
  return `ISA06 ${sender}, ISA08 ${receiver}, ISA13 ${control}`;
}

/**
 * `<ISA06>/<ISA08>/<ISA13>` (trimmed) of each interchange the bytes hold, in order: every ISA at a segment's start
 * whose elements read as one (16 of them, ISA13 nine digits). None for bytes that are no X12.
 */
export function interchangeKeys(bytes: Buffer): string[] {
  const text = bytes.toString('latin1');
  const keys: string[] = [];
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
    keys.push(`${isa[6]!.trim()}/${isa[8]!.trim()}/${control}`);
    from = end === -1 ? at + 3 : end;
  }
}
