// The load generator of bench/webhook-ingest.ts, in a process of its own so it does not share the event loop of the
// server it measures. Args: one JSON object {url, seconds, connections, rate?, headers, body}; prints one JSON line.
// Without a rate: autocannon, as many requests as `connections` keep-alive connections carry (a closed loop, for
// the maximum rate). With one: bench/constant-rate.ts, an open model at that rate with latency from each request's
// due time (autocannon's overallRate sends each second's quota in a burst; see that file's header).
import autocannon from 'autocannon';
import { constantRate } from './constant-rate.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  seconds: number;
  connections: number;
  rate?: number;
  headers: Record<string, string>;
  body: string;
};
const idHeader = 'x-request-id';
if (options.rate) {
  const result = await constantRate({ ...options, rate: options.rate, idHeader });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections,
    duration: options.seconds,
    // `[<id>]` becomes a fresh id per request: every request a new delivery, none a duplicate.
    idReplacement: true,
    headers: { ...options.headers, [idHeader]: 'bench-[<id>]' },
    body: options.body,
  });
  process.stdout.write(
    `${JSON.stringify({
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      requests: result.requests.total,
    })}\n`,
  );
}
