import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConnectorsCommand } from './connectors.ts';

/** A hub that refuses every definition as the real one does: its sentence, and each wrong field in `details`. */
let server: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'eai-apply-'));

beforeAll(async () => {
  server = createServer((request, response) => {
    const unset = request.url?.startsWith('/connectors/hook');
    const details = unset
      ? [
          {
            in: 'body',
            path: 'config.signature.secret',
            message:
              "environment variable HOOK_SECRET is not set in the hub's environment (the process running eai up)",
          },
        ]
      : [{ in: 'body', path: 'config.dir', message: 'Invalid input: expected string, received undefined' }];
    response.writeHead(400, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: `body: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function apply(file: string): Promise<Error> {
  const program = new Command('eai').exitOverride();
  registerConnectorsCommand(program);
  const outcome = await program
    .parseAsync(['node', 'eai', 'connectors', 'apply', file, '--url', url, '--token', 't'])
    .then(
      () => new Error('applied'),
      (error: unknown) => error as Error,
    );
  return outcome;
}

describe('eai connectors apply, refused', () => {
  it('names the file applied and each wrong field, not the request line, the status and "body:"', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\ntype: file-source\nconfig: {}\n');
    const error = await apply(file);
    expect(error.message).toBe(`${file}: config.dir: Invalid input: expected string, received undefined`);
    expect(error.name).toBe('ConfigError');
    const hook = join(dir, 'hook.yaml');
    writeFileSync(hook, 'name: hook\ntype: webhook-source\n');
    expect((await apply(hook)).message).toBe(
      `${hook}: config.signature.secret: environment variable HOOK_SECRET is not set in the hub's environment (the process running eai up)`,
    );
  });
});
