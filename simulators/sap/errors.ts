import { SimHttpError } from '../common/http-error.ts';
import type { SimErrorInfo } from '../common/types.ts';

/** The SAP Gateway (OData V2) error body: `{"error":{"code","message":{"lang","value"},"innererror"}}`. */
export interface SapErrorBody {
  error: {
    code: string;
    message: { lang: 'en'; value: string };
    innererror: {
      transactionid: string;
      errordetails: { code: string; message: string; severity: 'error' }[];
    };
  };
}

let transaction = 0;

export function sapErrorBody(code: string, message: string): SapErrorBody {
  transaction++;
  return {
    error: {
      code,
      message: { lang: 'en', value: message },
      innererror: {
        transactionid: transaction.toString(16).toUpperCase().padStart(32, '0'),
        errordetails: [{ code, message, severity: 'error' }],
      },
    },
  };
}

export function sapError(status: number, code: string, message: string): SimHttpError {
  return new SimHttpError(status, sapErrorBody(code, message));
}

/** Codes for what the core answers; Gateway's own "resource not found" code for unknown routes. */
export function sapCoreErrorBody(error: SimErrorInfo): SapErrorBody {
  switch (error.code) {
    case 'BAD_JSON':
      return sapErrorBody('/IWBEP/CM_MGW_RT/005', 'Malformed request body: the JSON could not be parsed');
    case 'NOT_FOUND':
      return sapErrorBody('/IWBEP/CM_MGW_RT/020', `Resource not found: ${error.message}`);
    case 'RATE_LIMITED':
      return sapErrorBody('RATE_LIMIT_EXCEEDED', 'Too many requests: retry after the time in Retry-After');
    case 'UNAVAILABLE':
      return sapErrorBody('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable');
    case 'BAD_REQUEST':
      return sapErrorBody('BAD_REQUEST', error.message);
    default:
      return sapErrorBody('/IWBEP/CX_MGW_TECH_EXCEPTION', 'An internal server error occurred');
  }
}
