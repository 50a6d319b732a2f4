import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { compilePathPattern, methodMatches } from './path-pattern.ts';

export const HTTP_FAULT_KINDS = ['rate_limit', 'error', 'slow', 'timeout', 'drop'] as const;
export const WEBHOOK_FAULT_KINDS = ['webhook_duplicate', 'webhook_reorder', 'webhook_lose'] as const;

/**
 * One fault as posted to `POST /sim/faults`. HTTP faults match incoming requests by method and path;
 * webhook faults match outbound deliveries by the subscriber URL's path.
 */
export const faultSchema = z.object({
  kind: z.enum([...HTTP_FAULT_KINDS, ...WEBHOOK_FAULT_KINDS]),
  method: z.string().default('*'),
  path: z.string().default('**'),
  /** How many matching requests / deliveries it affects; absent: until `DELETE /sim/faults`. */
  times: z.number().int().positive().optional(),
  /**
   * `error`: the status to answer: a 5xx (the system failing), or a 4xx (the system refusing the request: 400, 404,
   * 409, 422…; 429 is `rate_limit`'s, with its Retry-After).
   */
  status: z
    .number()
    .int()
    .min(400)
    .max(599)
    .refine((status) => status !== 429, 'use kind rate_limit for a 429 (it sends Retry-After)')
    .default(503),
  /** `rate_limit`: the Retry-After header, in seconds. */
  retryAfterSeconds: z.number().int().nonnegative().default(1),
  /** `slow`: added latency; `timeout`: answer this late (absent: never answer). */
  delayMs: z.number().int().nonnegative().optional(),
  /** `drop` / `timeout`: apply the request first, then lose the answer (the client cannot tell it was applied). */
  afterApply: z.boolean().default(false),
  /** `webhook_reorder`: how long to hold an event waiting for a later one to overtake it. */
  holdMs: z.number().int().nonnegative().default(1000),
});
export type FaultInput = z.input<typeof faultSchema>;
export type FaultSpec = z.output<typeof faultSchema>;
export type FaultKind = FaultSpec['kind'];

export interface ActiveFault extends FaultSpec {
  id: string;
  /** Matches left; null when unlimited. */
  remaining: number | null;
  matched: number;
}

export const faultListSchema = z.union([z.array(faultSchema), z.object({ faults: z.array(faultSchema) })]);

/** The faults currently switched on. Each match consumes one of `times`; spent faults disappear. */
export class FaultRegistry {
  private faults: Array<{ fault: ActiveFault; path: RegExp }> = [];

  add(specs: FaultSpec[]): ActiveFault[] {
    const added = specs.map((spec) => ({
      fault: { ...spec, id: randomUUID(), remaining: spec.times ?? null, matched: 0 },
      path: compilePathPattern(spec.path),
    }));
    this.faults.push(...added);
    return added.map((entry) => entry.fault);
  }

  list(): ActiveFault[] {
    return this.faults.map((entry) => ({ ...entry.fault }));
  }

  clear(): void {
    this.faults = [];
  }

  /** First HTTP fault matching the request, consumed once. */
  takeHttp(method: string, path: string): ActiveFault | undefined {
    return this.take((f) => (HTTP_FAULT_KINDS as readonly string[]).includes(f.kind), method, path);
  }

  /** A webhook fault of that kind matching a delivery to `url`, consumed once. */
  takeWebhook(kind: (typeof WEBHOOK_FAULT_KINDS)[number], url: string): ActiveFault | undefined {
    return this.take((f) => f.kind === kind, 'POST', new URL(url).pathname);
  }

  private take(filter: (f: ActiveFault) => boolean, method: string, path: string): ActiveFault | undefined {
    const index = this.faults.findIndex(
      (entry) => filter(entry.fault) && methodMatches(entry.fault.method, method) && entry.path.test(path),
    );
    const entry = this.faults[index];
    if (!entry) return undefined;
    entry.fault.matched++;
    if (entry.fault.remaining !== null) {
      entry.fault.remaining--;
      if (entry.fault.remaining <= 0) this.faults.splice(index, 1);
    }
    return { ...entry.fault };
  }
}
