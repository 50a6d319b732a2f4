import { createRequire } from 'node:module';
import { encodeRecordBatch, RECORD_BATCH_MODULE, type RecordBatchInput } from './kafkajs-batch-encoder.ts';
import { encodeRecord, RECORD_MODULE } from './kafkajs-record-encoder.ts';

const PRODUCE_REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';
const NO_COMPRESSION = 0;

/**
 * Puts the bus's record and record batch encoders in place of kafkajs's, through Node's module cache. It must
 * run before kafkajs first loads its produce request module (lazily, at the first send), which takes both by
 * destructuring; if that already happened, nothing changes. kafkajs is pinned to 2.2.x in maintenance mode, so
 * these internals do not move; the specs compare the output with kafkajs's own byte for byte.
 */
export function installKafkajsEncoders(): boolean {
  const require = createRequire(import.meta.url);
  const recordPath = require.resolve(RECORD_MODULE);
  const batchPath = require.resolve(RECORD_BATCH_MODULE);
  if (require.cache[require.resolve(PRODUCE_REQUEST_MODULE)])
    return installed(require, recordPath, batchPath);
  require(recordPath);
  const record = require.cache[recordPath];
  const batch = require(batchPath) as { RecordBatch: (input: RecordBatchInput) => Promise<unknown> };
  if (!record) return false;
  record.exports = encodeRecord;
  const kafkajsBatch = batch.RecordBatch;
  // Compressed batches keep kafkajs's encoder: the codecs are its plug-ins.
  batch.RecordBatch = async (input) =>
    (input.compression ?? NO_COMPRESSION) === NO_COMPRESSION ? encodeRecordBatch(input) : kafkajsBatch(input);
  Object.defineProperty(batch.RecordBatch, 'eai', { value: true });
  return true;
}

function installed(require: NodeJS.Require, recordPath: string, batchPath: string): boolean {
  const batch = require.cache[batchPath]?.exports as { RecordBatch?: { eai?: boolean } } | undefined;
  return require.cache[recordPath]?.exports === encodeRecord && batch?.RecordBatch?.eai === true;
}
