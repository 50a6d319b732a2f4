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
