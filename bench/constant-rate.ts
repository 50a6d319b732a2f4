// An open-model load generator at a constant rate, wrk2's method: request i is due at t0 + i / rate whatever became
// of the requests before it, is sent on a pool of keep-alive connections (queued there while every connection is
// busy), and its latency is counted from when it was due, so a server (or generator) that stalls is charged for the
// whole queue it built (coordinated omission counted, not hidden), and nothing is added that did not happen.
// Why not autocannon's `overallRate`: it gives each connection a per-second quota reset by a setInterval(1000), so all
// connections send their quota back-to-back at the start of each second (bursts of `rate`, then silence), and it
// records each latency with HdrHistogram's recordValueWithExpectedInterval(latency, 1 / rate ms), which invents
// samples; a bare express server showed p99 68 ms "at 1,000/s". Why not a package: `loadtest --rps` times a request
// from when it was sent, not when it was due, and artillery's arrival rate starts a virtual user per arrival. So a
// small module on undici's Pool (the client Node's fetch is built on; a dev dependency pinned to its major).
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface ConstantRateOptions {
  url: string;
  /** Requests per second, offered whatever the answers. */
  rate: number;
  /** Measured seconds, after `warmupSeconds` sent at the same rate and not counted. */
  seconds: number;
  warmupSeconds?: number;
  /** Keep-alive connections in the pool. */
  connections: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** A header given a fresh value per request (`<prefix>-<n>`): every request a new delivery. */
  idHeader?: string;
  /** After the last request was due, how long its stragglers get before they count as unfinished. */
  drainSeconds?: number;
}

export interface ConstantRateResult {
  /** Answers (any status) in the measured part per second of it, from the first request due to the last answer. */
  requestsPerSecond: number;
  /** Latency from when each request was due to its whole answer, ms. */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** How late the generator itself called the pool (its own event loop), p99, ms: counted in the latency. */
  sendLagP99Ms: number;
  non2xx: number;
  errors: number;
  /** Measured requests with no answer when the drain ended: counted at the latency they had reached then. */
  unfinished: number;
  /** Answers of the whole run, warm-up included (for CPU per request). */
  requests: number;
}

const ms = (histogram: RecordableHistogram, percentile: number) =>
  histogram.count === 0 ? 0 : Number((histogram.percentile(percentile) / 1000).toFixed(1));

export async function constantRate(options: ConstantRateOptions): Promise<ConstantRateResult> {
  const url = new URL(options.url);
  const path = `${url.pathname}${url.search}`;
  const pool = new Pool(url.origin, { connections: options.connections, pipelining: 1 });
  const body = Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  const interval = 1000 / options.rate;
  const warmup = Math.round(options.rate * (options.warmupSeconds ?? 1));
  const total = warmup + Math.round(options.rate * options.seconds);
  const prefix = `load-${process.pid}-${Date.now()}`;
  /** In microseconds (the histogram takes integers). */
  const latency = createHistogram();
  const sendLag = createHistogram();
  const pending = new Map<number, number>();
  let non2xx = 0;
  let errors = 0;
  let answered = 0;
  let lastAnswer = 0;
  const t0 = performance.now() + 20;
  const due = (i: number) => t0 + i * interval;

  let finish!: () => void;
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let sent = 0;
  let settled = 0;
  /** Answers of the whole run, warm-up included, errors not. */
  let answers = 0;
  /** Set when the drain ends: what settles after (the pool destroyed) is counted as unfinished already. */
  let closed = false;
  const settle = (i: number, status: number | 'error') => {
    if (closed) return;
    const now = performance.now();
    settled += 1;
    if (status !== 'error') answers += 1;
    if (i >= warmup && pending.delete(i)) {
      latency.record(Math.max(1, Math.round((now - due(i)) * 1000)));
      answered += 1;
      lastAnswer = now;
      if (status === 'error') errors += 1;
      else if (status < 200 || status > 299) non2xx += 1;
    }
    if (settled === total) finish();
  };
  const fire = (i: number) => {
    if (i >= warmup) {
      pending.set(i, i);
      sendLag.record(Math.max(1, Math.round((performance.now() - due(i)) * 1000)));
    }
    const headers = options.idHeader
      ? { ...options.headers, [options.idHeader]: `${prefix}-${i}` }
      : options.headers;
    pool.request({ path, method: 'POST', headers, body }).then(
      async (response) => {
        await response.body.dump();
        settle(i, response.statusCode);
      },
      () => settle(i, 'error'),
    );
  };
  const tick = () => {
    const now = performance.now();
    while (sent < total && due(sent) <= now) fire(sent++);
    if (sent < total) setTimeout(tick, Math.max(0, due(sent) - performance.now()));
  };
  setTimeout(tick, Math.max(0, t0 - performance.now()));

  const drainMs = (options.drainSeconds ?? Math.min(10, options.seconds)) * 1000;
  const lastDue = due(total - 1);
  await Promise.race([
    allDone,
    new Promise<void>((resolve) => setTimeout(resolve, lastDue - performance.now() + drainMs)),
  ]);
  const end = performance.now();
  closed = true;
  const unfinished = pending.size;
  for (const i of pending.keys()) latency.record(Math.max(1, Math.round((end - due(i)) * 1000)));
  await pool.destroy().catch(() => undefined);
  const span = Math.max(lastDue, lastAnswer) - due(warmup);
  return {
    requestsPerSecond: Math.round((answered / Math.max(1, span)) * 1000),
    p50Ms: ms(latency, 50),
    p99Ms: ms(latency, 99),
    p999Ms: ms(latency, 99.9),
    maxMs: latency.count === 0 ? 0 : Number((latency.max / 1000).toFixed(1)),
    sendLagP99Ms: ms(sendLag, 99),
    non2xx,
    errors,
    unfinished,
    requests: answers,
  };
}
