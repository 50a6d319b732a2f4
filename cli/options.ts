import { ConfigError } from '../lib/errors.ts';
import { checkPorts } from '../stack/preflight.ts';

/** A whole-number option above 0 (`--limit`), refused with one line naming it. */
export function positiveInteger(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ConfigError(`${name} must be a positive integer`);
  return Number(value);
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
