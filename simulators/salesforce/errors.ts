import { SimHttpError } from '../common/http-error.ts';
import type { SimErrorInfo } from '../common/types.ts';

/** One entry of a Salesforce REST error body: `[{"message","errorCode","fields"}]`. */
export interface SfError {
  message: string;
  errorCode: string;
  fields?: string[];
}

export function sfError(status: number, errorCode: string, message: string, fields?: string[]): SimHttpError {
  return new SimHttpError(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
}

/** Thrown by validation; carries every problem found, as Salesforce lists them (answered as a 400). */
export class SfValidationError extends SimHttpError {
  readonly errors: SfError[];
  constructor(errors: SfError[]) {
    super(400, errors);
    this.name = 'SfValidationError';
    this.errors = errors;
  }
}

/** The Salesforce shape for errors the common core answers (bad JSON, unknown route, injected faults). */
export function salesforceErrorBody(error: SimErrorInfo): SfError[] {
  switch (error.code) {
    case 'BAD_JSON':
      return [
        { message: `Unexpected character in request body: ${error.message}`, errorCode: 'JSON_PARSER_ERROR' },
      ];
    case 'NOT_FOUND':
      return [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }];
    case 'RATE_LIMITED':
      return [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }];
    case 'UNAVAILABLE':
      return [
        { message: 'Server temporarily unavailable, try again later.', errorCode: 'SERVER_UNAVAILABLE' },
      ];
    case 'BAD_REQUEST':
      return [{ message: error.message, errorCode: 'INVALID_INPUT' }];
    default:
      return [
        {
          message: 'An unexpected error occurred. Please include this ErrorId if you contact support.',
          errorCode: 'UNKNOWN_EXCEPTION',
        },
      ];
  }
}
