import type { Rng } from '../generator/prng.ts';

/** The ways real ORDERS05 files differ (see shared/samples/README.md), one flag each. */
export const IDOC_VARIANTS = [
  'padded-numbers',
  'lifnr-only',
  'zero-dates',
  'no-segment-attribute',
  'crlf',
  'single-quotes',
  'trailing-whitespace',
] as const;
export type IdocVariant = (typeof IDOC_VARIANTS)[number];

/** `plain`: none of them; `mixed`: a random subset per file (what the schedule writes). */
export type VariantRequest = IdocVariant | 'plain' | 'mixed' | IdocVariant[];

export function isVariantRequest(value: unknown): value is VariantRequest {
  const one = (v: unknown) => typeof v === 'string' && (IDOC_VARIANTS as readonly string[]).includes(v);
  if (value === 'plain' || value === 'mixed') return true;
  return Array.isArray(value) ? value.every(one) : one(value);
}

export function resolveVariants(request: VariantRequest, rng: Rng): Set<IdocVariant> {
  if (request === 'plain') return new Set();
  if (request === 'mixed') return new Set(IDOC_VARIANTS.filter(() => rng.chance(0.4)));
  return new Set(Array.isArray(request) ? request : [request]);
}
