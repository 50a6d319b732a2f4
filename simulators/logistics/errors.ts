import type { z } from 'zod';
import { SimHttpError } from '../common/http-error.ts';
import type { SimErrorInfo } from '../common/types.ts';

/** RFC 9457 problem details, as carrier and logistics APIs (DHL, project44…) answer errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  invalidParams?: { name: string; reason: string }[];
}

const TYPE_BASE = 'https://api.logistics.example/problems/';

export function problem(
  status: number,
  type: string,
  title: string,
  detail: string,
  extra: Partial<Problem> = {},
): SimHttpError {
  const body: Problem = { type: `${TYPE_BASE}${type}`, title, status, detail, ...extra };
  return new SimHttpError(status, body, { 'content-type': 'application/problem+json' });
}

export function logisticsErrorBody(error: SimErrorInfo): Problem {
  const titles: Record<SimErrorInfo['code'], [string, string]> = {
    BAD_JSON: ['malformed-body', 'Malformed request body'],
    BAD_REQUEST: ['bad-request', 'Bad request'],
    NOT_FOUND: ['not-found', 'Not found'],
    RATE_LIMITED: ['rate-limited', 'Too many requests'],
    UNAVAILABLE: ['unavailable', 'Service unavailable'],
    SERVER_ERROR: ['server-error', 'Server error'],
    INTERNAL: ['internal', 'Internal server error'],
  };
  const [type, title] = titles[error.code];
  return { type: `${TYPE_BASE}${type}`, title, status: error.status, detail: error.message };
}

/** The body parsed by `schema`, else a 400 problem (`title`) listing every invalid parameter by its path. */
export function validBody<T>(schema: z.ZodType<T>, body: unknown, title: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const invalidParams = parsed.error.issues.map((i) => ({
    name: i.path.map(String).join('.') || '(body)',
    reason: i.message,
  }));
  throw problem(400, 'validation', title, `${invalidParams.length} invalid parameter(s)`, { invalidParams });
}
