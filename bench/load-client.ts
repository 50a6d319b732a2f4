// The load generator of bench/webhook-ingest.ts, in a process of its own so it does not share the event loop of the
// server it measures. Args: one JSON object {url, seconds, connections, rate?, headers, body}; prints one JSON line.
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  seconds: number;
  connections: number;
  rate?: number;
  headers: Record<string, string>;
  body: string;
};
const result = await autocannon({
  url: options.url,
  method: 'POST',
  connections: options.connections,
  duration: options.seconds,
  ...(options.rate ? { overallRate: options.rate } : {}),
  // `[<id>]` becomes a fresh id per request: every request a new delivery, none a duplicate.
  idReplacement: true,
  headers: { ...options.headers, 'x-request-id': 'bench-[<id>]' },
  body: options.body,
});
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  })}\n`,
);
