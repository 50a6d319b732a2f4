import { z } from 'zod';
import { canonicalJson } from '../../bus/index.ts';
import { findWriter } from '../../formats/index.ts';
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
    .optional()
    .describe(
      'What each request carries, in CloudEvents’ HTTP binding. `data` (binary mode): the data alone, with the CloudEvents attributes as `ce-*` headers; without a `mapping` the canonical record as JSON (`application/json`), with one the document the mapping writes, as its writer’s media type (`text/csv; charset=utf-8`, `application/json`, `application/xml`). `cloudevent` (structured mode, `application/cloudevents+json`): the record as a CloudEvent (id, source, type, time, subject, correlationid, data), `datacontenttype` the data’s media type (a mapped document that is not JSON is `data` as text). Default: `cloudevent` without a mapping, `data` with one.',
    ),
});

export type GenericHttpSinkConfig = z.output<typeof genericHttpSinkConfig>;

/** The record's CloudEvents attributes that it has, as text. */
function attributesOf(record: SinkRecord): Record<string, string> {
  const a = record.attributes;
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
  return attributes;
}

/** CloudEvents' binary mode: the attributes as `ce-*` headers (traceparent as itself), with the data's type. */
function binaryHeaders(attributes: Record<string, string>, contentType: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': contentType };
  for (const [name, value] of Object.entries(attributes))
    headers[name === 'traceparent' ? name : `ce-${name}`] = value;
  headers['ce-specversion'] = '1.0';
  return headers;
}

/** A media type whose documents are JSON (`application/json`, `…+json`): a CloudEvent carries them as JSON. */
const isJson = (mediaType: string) => /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(mediaType);

/**
 * Canonical records to any HTTP endpoint, in order per key: an outbound webhook for a system the hub has no
 * connector for (a WMS, a data platform), in CloudEvents' HTTP binding. Without a `mapping` one request per record
 * carries the canonical record; with one (a from-canonical mapping whose format has a writer, checked at deployment)
 * one request per document the mapping writes carries that document as its writer's media type, and a record it
 * writes nothing for is skipped. When a record writes several documents, each request's idempotency key (and
 * CloudEvents id) is the record's with `/<n>` (1, 2, …) added, so the target applies each once and tells them apart.
 * The transport gives it bounded retries with Retry-After, a circuit breaker, the record's idempotency key as a header
 * and the dead-letter topic for a 4xx that will not heal.
 */
export function createGenericHttpSink(config: GenericHttpSinkConfig, context: ConnectorContext): HttpSink {
  const { method, path, body: named, ...http } = config;
  const format = context.outputFormat;
  // The deployment check refused a mapping whose format has no writer: this finds it.
  const mediaType = format === undefined ? undefined : findWriter(format).mediaType;
  const body = named ?? (mediaType === undefined ? 'cloudevent' : 'data');
  const pathOf = (record: SinkRecord) =>
    path
      .replaceAll('{key}', encodeURIComponent(record.key ?? ''))
      .replaceAll('{id}', encodeURIComponent(String(record.attributes.id ?? '')));

  /** One request: `data` of type `contentType` (a canonical record, or a document's bytes). */
  function requestOf(
    record: SinkRecord,
    attributes: Record<string, string>,
    data: unknown,
    contentType: string,
  ): HttpSinkRequest {
    if (body === 'data')
      return { method, path: pathOf(record), headers: binaryHeaders(attributes, contentType), body: data };
    const inEvent = Buffer.isBuffer(data)
      ? isJson(contentType)
        ? JSON.parse(data.toString('utf8'))
        : data.toString('utf8')
      : data;
    return {
      method,
      path: pathOf(record),
      headers: { 'content-type': 'application/cloudevents+json' },
      body: { specversion: '1.0', ...attributes, datacontenttype: contentType, data: inEvent },
    };
  }

  async function request(record: SinkRecord): Promise<HttpSinkRequest[] | HttpSinkRequest | null> {
    const attributes = attributesOf(record);
    if (mediaType === undefined)
      return requestOf(record, attributes, canonicalJson(record.value), 'application/json');
    const id = record.attributes.id;
    const documents = await context.toSystem(
      record.value,
      typeof id === 'string' ? { documentId: id } : undefined,
    );
    if (documents.length === 0) {
      context.logger.debug({ key: record.key }, 'http-sink: the mapping writes nothing for it, skipped');
      return null;
    }
    if (documents.length === 1) return requestOf(record, attributes, documents[0], mediaType);
    return documents.map((document, i) => {
      const own = requestOf(
        record,
        attributes.id ? { ...attributes, id: `${attributes.id}/${i + 1}` } : attributes,
        document,
        mediaType,
      );
      if (http.idempotencyHeader)
        own.headers = { ...own.headers, [http.idempotencyHeader]: `${record.idempotencyKey}/${i + 1}` };
      return own;
    });
  }
  return createHttpSink({ config: http, request }, context);
}
