import { randomUUID } from 'node:crypto';
import { SimHttpError } from '../common/http-error.ts';
import type { SimErrorInfo } from '../common/types.ts';

/** HubSpot's error body: `{status:"error", message, correlationId, category, errors?}`. */
export interface HsErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  errors?: Array<Record<string, unknown>>;
  [extra: string]: unknown;
}

export function hsErrorBody(
  category: string,
  message: string,
  extra: Record<string, unknown> = {},
): HsErrorBody {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export function hsError(
  status: number,
  category: string,
  message: string,
  extra: Record<string, unknown> = {},
): SimHttpError {
  return new SimHttpError(status, hsErrorBody(category, message, extra));
}

export const validationError = (message: string, extra: Record<string, unknown> = {}) =>
  hsError(400, 'VALIDATION_ERROR', message, extra);

export const notFound = () => hsError(404, 'OBJECT_NOT_FOUND', 'resource not found');

/** The HubSpot shape for errors the common core answers (bad JSON, unknown route, injected faults). */
export function hubspotErrorBody(error: SimErrorInfo): HsErrorBody {
  switch (error.code) {
    case 'BAD_JSON':
      return hsErrorBody('VALIDATION_ERROR', `Invalid input JSON: ${error.message}`);
    case 'NOT_FOUND':
      return hsErrorBody('OBJECT_NOT_FOUND', 'resource not found');
    case 'RATE_LIMITED':
      return hsErrorBody('RATE_LIMITS', 'You have reached your secondly limit.', {
        errorType: 'RATE_LIMIT',
        policyName: 'SECONDLY',
      });
    case 'BAD_REQUEST':
      return hsErrorBody('VALIDATION_ERROR', error.message);
    default:
      return hsErrorBody('INTERNAL_ERROR', 'internal error');
  }
}
