import { z } from 'zod';
import { targetUrl } from './target-url.ts';

/** The HTTP sink's options, as a system connector embeds them in its own config schema. */
/**
 * A secret sent in an HTTP header: what a header may carry (RFC 9110 field-value: no line break, nothing past
 * Latin-1), checked once resolved, so a `${file:…}` of two lines fails at deployment, naming the field, instead of each
 * request failing with fetch's "Headers.set: "<the secret>" is an invalid header value" in the logs and the status.
 * The message never repeats the value.
 */
export function headerSecret() {
  return (
    z
      .string()
      .refine((value) => !/[\r\n\0]/.test(value), {
        message:
          'holds a line break: a header value is one line (a secret file of several lines, or a newline left in it?)',
      })
      // Line breaks are the check above's.
      .refine((value) => /^[\t\r\n\0\x20-\x7e\x80-\xff]*$/.test(value), {
        message: 'holds a control character or one past Latin-1, which an HTTP header cannot carry',
      })
  );
}

export const httpSinkConfig = z.object({
  baseUrl: targetUrl().describe(
    'Base URL of the target API; request paths are appended to it, e.g. `https://acme.my.salesforce.com`.',
  ),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Deadline of one attempt (request and response body), in ms; a timed-out attempt is retried.'),
  retry: z
    .object({
      retries: z
        .number()
        .int()
        .nonnegative()
        .default(3)
        .describe('Attempts after the first one within one put; then the runtime retries or dead-letters.'),
      initialDelayMs: z.number().int().nonnegative().default(200).describe('First backoff delay, in ms.'),
      maxDelayMs: z.number().int().positive().default(10_000).describe('Longest backoff delay, in ms.'),
      maxRetryAfterMs: z
        .number()
        .int()
        .nonnegative()
        .default(30_000)
        .describe(
          'Longest Retry-After (429/503) waited within a put; a longer one ends the put with a retriable error carrying the wait.',
        ),
    })
    .prefault({})
    .describe('Bounded retries inside one put: exponential backoff with jitter, honouring Retry-After.'),
  breaker: z
    .object({
      consecutiveFailures: z
        .number()
        .int()
        .positive()
        .default(5)
        .describe(
          'Consecutive failed attempts (5xx, 408, timeouts, connection errors) that open the breaker.',
        ),
      halfOpenAfterMs: z
        .number()
        .int()
        .positive()
        .default(30_000)
        .describe('How long the breaker stays open before one trial request (half-open), in ms.'),
    })
    .prefault({})
    .describe('Circuit breaker of the target: while open, puts fail fast with a retriable error.'),
  idempotencyHeader: z
    .string()
    .min(1)
    .nullable()
    .default('Idempotency-Key')
    .describe(
      "Header carrying the record's idempotency key, the same on every retry; null when the target has none.",
    ),
  authHeader: z
    .object({
      name: z
        .string()
        .regex(
          /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/,
          'must be an HTTP header name (letters, digits, - and no spaces)',
        )
        .default('Authorization')
        .describe('Header name.'),
      value: headerSecret()
        .min(1)
        .meta({ secret: true })
        .describe('Header value, a secret resolved by the runtime (never logged).'),
    })
    .optional()
    .describe(
      'A static auth header sent with every request (an API key); OAuth connectors pass `authorize` instead.',
    ),
  retryConflicts: z
    .boolean()
    .default(false)
    .describe(
      'Retry a 409 Conflict (targets that answer 409 while a concurrent write holds a lock) instead of dead-lettering it.',
    ),
  maxErrorBodyBytes: z
    .number()
    .int()
    .positive()
    .default(4096)
    .describe("How much of the target's error answer is kept in the error (and so in the dead letter)."),
});

export type HttpSinkConfig = z.output<typeof httpSinkConfig>;
export type HttpSinkConfigInput = z.input<typeof httpSinkConfig>;
