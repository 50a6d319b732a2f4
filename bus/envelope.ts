import { randomFillSync, randomUUID } from 'node:crypto';
import { lastIsoTimestamp } from '../lib/iso-time.ts';
import type { Headers, OutgoingHeaders } from './transport/types.ts';

/**
 * CloudEvents 1.0 in Kafka binary mode: attributes as `ce_*` headers, the Avro record as the value.
 * Correlation and causation ids are CloudEvents extension attributes (`ce_correlationid`, `ce_causationid`);
 * the W3C trace context travels as a plain `traceparent` header, where OpenTelemetry's Kafka instrumentations
 * look for it.
 */
export interface EventAttributes {
  id: string;
  source: string;
  type: string;
  time: Date;
  subject?: string;
  correlationId: string;
  causationId?: string;
  traceparent: string;
  dataContentType: string;
  /** Where the sender wants to hear what became of the event (extension `ce_replyto`: bus/receipts.ts). */
  replyTo?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Random hex from a refilled pool: one CSPRNG call per 4 KiB instead of two per event (as randomUUID does),
 * since a sync randomBytes call per record cost more than the Avro encoding on the publish path.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

/** A new span in the caller's trace, or a new trace. W3C forbids all-zero ids; 2^-64 odds, still checked. */
export function childTraceparent(parent?: string): string {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  if (!match) {
    // A new trace: its id and the span's from one reading of the pool (a reading is a native call), 16 bytes then 8.
    const hex = randomHex(24);
    const traceId = hex.slice(0, 32);
    const spanId = hex.slice(32);
    if (NOT_ALL_ZERO.test(traceId) && NOT_ALL_ZERO.test(spanId)) return `00-${traceId}-${spanId}-01`;
    return `00-${nonZero(16)}-${nonZero(8)}-01`;
  }
  return `00-${match[1]}-${nonZero(8)}-${match[3]}`;
}

const NOT_ALL_ZERO = /[^0]/;

function nonZero(bytes: number): string {
  for (;;) {
    const hex = randomHex(bytes);
    if (NOT_ALL_ZERO.test(hex)) return hex;
  }
}

export function buildAttributes(
  input: Partial<EventAttributes> & { source: string; type: string },
): EventAttributes {
  const id = input.id ?? randomUUID();
  return {
    id,
    source: input.source,
    type: input.type,
    time: input.time ?? new Date(),
    subject: input.subject,
    correlationId: input.correlationId ?? id,
    causationId: input.causationId,
    traceparent: input.traceparent ?? childTraceparent(),
    dataContentType: input.dataContentType ?? 'application/avro',
    replyTo: input.replyTo,
  };
}

/** ce_time: the events of a batch are mostly made in the same millisecond. */
const eventTime = lastIsoTimestamp();

/** Text header values: the transport writes them straight into the record, with no Buffer per header. */
export function toHeaders(a: EventAttributes): OutgoingHeaders {
  const headers: OutgoingHeaders = {
    ce_specversion: '1.0',
    ce_id: a.id,
    ce_source: a.source,
    ce_type: a.type,
    ce_time: eventTime(a.time.getTime()),
    'content-type': a.dataContentType,
    ce_correlationid: a.correlationId,
    traceparent: a.traceparent,
  };
  if (a.subject) headers.ce_subject = a.subject;
  if (a.causationId) headers.ce_causationid = a.causationId;
  if (a.replyTo) headers.ce_replyto = a.replyTo;
  return headers;
}

/** Reads the attributes back; missing required ones are reported by name. */
export function fromHeaders(headers: Headers): { attributes: Partial<EventAttributes>; missing: string[] } {
  const text = (name: string) => headers[name]?.toString('utf8');
  const attributes: Partial<EventAttributes> = {
    id: text('ce_id'),
    source: text('ce_source'),
    type: text('ce_type'),
    time: text('ce_time') ? new Date(text('ce_time')!) : undefined,
    subject: text('ce_subject'),
    correlationId: text('ce_correlationid'),
    causationId: text('ce_causationid'),
    traceparent: text('traceparent'),
    dataContentType: text('content-type'),
    replyTo: text('ce_replyto'),
  };
  const missing = ['ce_specversion', 'ce_id', 'ce_source', 'ce_type'].filter((h) => !headers[h]);
  return { attributes, missing };
}

export function headersToJson(headers: Headers): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.toString('utf8')]));
}
