import type { Response } from 'express';
import { z } from 'zod';
import { EaiError } from '../../lib/errors.ts';
import { issueMessage } from '../../lib/zod-problems.ts';

/**
 * The one error shape of the admin API, for every status it answers with (400 to 500), declared once in the
 * OpenAPI document as the `Error` component.
 */
export const errorDetailSchema = z.object({
  in: z.enum(['params', 'query', 'body']).optional().describe('Which part of the request the field is in.'),
  path: z.string().describe('The field, as in `config.topics[0]`; empty for the part as a whole.'),
  message: z.string().describe('What is wrong with it.'),
});
export const errorBodySchema = z
  .object({
    error: z.string().describe('What went wrong, in one sentence.'),
    details: z.array(errorDetailSchema).optional().describe('One entry per invalid field.'),
    error_code: z
      .number()
      .int()
      .optional()
      .describe(
        "Kafka Connect's key, on the connector routes (`/`, `/connectors…`, `/connector-plugins…`): the HTTP status.",
      ),
    message: z
      .string()
      .optional()
      .describe("Kafka Connect's key, on the connector routes: `error` again, for Connect's tools."),
  })
  .describe('Every error answer of the admin API has this shape.');
export type ErrorBody = z.infer<typeof errorBodySchema>;
export type ErrorDetail = z.infer<typeof errorDetailSchema>;

/** Thrown by a route handler to answer with this status and message (4xx: the caller's fault). */
export class HttpError extends EaiError {
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  constructor(status: number, message: string, details?: ErrorDetail[]) {
    super(message, { retriable: status === 429 || status >= 500 });
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be 400-599, got ${status}`);
    }
    this.status = status;
    this.details = details;
  }
}

/** `['config', 'topics', 0]` → `config.topics[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (/^[A-Za-z_$][\w$]*$/.test(name)) return i === 0 ? name : `.${name}`;
      return `[${JSON.stringify(name)}]`;
    })
    .join('');
}

export function detailsOf(error: z.ZodError, where: ErrorDetail['in']): ErrorDetail[] {
  return error.issues.flatMap((issue) =>
    // An unknown key is named as the field itself (`dryrun`), not as the object that holds it (`""`).
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          in: where,
          path: formatPath([...issue.path, key]),
          message: 'unknown key',
        }))
      : [{ in: where, path: formatPath(issue.path), message: issueMessage(issue) }],
  );
}

export function sendError(
  res: Response,
  status: number,
  error: string,
  details?: ErrorDetail[],
  headers: Record<string, string> = {},
  /** Also Kafka Connect's keys, `error_code` and `message` (RouteSpec `connectErrors`). */
  connect = false,
): void {
  const body: ErrorBody = details?.length ? { error, details } : { error };
  if (connect) Object.assign(body, { error_code: status, message: error });
  res.status(status).set(headers).json(body);
}
