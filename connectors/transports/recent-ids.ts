/**
 * The ids seen most recently, at most `capacity` of them: the least recently seen is forgotten first, and seeing an
 * id again makes it the most recent.
 *
 * Not a Map in insertion order evicted through `keys().next()`, as this was: V8 leaves a deleted entry in place until
 * the table is rebuilt, and an iterator walks over every one from the front, so at capacity each eviction cost time in
 * proportion to the evictions since the last rebuild (9 µs an id at 100,000, the webhook source's default). Here each
 * sighting gets a number, kept per id and queued in order; eviction takes the queue's front, skipping sightings a
 * later one replaced. Every operation is O(1) amortized, the queue compacted when stale sightings make up half of it.
 */
export class RecentIds {
  /** Each id's latest sighting. */
  private readonly latest = new Map<string, number>();
  /** Sightings in order, from `head` on: the id and its number. */
  private ids: string[] = [];
  private sightings: number[] = [];
  private head = 0;
  private count = 0;
  private readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  has(id: string): boolean {
    if (!this.latest.has(id)) return false;
    this.see(id);
    return true;
  }

  add(id: string): void {
    this.see(id);
    while (this.latest.size > this.capacity) this.forgetOldest();
  }

  get size(): number {
    return this.latest.size;
  }

  private see(id: string): void {
    const sighting = this.count++;
    this.latest.set(id, sighting);
    this.ids.push(id);
    this.sightings.push(sighting);
    if (this.ids.length - this.head > 2 * this.latest.size + 32) this.compact();
  }

  private forgetOldest(): void {
    while (this.head < this.ids.length) {
      const id = this.ids[this.head]!;
      const sighting = this.sightings[this.head]!;
      this.head += 1;
      if (this.latest.get(id) === sighting) {
        this.latest.delete(id);
        return;
      }
    }
  }

  /** Drops the sightings before `head` and those a later one replaced. */
  private compact(): void {
    const ids: string[] = [];
    const sightings: number[] = [];
    for (let i = this.head; i < this.ids.length; i++) {
      const id = this.ids[i]!;
      if (this.latest.get(id) === this.sightings[i]) {
        ids.push(id);
        sightings.push(this.sightings[i]!);
      }
    }
    this.ids = ids;
    this.sightings = sightings;
    this.head = 0;
  }
}
