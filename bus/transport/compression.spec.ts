import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { createBus } from '../index.ts';
import { producerCompressionFromEnv } from './compression.ts';

describe('EAI_KAFKA_COMPRESSION', () => {
  it('is none unless set, and takes each codec by its Kafka name in any case', () => {
    expect(producerCompressionFromEnv({})).toBe('none');
    expect(producerCompressionFromEnv({ EAI_KAFKA_COMPRESSION: '' })).toBe('none');
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'])
      expect(producerCompressionFromEnv({ EAI_KAFKA_COMPRESSION: ` ${codec.toUpperCase()} ` })).toBe(codec);
  });

  it('refuses another value, naming the variable and the codecs it takes, where a bus is made', () => {
    const message =
      'EAI_KAFKA_COMPRESSION: "brotli" is not a codec: set one of none, gzip, snappy, lz4, zstd, or leave it unset (none)';
    expect(() => producerCompressionFromEnv({ EAI_KAFKA_COMPRESSION: 'brotli' })).toThrow(message);
    expect(() => producerCompressionFromEnv({ EAI_KAFKA_COMPRESSION: 'brotli' })).toThrow(ConfigError);
    const saved = process.env.EAI_KAFKA_COMPRESSION;
    process.env.EAI_KAFKA_COMPRESSION = 'brotli';
    try {
      // Before anything connects: the hub fails at its start.
      expect(() => createBus({ brokers: '127.0.0.1:1', registryUrl: 'http://127.0.0.1:1' })).toThrow(message);
      // Given in code, the environment is not read.
      expect(() =>
        createBus({ brokers: '127.0.0.1:1', registryUrl: 'http://127.0.0.1:1', compression: 'zstd' }),
      ).not.toThrow();
    } finally {
      if (saved === undefined) delete process.env.EAI_KAFKA_COMPRESSION;
      else process.env.EAI_KAFKA_COMPRESSION = saved;
    }
  });
});
