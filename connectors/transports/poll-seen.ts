import { createHash } from 'node:crypto';

/**
 * The item versions a poll source has emitted, to drop them when a page shows them again (overlap, a re-read last
 * page). A version is `id @ updatedAt # digest of the bytes`: a newer version of the same id has another key and is
 * emitted; the digest also tells apart two writes stamped in the same second (Odoo's write_date has second precision).
 */
export class SeenVersions {
  private readonly entries = new Map<string, number>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** When a remembered version was stamped, read back from its key (`id@updatedAt#digest`); NaN if not a key. */
  static stampOf(key: string): number {
    const hash = key.lastIndexOf('#');
    const at = key.lastIndexOf('@', hash);
    return hash > 0 && at >= 0 ? Date.parse(key.slice(at + 1, hash)) : Number.NaN;
  }

  /** The versions stamped at or after `ms`, newest `limit` of them, oldest first: what a restart must remember. */
  since(ms: number, limit: number): string[] {
    const out: Array<[string, number]> = [];
    for (const entry of this.entries) if (entry[1] >= ms) out.push(entry);
    out.sort((a, b) => a[1] - b[1]);
    return out.slice(-limit).map(([key]) => key);
  }

  static key(id: string, updatedAt: string, bytes: Buffer): string {
    const digest = createHash('sha1').update(bytes).digest('base64url').slice(0, 12);
    return `${id}@${updatedAt}#${digest}`;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Remembers a version; past `limit` the oldest remembered goes (its re-read then falls to the runtime's dedup). */
  add(key: string, updatedAtMs: number): void {
    this.entries.set(key, updatedAtMs);
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets versions older than `ms`: no query reaches back to them any more. */
  forgetBefore(ms: number): void {
    for (const [key, at] of this.entries) if (at < ms) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
