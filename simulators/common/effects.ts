import type { Request } from 'express';

/** What a route tells the core it applied. */
export interface EffectInput {
  entityType: string;
  entityId: string;
  /** e.g. create, update, delete, upsert, ui-edit: the simulator's own vocabulary. */
  operation: string;
  detail?: Record<string, unknown>;
}

/** One applied state change, as `GET /sim/effects` lists it. */
export interface Effect extends EffectInput {
  seq: number;
  at: string;
  method: string;
  path: string;
  idempotencyKey?: string;
}

/** A stored answer, replayed when a request arrives again with the same idempotency key. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The ledger of applied changes and of answers given per idempotency key. Both are persisted. */
export class EffectLog {
  effects: Effect[] = [];
  answers: Record<string, StoredAnswer> = {};

  record(req: Request, input: EffectInput, idempotencyKey: string | undefined): Effect {
    const effect: Effect = {
      seq: (this.effects.at(-1)?.seq ?? 0) + 1,
      at: new Date().toISOString(),
      method: req.method,
      path: req.path,
      ...input,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    };
    this.effects.push(effect);
    return effect;
  }

  /** Filters by any Effect field given as a query parameter (entityType, entityId, operation, ...). */
  query(filters: Record<string, unknown>): Effect[] {
    const entries = Object.entries(filters).filter(([, value]) => typeof value === 'string');
    return this.effects.filter((effect) =>
      entries.every(([key, value]) => String((effect as unknown as Record<string, unknown>)[key]) === value),
    );
  }

  /**
   * Forgets the stored answers whose body contains `mentions` (an erased record's id): a replay would otherwise
   * hand its data out again. Returns how many were forgotten.
   */
  forgetAnswers(mentions: string): number {
    let forgotten = 0;
    for (const [key, answer] of Object.entries(this.answers)) {
      if (!answer.body.includes(mentions)) continue;
      delete this.answers[key];
      forgotten++;
    }
    return forgotten;
  }

  clear(): void {
    this.effects = [];
    this.answers = {};
  }
}
