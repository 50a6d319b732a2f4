import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { errorMessage, NonRetriableError, RetriableError } from '../../lib/errors.ts';
import type { ConnectorContext, SinkRecord, SinkTask } from '../sdk/index.ts';

/** Canonical statuses an ORDRSP answers (status-to-ordrsp-action.yaml): what the ERP's own order does not say. */
const ANSWERED = ['CONFIRMED', 'REJECTED', 'CANCELLED', 'CREDIT_HOLD'] as const;

export const sapOrdrspFileSinkConfig = z.object({
  dir: z
    .string()
    .min(1)
    .describe(
      "The file port's inbound directory SAP reads ORDRSP IDocs from (WE21 → File → Inbound file); relative to the deployment file.",
    ),
  statuses: z
    .array(z.string().min(1))
    .min(1)
    .default([...ANSWERED])
    .describe(
      'Canonical order statuses sent back to SAP as ORDRSP; events with another status (OPEN, RECEIVED: the ERP’s own orders) are skipped.',
    ),
  filePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'letters, digits, "_" and "-"')
    .default('ORDRSP_')
    .describe('Start of every file name; the rest is derived from the record’s idempotency key.'),
  readyMarker: z
    .boolean()
    .default(false)
    .describe('Write `<file>.ready` after each complete file, for ports that wait for a marker.'),
});

export type SapOrdrspFileSinkConfig = z.output<typeof sapOrdrspFileSinkConfig>;

/**
 * The file's name for a record: readable and the same on every delivery of it, so a redelivered record overwrites
 * its file instead of adding a second one. `<prefix><safe key>_<hash>.xml`; the hash keeps keys apart that differ
 * only in characters not allowed in file names.
 */
export function ordrspFileName(prefix: string, idempotencyKey: string, part = 0): string {
  const safe = idempotencyKey.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12);
  return `${prefix}${safe}_${hash}${part > 0 ? `_${part}` : ''}.xml`;
}

/**
 * The IDoc number (DOCNUM, 16 digits) of a record: derived from its idempotency key (connector and `ce_id`), so every
 * delivery of the same command carries the same number, even when the sender built its content again (a workflow step
 * re-run after a crash stamps a new time), and SAP's duplicate check refuses the second copy.
 */
export function ordrspDocnum(idempotencyKey: string): string {
  const digest = createHash('sha256').update(idempotencyKey).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 16n).toString().padStart(16, '0');
}

/** Writes `bytes` to `dir/name` atomically: a hidden temporary file, flushed to disk, then renamed over the name. */
async function writeAtomically(dir: string, name: string, bytes: Buffer): Promise<void> {
  const temporary = join(dir, `.${name}.${process.pid}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, join(dir, name));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function statusOf(record: SinkRecord): string | undefined {
  const order = (record.value as { salesOrder?: { status?: unknown } } | null)?.salesOrder;
  return typeof order?.status === 'string' ? order.status : undefined;
}

/** A failed write of the file system: a full disk or a lost mount may heal, a missing permission will not. */
function fileError(context: ConnectorContext, name: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const message = `${context.name}: writing ${name}: ${errorMessage(error)}`;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR'
    ? new NonRetriableError(message, { cause: error })
    : new RetriableError(message, { cause: error });
}

/**
 * One ORDRSP file per record, through the connector's from-canonical mapping (`ctx.toSystem`). The IDoc's DOCNUM is
 * derived from the record's idempotency key (`ordrspDocnum`), so SAP's duplicate check refuses a second copy of the
 * same command it already posted, whether redelivered by Kafka or sent again with new content under the same `ce_id`.
 */
export function createOrdrspFileSink(config: SapOrdrspFileSinkConfig, context: ConnectorContext): SinkTask {
  const dir = resolve(context.baseDir, config.dir);
  const answered = new Set(config.statuses);
  let ready: Promise<void> | undefined;
  return {
    async put(record) {
      const status = statusOf(record);
      if (status === undefined)
        throw new NonRetriableError(
          `${context.name}: record ${record.idempotencyKey}: salesOrder.status: missing (schema ${record.schema})`,
        );
      if (!answered.has(status)) {
        context.logger.debug({ key: record.key, status }, 'sap-ordrsp: status not answered, skipped');
        return;
      }
      const documents = await context.toSystem(record.value, {
        documentId: ordrspDocnum(record.idempotencyKey),
      });
      ready ??= mkdir(dir, { recursive: true }).then(() => undefined);
      await ready.catch((error) => {
        ready = undefined;
        throw fileError(context, dir, error);
      });
      for (const [i, bytes] of documents.entries()) {
        const name = ordrspFileName(
          config.filePrefix,
          record.idempotencyKey,
          documents.length > 1 ? i + 1 : 0,
        );
        try {
          await writeAtomically(dir, name, bytes);
          if (config.readyMarker) await writeAtomically(dir, `${name}.ready`, Buffer.alloc(0));
        } catch (error) {
          throw fileError(context, name, error);
        }
        context.logger.info({ file: name, key: record.key, status }, 'sap-ordrsp: file written');
      }
    },
    async stop() {},
  };
}
