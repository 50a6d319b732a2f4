import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { createBus } from '../bus/index.ts';

export interface StackEndpoints {
  brokers: string;
  registryUrl: string;
  databaseUrl: string;
}

/** How the stack started, as the global setup writes it: its endpoints, or why it did not start. */
export type StackStart =
  | { endpoints: StackEndpoints; error?: undefined }
  | { error: string; endpoints?: undefined };

declare module 'vitest' {
  export interface ProvidedContext {
    /** The stack the int project's global setup found running, or the file it writes once it started one. */
    stack: { endpoints: StackEndpoints } | { file: string };
  }
}

let ready: StackEndpoints | undefined;

/**
 * Waits for the stack the int project's global setup is starting (tests/global-setup.ts), at most `timeoutMs`; at
 * once when it found one running. tests/int-setup.ts calls it before the int files.
 */
export async function waitForTestStack(timeoutMs = 600_000): Promise<StackEndpoints> {
  if (ready) return ready;
  const handed = inject('stack');
  if ('endpoints' in handed) {
    ready = handed.endpoints;
    return ready;
  }
  for (const until = Date.now() + timeoutMs; ; ) {
    if (existsSync(handed.file)) {
      const start = JSON.parse(readFileSync(handed.file, 'utf8')) as StackStart;
      if (start.error !== undefined) throw new Error(`the test stack did not start: ${start.error}`);
      ready = start.endpoints;
      return ready;
    }
    if (Date.now() > until) throw new Error(`the test stack did not start within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The real stack the integration project's global setup started or found (tests/int-setup.ts waited for it). */
export function testStack(): StackEndpoints {
  if (!ready)
    throw new Error("the test stack is not ready: the int project's setup (tests/int-setup.ts) waits for it");
  return ready;
}

/** A name no other test run uses, for topics, groups and subjects. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function testBus(source = '/eai/tests') {
  const stack = testStack();
  return createBus({
    brokers: stack.brokers,
    registryUrl: stack.registryUrl,
    source,
    clientId: unique('test'),
  });
}
