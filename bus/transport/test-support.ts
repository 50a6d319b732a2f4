import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A kafkajs module as kafkajs ships it, loaded fresh: the cached one may already carry the bus's encoders. */
export function kafkajsOriginal<T>(id: string): T {
  const path = require.resolve(id);
  const saved = require.cache[path];
  delete require.cache[path];
  try {
    return require(path) as T;
  } finally {
    if (saved) require.cache[path] = saved;
    else delete require.cache[path];
  }
}

/**
 * A transport on the test stack for a spec file, its admin, and what to close after the file (`closeAll` in
 * `afterAll`; push closers to `closing`).
 */
export async function specTransport(clientId: string) {
  const { testStack, unique } = await import('../../tests/stack.ts');
  const { createKafkajsTransport } = await import('./kafkajs.ts');
  const transport = createKafkajsTransport({
    brokers: testStack().brokers.split(','),
    clientId: unique(clientId),
  });
  const admin = transport.admin();
  const closing: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  };
  return { transport, admin, closing, closeAll };
}
