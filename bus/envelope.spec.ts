import { describe, expect, it } from 'vitest';
import { buildAttributes, childTraceparent, toHeaders } from './envelope.ts';

const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

describe('childTraceparent', () => {
  it('starts a new trace with its own trace id and span id, never all zeros, each call another', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const traceparent = childTraceparent();
      const [, traceId, spanId, flags] = W3C.exec(traceparent) ?? [];
      expect(traceId, traceparent).toMatch(/[^0]/);
      expect(spanId, traceparent).toMatch(/[^0]/);
      expect(flags).toBe('01');
      // The two ids are separate random draws: a span id is not a piece of its trace id.
      expect(traceId).not.toContain(spanId);
      seen.add(traceId!).add(spanId!);
    }
    expect(seen.size).toBe(1000);
  });

  it("continues the caller's trace with a new span, its flags kept; a malformed parent starts a new trace", () => {
    const parent = `00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-00f067aa0ba902b7-00`;
    const child = childTraceparent(parent);
    expect(child).toMatch(W3C);
    expect(child.slice(0, 36)).toBe(parent.slice(0, 36));
    expect(child.slice(36, 52)).not.toBe('00f067aa0ba902b7');
    expect(child.slice(-2)).toBe('00');
    const fresh = childTraceparent('not-a-traceparent');
    expect(fresh).toMatch(W3C);
    expect(fresh.slice(-2)).toBe('01');
  });

  it('gives an event without one a new trace, in its traceparent header', () => {
    const headers = toHeaders(buildAttributes({ id: 'x', source: '/s', type: 't', time: new Date(0) }));
    expect(headers.traceparent).toMatch(W3C);
    expect(headers.ce_time).toBe('1970-01-01T00:00:00.000Z');
  });
});
