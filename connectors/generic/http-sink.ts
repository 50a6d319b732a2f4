import { z } from 'zod';
import { canonicalJson } from '../../bus/index.ts';
import type { ConnectorContext, SinkRecord } from '../sdk/index.ts';
import { createHttpSink, type HttpSink, type HttpSinkRequest } from '../transports/http-sink.ts';
import { httpSinkConfig } from '../transports/http-sink-config.ts';

/** The generic HTTP sink's options: the transport's (retries, breaker, idempotency, auth) and what to send where. */
export const genericHttpSinkConfig = httpSinkConfig.extend({
  method: z
    .enum(['POST', 'PUT', 'PATCH'])
    .default('POST')
    .describe('HTTP method of each request: POST to a collection, PUT or PATCH to a record by its key.'),
  path: z
    .string()
    .startsWith('/', 'a path below baseUrl starts with /')
    .default('/')
    .describe(
      'Path below `baseUrl`; `{key}` is replaced by the record key (the business key: an order or customer id), `{id}` by its CloudEvents id, each URL-encoded, e.g. `/customers/{key}`.',
    ),
  body: z
    .enum(['cloudevent', 'data'])
    .default('cloudevent')
    .describe(
      'What each request carries: `cloudevent`, the record as a CloudEvent in structured JSON mode (`application/cloudevents+json`: id, source, type, time, subject, correlationid, data), or `data`, only the canonical record as JSON (`application/json`, with the CloudEvents attributes as `ce-*` headers, binary mode).',
    ),
});

export type GenericHttpSinkConfig = z.output<typeof genericHttpSinkConfig>;

/**
 * Canonical records to any HTTP endpoint, one request per record in order per key: an outbound webhook for a
 * system the hub has no connector for (a WMS, a data platform), in CloudEvents' HTTP binding. The transport gives
 * it bounded retries with Retry-After, a circuit breaker, the record's idempotency key as a header and the
 * dead-letter topic for a 4xx that will not heal.
 */
export function createGenericHttpSink(config: GenericHttpSinkConfig, context: ConnectorContext): HttpSink {
  const { method, path, body, ...http } = config;
  async function request(record: SinkRecord): Promise<HttpSinkRequest> {
    const a = record.attributes;
    const data = canonicalJson(record.value);
    const filled = path
      .replaceAll('{key}', encodeURIComponent(record.key ?? ''))
      .replaceAll('{id}', encodeURIComponent(String(a.id ?? '')));
    const attributes: Record<string, string> = {};
    const put = (name: string, value: unknown) => {
      if (value === undefined || value === null || value === '') return;
      attributes[name] = value instanceof Date ? value.toISOString() : String(value);
    };
    put('id', a.id);
    put('source', a.source);
    put('type', a.type);
    put('time', a.time);
    put('subject', a.subject);
    put('correlationid', a.correlationId);
    put('causationid', a.causationId);
    put('traceparent', a.traceparent);
    if (body === 'data') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const [name, value] of Object.entries(attributes)) {
        headers[name === 'traceparent' ? name : `ce-${name}`] = value;
      }
      headers['ce-specversion'] = '1.0';
      return { method, path: filled, headers, body: data };
    }
    return {
      method,
      path: filled,
      headers: { 'content-type': 'application/cloudevents+json' },
      body: { specversion: '1.0', ...attributes, datacontenttype: 'application/json', data },
    };
  }
  return createHttpSink({ config: http, request }, context);
}
