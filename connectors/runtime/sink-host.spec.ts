import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BatchDecompressionError } from '../../bus/transport/index.ts';
import { restartable } from './auto-restart.ts';
import { crashHint } from './sink-host.ts';

const { KafkaJSNonRetriableError } = createRequire(import.meta.url)('kafkajs/src/errors') as Record<
  'KafkaJSNonRetriableError',
  new (
    ...args: unknown[]
  ) => Error
>;

describe("a sink consumer's crash in words", () => {
  it('a batch its codec cannot read: says which codec and how to move the sink past it, and is not restarted', () => {
    const corrupt = new BatchDecompressionError('LZ4', 'its block at byte 7 does not match its checksum');
    const crash = new KafkaJSNonRetriableError(corrupt, { cause: corrupt });
    expect(crashHint('erp-orders', crash)).toBe(
      ': a record batch on its topics is compressed with LZ4 but cannot be decompressed, and a restart reads it ' +
        'again; move the sink past it (eai connectors stop erp-orders, eai connectors offsets erp-orders --set ' +
        'FILE.json, eai connectors resume erp-orders)',
    );
    expect(crashHint('erp-orders', corrupt)).toBe(crashHint('erp-orders', crash));
    expect(restartable(crash)).toBe(false);
  });

  it('another crash: no hint', () => {
    expect(crashHint('erp-orders', new Error('Failed to find group coordinator'))).toBe('');
  });
});
