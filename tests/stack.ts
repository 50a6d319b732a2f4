import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createBus } from '../bus/index.ts';

export interface StackEndpoints {
  brokers: string;
  registryUrl: string;
  databaseUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

/** The real stack the integration project's global setup started or found. */
export function testStack(): StackEndpoints {
  return inject('stack');
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
