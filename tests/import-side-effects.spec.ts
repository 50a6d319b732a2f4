import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a script in a fresh Node process (no test setup), in the repository, and returns its JSON answer. */
function probe(script: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  return JSON.parse(out.toString());
}

const SNAPSHOT = `
  import { createRequire } from 'node:module';
  const require = createRequire(process.cwd() + '/package.json');
  const emitWarning = process.emitWarning;
  const tap = require('avsc/lib/utils.js').Tap.prototype.writeString;
  const before = { tap, emitWarning };
  const kafkaRecord = () => require.cache[require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js')]?.exports;
  const requestQueueFixed = () =>
    require('kafkajs/src/network/requestQueue/index.js').prototype[Symbol.for('eai.kafkajs.scheduleCheckPendingRequests')] === true;
  const codecs = () => {
    const { CompressionCodecs } = require('kafkajs');
    return [2, 3, 4].map((type) => {
      try {
        return typeof CompressionCodecs[type]().decompress === 'function';
      } catch {
        return false;
      }
    });
  };
`;

describe('importing a module changes nothing', () => {
  it('loading the bus, the schemas, the mappings and the CLI modules patches neither avsc, kafkajs nor process', () => {
    const result = probe(`${SNAPSHOT}
      await import('./bus/index.ts');
      await import('./schemas/catalog.ts');
      await import('./mappings/index.ts');
      const { commands } = await import('./cli/commands/index.ts');
      for (const command of commands) await command.load();
      await import('./lib/quiet-warnings.ts');
      console.log(JSON.stringify({
        tap: require('avsc/lib/utils.js').Tap.prototype.writeString === before.tap,
        emitWarning: process.emitWarning === before.emitWarning,
        kafkaRecordLoaded: kafkaRecord() !== undefined,
        requestQueueFixed: requestQueueFixed(),
        snappyLz4Zstd: codecs(),
      }));`);
    expect(result).toEqual({
      tap: true,
      emitWarning: true,
      kafkaRecordLoaded: false,
      requestQueueFixed: false,
      snappyLz4Zstd: [false, false, false],
    });
  });

  it('creating the bus puts the replacements in place, explicitly', () => {
    const result = probe(`${SNAPSHOT}
      const { createBus } = await import('./bus/index.ts');
      const { quietKnownWarnings } = await import('./lib/quiet-warnings.ts');
      createBus({ brokers: '127.0.0.1:1', registryUrl: 'http://127.0.0.1:1' });
      quietKnownWarnings();
      const { encodeRecord } = await import('./bus/transport/kafkajs-record-encoder.ts');
      console.log(JSON.stringify({
        // avsc is left as it is: the serde writes Avro with writers compiled for each schema (schemas/avro-writer.ts).
        tap: require('avsc/lib/utils.js').Tap.prototype.writeString === before.tap,
        emitWarning: process.emitWarning !== before.emitWarning,
        kafkaRecord: kafkaRecord() === encodeRecord,
        requestQueueFixed: requestQueueFixed(),
        snappyLz4Zstd: codecs(),
      }));`);
    expect(result).toEqual({
      tap: true,
      emitWarning: true,
      kafkaRecord: true,
      requestQueueFixed: true,
      snappyLz4Zstd: [true, true, true],
    });
  });
});
