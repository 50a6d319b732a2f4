import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { runClosers } from './shutdown.ts';

describe('shutdown', () => {
  const log = createLogger('shutdown-test', 'silent');

  it('runs every closer in order, and goes on past one that fails or hangs', async () => {
    const ran: string[] = [];
    const started = Date.now();
    const clean = await runClosers(
      log,
      [
        async () => {
          ran.push('consumer');
        },
        async () => {
          ran.push('hangs');
          await new Promise(() => {});
        },
        async () => {
          ran.push('fails');
          throw new Error('broken');
        },
        async () => {
          ran.push('server');
        },
      ],
      200,
    );
    expect(ran).toEqual(['consumer', 'hangs', 'fails', 'server']);
    expect(clean).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('says clean when every closer finished', async () => {
    expect(await runClosers(log, [async () => {}, async () => {}], 200)).toBe(true);
  });
});
