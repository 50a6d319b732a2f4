import type { Json, SourceDocument } from '../sdk/index.ts';

/**
 * The versions emitted within the overlap window, carried in the source position so a restart does not emit them
 * again: the poll transport forgets its versions on restart and re-reads the overlap. Each id is the transport's
 * delivery id, `<entity>:<id>@<ISO updatedAt>#<digest>`.
 */
export class EmittedVersions {
  private readonly versions = new Map<string, number>();
  private readonly overlapMs: number;
  private readonly limit: number;

  constructor(overlapMs: number, limit = 2000) {
    this.overlapMs = overlapMs;
    this.limit = limit;
  }

  /** Takes the versions a committed position carried. */
  restore(position: Json | undefined): void {
    const recent = (position as { emitted?: unknown } | null | undefined)?.emitted;
    if (!Array.isArray(recent)) return;
    for (const id of recent) if (typeof id === 'string') this.versions.set(id, updatedAtOf(id));
  }

  /** Drops documents emitted before; remembers the others and adds the window to their positions. */
  filter(documents: SourceDocument[]): SourceDocument[] {
    const fresh = documents.filter((d) => !d.deliveryId || !this.versions.has(d.deliveryId));
    for (const document of fresh) {
      if (document.deliveryId) this.versions.set(document.deliveryId, updatedAtOf(document.deliveryId));
      const cursor = document.position?.offset as { updatedSince?: string } | null;
      if (!document.position || !cursor?.updatedSince) continue;
      this.prune(Date.parse(cursor.updatedSince) - this.overlapMs);
      document.position = {
        partition: document.position.partition,
        offset: { ...cursor, emitted: [...this.versions.keys()] } as Json,
      };
    }
    return fresh;
  }

  /**
   * Forgets documents whose batch did not reach Kafka: the poll transport reads them again from the last committed
   * cursor, and they must then pass.
   */
  forget(documents: SourceDocument[]): void {
    for (const document of documents) if (document.deliveryId) this.versions.delete(document.deliveryId);
  }

  private prune(beforeMs: number): void {
    for (const [id, ms] of this.versions) if (ms < beforeMs) this.versions.delete(id);
    while (this.versions.size > this.limit) this.versions.delete(this.versions.keys().next().value!);
  }
}

function updatedAtOf(deliveryId: string): number {
  const ms = Date.parse(/@([^#]+)#/.exec(deliveryId)?.[1] ?? '');
  return Number.isNaN(ms) ? 0 : ms;
}
