import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { NonRetriableError, withoutDocumentValues } from '../../lib/errors.ts';
import type { WebhookRequest } from '../sdk/index.ts';

/** One document cut from a request by a `split` hook. */
export interface WebhookPart {
  bytes: Buffer;
  /** Format name (formats/); default: the connector's. */
  format?: string;
  name?: string;
  sender?: string;
  /** Stable across redeliveries (an event id); default: the request's delivery id, `:<n>` when there are several. */
  deliveryId?: string;
  /** The document's id (its records' CloudEvents id) when the sender's ids say it better than the reader; default: the reader's. */
  id?: string;
}

/** A body that is not what the connector expects; `path` names the field (`$` for the body itself). Answered 400. */
export class WebhookBodyError extends NonRetriableError {
  readonly path: string;
  /**
   * The message without the path, as sent to the client: the field (`path`) and what is wrong, without the values
   * its maker quoted (`quotedValue`): a 4xx answer must not echo a customer's data back.
   */
  readonly detail: string;
  constructor(message: string, path = '$', options: { cause?: unknown } = {}) {
    super(`${path}: ${message}`, options);
    this.path = path;
    this.detail = withoutDocumentValues(message);
  }
}

export interface PartsOptions {
  json: boolean;
  deliveryIdHeader?: string | undefined;
  /** Checks the parsed JSON body (only with `json`); its first issue becomes the 400's path and message. */
  bodySchema?: z.ZodType | undefined;
  /** Cuts one request into documents; `body` is the parsed JSON with `json`, else undefined. */
  split?: ((request: WebhookRequest, body: unknown) => WebhookPart[]) | undefined;
}

export type IdentifiedPart = WebhookPart & { deliveryId: string };

/** The request's own delivery id: the configured header, else the SHA-256 of the body. */
export function requestDeliveryId(request: WebhookRequest, header: string | undefined): string {
  const given = header ? request.headers[header]?.trim() : undefined;
  if (given) return given;
  return `sha256:${createHash('sha256').update(request.rawBody).digest('hex')}`;
}

/** `$.events[0].objectId` from a zod issue path. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key) =>
      typeof key === 'number'
        ? `[${key}]`
        : /^[A-Za-z_$][\w$]*$/.test(String(key))
          ? `.${String(key)}`
          : `[${JSON.stringify(String(key))}]`,
    )
    .reduce((out, part) => out + part, '$');
}

/** `Content-Type: application/json` or a `+json` type (`application/cloudevents+json`), any parameters aside. */
function declaresJson(request: WebhookRequest): boolean {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type?.startsWith('application/') === true && type.endsWith('+json'));
}

function parseJson(request: WebhookRequest, schema: z.ZodType | undefined): unknown {
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString('utf8'));
  } catch (error) {
    // JSON.parse quotes the body it stopped in (`Unexpected token 'J', "Jane Roe" is not valid JSON`): never sent back.
    const said = (error as Error).message;
    const why = / is not valid JSON$/.test(said) ? 'an unexpected character' : said;
    throw new WebhookBodyError(`not JSON (${why})`, '$', { cause: error });
  }
  if (!schema) return body;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new WebhookBodyError(issue.message, jsonPath(issue.path));
}

/**
 * A request's documents, each with a delivery id: one document of the raw body, or what `split` cuts. A delivery id
 * repeated inside one request is kept once.
 */
export function requestParts(request: WebhookRequest, options: PartsOptions): IdentifiedPart[] {
  const body = options.json ? parseJson(request, options.bodySchema) : undefined;
  // A body its sender calls JSON must be JSON even where the connector reads it as bytes: a broken one is the sender's
  // bug, which redelivery will not fix, so it is told (400, with where), not answered 2xx and dead-lettered.
  if (!options.json && declaresJson(request)) parseJson(request, undefined);
  const parts = options.split ? options.split(request, body) : [{ bytes: request.rawBody }];
  if (!Array.isArray(parts)) throw new TypeError('split must return an array of parts');
  const requestId = requestDeliveryId(request, options.deliveryIdHeader);
  const seen = new Set<string>();
  const out: IdentifiedPart[] = [];
  parts.forEach((part, index) => {
    if (!Buffer.isBuffer(part?.bytes))
      throw new TypeError(`split returned a part without bytes at [${index}]`);
    const deliveryId = part.deliveryId ?? (parts.length === 1 ? requestId : `${requestId}:${index}`);
    if (seen.has(deliveryId)) return;
    seen.add(deliveryId);
    out.push({ ...part, deliveryId });
  });
  return out;
}
