import { z } from 'zod';
import { ConfigError } from '../../lib/errors.ts';
import type { SimContext } from '../common/types.ts';
import { sapError } from './errors.ts';
import { type SapCustomer, type SapState, sapDate } from './state.ts';

/** SAP's ALPHA conversion: a numeric customer number is stored with leading zeros to 10 digits. */
export function alphaKunnr(value: string): string | undefined {
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return text.padStart(10, '0');
  if (/^[A-Z0-9]{1,10}$/.test(text)) return text;
  return undefined;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const text = (max: number) => z.string().max(max).default('');
const amount = z.number().finite().min(0).default(0);

/** A DEBMAS-like customer as PUT or seeded; OBLIG is derived, never taken from the input. */
const customerSchema = z.object({
  KUNNR: z.string().optional(),
  KTOKD: z.string().max(4).default('0001'),
  ANRED: text(30),
  NAME1: z.string().min(1, 'NAME1 is required').max(35),
  NAME2: text(35),
  SORTL: text(10),
  STRAS: text(35),
  PSTLZ: text(10),
  ORT01: text(35),
  REGIO: text(3),
  LAND1: z.string().regex(/^[A-Z]{2}$/, 'LAND1 must be an ISO country code of 2 capital letters'),
  SPRAS: text(2),
  TELF1: text(16),
  SMTP_ADDR: text(241),
  STCEG: text(20),
  ERDAT: z
    .string()
    .regex(/^\d{8}$/, 'ERDAT must be YYYYMMDD')
    .optional(),
  KKBER: z.string().max(4).default('1000'),
  WAERS: z
    .string()
    .regex(/^[A-Z]{3}$/, 'WAERS must be an ISO currency code')
    .default('EUR'),
  KLIMK: amount,
  SKFOR: amount,
  SAUFT: amount,
  OBLIG: z.number().optional(),
  ZZARREARS: amount,
  ZZARREARS_DAYS: z.number().int().min(0).default(0),
  CRBLB: z.enum(['', 'X']).default(''),
});

export type CustomerProblem = { field: string; message: string };

/** Validates a customer body; returns the record or the list of problems (field + message). */
export function toCustomer(
  kunnr: string,
  input: unknown,
  now: Date,
  existing?: SapCustomer,
): SapCustomer | CustomerProblem[] {
  const parsed = customerSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || '(body)',
      message: issue.message,
    }));
  }
  const { KUNNR: given, OBLIG: _derived, ERDAT, ...fields } = parsed.data;
  if (given !== undefined && alphaKunnr(given) !== kunnr) {
    return [{ field: 'KUNNR', message: `KUNNR ${given} in the body differs from ${kunnr} in the URL` }];
  }
  return {
    ...fields,
    KUNNR: kunnr,
    SKFOR: round2(fields.SKFOR),
    SAUFT: round2(fields.SAUFT),
    OBLIG: round2(fields.SKFOR + fields.SAUFT),
    ERDAT: existing?.ERDAT ?? ERDAT ?? sapDate(now),
    AEDAT: sapDate(now),
  };
}

/** Request body of PUT: the flat record, or OData V2's `{"d": {...}}` envelope. */
export function customerBody(body: unknown): unknown {
  if (body && typeof body === 'object' && 'd' in body) return (body as { d: unknown }).d;
  return body;
}

export function findCustomer(state: SapState, raw: string): SapCustomer {
  const kunnr = alphaKunnr(raw);
  const customer = kunnr ? state.customers[kunnr] : undefined;
  if (!customer) throw sapError(404, 'F2/153', `Customer ${raw} does not exist`);
  return customer;
}

/**
 * Seed lines: the generator's `{"system":"sap","type":"DEBMAS","record":{...}}` (lines of other systems are
 * skipped, so one file may seed all four simulators) or a bare DEBMAS record. No effects: it is prior state.
 */
export function applySapSeed(lines: unknown[], sim: SimContext<SapState>): void {
  const now = new Date();
  lines.forEach((line, index) => {
    const wrapped = line as { system?: unknown; type?: unknown; record?: unknown };
    if (typeof wrapped.system === 'string' && wrapped.system !== 'sap') return;
    const record = (wrapped.record ?? line) as Record<string, unknown>;
    const kunnr = alphaKunnr(String(record.KUNNR ?? ''));
    if (!kunnr) throw new ConfigError(`seed line ${index + 1}: KUNNR missing or not a customer number`);
    const customer = toCustomer(kunnr, record, now);
    if (Array.isArray(customer)) {
      const problems = customer.map((p) => `${p.field}: ${p.message}`).join('; ');
      throw new ConfigError(`seed line ${index + 1} (KUNNR ${kunnr}): ${problems}`);
    }
    sim.state.customers[kunnr] = customer;
  });
}
