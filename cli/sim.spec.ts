import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPort } from '../tests/ports.ts';
import { runEai } from '../tests/run-eai.ts';

describe('eai sim', () => {
  let held: Awaited<ReturnType<typeof listeningPort>>;
  beforeAll(async () => {
    held = await listeningPort();
  });
  afterAll(() => held.close());

  it('names the simulator, the port and its holder when the port is taken, and what to do', async () => {
    // Before: `eai: listen EADDRINUSE: address already in use 127.0.0.1:4101`, naming neither the simulator nor --port.
    const result = await runEai(['sim', 'sap', '--port', String(held.port)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^eai: port ${held.port} for the sap simulator is taken by pid ${process.pid}( \\(.+\\))?: stop it, or set --port to a free port\\n$`,
      ),
    );
    // With `all`, the ports are consecutive from --port: the first one taken is named with its simulator.
    const all = await runEai(['sim', 'all', '--port', String(held.port - 2), '--json']);
    expect(all.code).toBe(1);
    const line = JSON.parse(all.stderr) as { errors: Array<{ error: string; message: string }> };
    expect(line.errors[0]?.error).toBe('ConfigError');
    expect(line.errors[0]?.message).toContain(`port ${held.port} for the odoo simulator is taken`);
  });
});
