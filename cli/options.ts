import { createServer } from 'node:net';
import { ConfigError } from '../lib/errors.ts';
import { checkPorts } from '../stack/preflight.ts';

/** A whole-number option above 0 (`--limit`), refused with one line naming it. */
export function positiveInteger(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ConfigError(`${name} must be a positive integer`);
  return Number(value);
}

const AGE_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A --since / --until as an ISO 8601 time: an ISO date or date-time as given, or an age before now (`30m`, `24h`,
 * `7d`), as operators ask "what failed in the last hour".
 */
export function timeOption(value: string | undefined, flag: string, now = Date.now()): string | undefined {
  if (value === undefined) return undefined;
  const age = /^(\d+)([smhd])$/.exec(value.trim());
  if (age) return new Date(now - Number(age[1]) * (AGE_UNITS[age[2] as string] as number)).toISOString();
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const at = new Date(value.trim());
    if (!Number.isNaN(at.getTime())) return at.toISOString();
  }
  throw new ConfigError(
    `${flag} ${value}: not a time; give an ISO 8601 date or time (2026-12-06, 2026-12-06T09:30:00Z) or an age before now (30m, 24h, 7d)`,
  );
}

/** A commander parser for a whole-number option within bounds (`--port`), refused with one line naming it. */
export function wholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new ConfigError(`${flag}: "${value}" must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/**
 * Fails in one line naming the process that holds the hub's port, before anything starts (else the connectors and the
 * orchestrator started first, and the listen failed with a bare EADDRINUSE). Port 0 takes any free one.
 */
export async function checkHubPort(port: number, moveWith: string): Promise<void> {
  if (port !== 0) await checkPorts([{ port, part: 'the hub', variable: moveWith }]);
}

/**
 * Fails in one line when the hub cannot listen on `host` (an address this machine does not have, a name that does not
 * resolve), before anything starts: else the hub joined its connect group first, taking connectors from the other
 * instances, and then failed with a bare `listen EADDRNOTAVAIL`. Loopback and every interface need no check.
 */
export async function checkHubHost(host: string, given: string): Promise<void> {
  if (['127.0.0.1', '0.0.0.0', '::'].includes(host)) return;
  const problem = await new Promise<string | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRNOTAVAIL' ? 'not an address of this machine' : error.message),
    );
    server.listen({ port: 0, host }, () => server.close(() => resolve(undefined)));
  });
  if (problem)
    throw new ConfigError(
      `${given} ${host}: ${problem}: give one of this machine's addresses, 0.0.0.0 (or ::) for every interface, or leave it out for loopback`,
    );
}
