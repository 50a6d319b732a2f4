import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { NonRetriableError, RetriableError } from '../../lib/errors.ts';
import {
  type ConnectorContext,
  NOTHING_TO_WRITE,
  type SinkRecord,
  type SinkTask,
  skipped,
} from '../sdk/index.ts';
import { keyedFileName, keyedFileWriter } from '../transports/keyed-files.ts';

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
  awaitStatusMs: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      "Wait up to this long after each file for SAP's inbound processing to answer: the file moved to `processed/` (IDoc status 53) is done; moved to `error/` with `<file>.error.txt` (status 51) the record is refused and dead-lettered with SAP's reason, unless SAP says it already has it (DOCNUM already received, document already a credit memo request); not taken in time, it is retried. 0: do not wait (a port that leaves no answer).",
    ),
});

export type SapOrdrspFileSinkConfig = z.output<typeof sapOrdrspFileSinkConfig>;

/** The ORDRSP file's name for a record (`keyedFileName`): `<prefix><safe key>_<hash>.xml`, the same on redelivery. */
export function ordrspFileName(prefix: string, idempotencyKey: string, part = 0): string {
  return keyedFileName(prefix, idempotencyKey, '.xml', part);
}

/**
 * The IDoc number (DOCNUM, 16 digits) of a record: derived from its idempotency key (connect group, connector and `ce_id`), so every
 * delivery of the same command carries the same number, even when the sender built its content again (a workflow step
 * re-run after a crash stamps a new time), and SAP's duplicate check refuses the second copy.
 */
export function ordrspDocnum(idempotencyKey: string): string {
  const digest = createHash('sha256').update(idempotencyKey).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 16n).toString().padStart(16, '0');
}

/** SAP's status 51 reasons that say it already holds what the file carries: a copy, not a refusal. */
const ALREADY_APPLIED = /was already received|is already credit memo request/;

/** When `path` last changed place (its ctime, which a rename sets), else undefined. */
async function movedAt(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.ctimeMs,
    () => undefined,
  );
}

/**
 * SAP's answer to a file written at `since` (ms): the inbound processing moves it to `processed/` (status 53) or to
 * `error/` with `<file>.error.txt` (status 51). An IDoc SAP refused throws NonRetriableError (dead-lettered with SAP's
 * reason, as an HTTP sink's 4xx), one it already had is done, no answer within `timeoutMs` throws RetriableError (the
 * retry writes the same file again, which SAP takes once).
 */
async function awaitStatus(
  context: ConnectorContext,
  dir: string,
  name: string,
  since: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await movedAt(join(dir, name))) === undefined) {
      const [processed, failed] = await Promise.all([
        movedAt(join(dir, 'processed', name)),
        movedAt(join(dir, 'error', name)),
      ]);
      const fresh = (at: number | undefined) => at !== undefined && at >= since;
      // (SAP writes the reason just after moving the file: a moment without one is waited out.)
      const reason = fresh(failed)
        ? await readFile(join(dir, 'error', `${name}.error.txt`), 'utf8').then(
            (text) => text.trim(),
            () => (Date.now() >= deadline ? '(no reason given)' : undefined),
          )
        : undefined;
      if (reason !== undefined && !(fresh(processed) && processed! > failed!)) {
        if (ALREADY_APPLIED.test(reason)) {
          context.logger.info({ file: name, reason }, 'sap-ordrsp: SAP already holds it (status 51), done');
          return;
        }
        throw new NonRetriableError(`${context.name}: SAP refused ${name} (IDoc status 51): ${reason}`);
      }
      if (fresh(processed) && !(fresh(failed) && failed! > processed!)) return;
    }
    if (Date.now() >= deadline) {
      throw new RetriableError(
        `${context.name}: SAP did not process ${name} within ${timeoutMs} ms (inbound processing stopped?)`,
      );
    }
    await sleep(100, undefined, { signal: context.signal }).catch(() => undefined);
    if (context.signal.aborted)
      throw new RetriableError(`${context.name}: stopped while waiting for SAP's answer to ${name}`);
  }
}

function statusOf(record: SinkRecord): string | undefined {
  const order = (record.value as { salesOrder?: { status?: unknown } } | null)?.salesOrder;
  return typeof order?.status === 'string' ? order.status : undefined;
}

/**
 * One ORDRSP file per record, through the connector's from-canonical mapping (`ctx.toSystem`). The IDoc's DOCNUM is
 * derived from the record's idempotency key (`ordrspDocnum`), so SAP's duplicate check refuses a second copy of the
 * same command it already posted, whether redelivered by Kafka or sent again with new content under the same `ce_id`.
 */
export function createOrdrspFileSink(config: SapOrdrspFileSinkConfig, context: ConnectorContext): SinkTask {
  const dir = resolve(context.baseDir, config.dir);
  const answered = new Set(config.statuses);
  const write = keyedFileWriter({ ...config, dir, extension: '.xml' }, context);
  return {
    async put(record) {
      const status = statusOf(record);
      if (status === undefined)
        throw new NonRetriableError(
          `${context.name}: record ${record.idempotencyKey}: salesOrder.status: missing (schema ${record.schema})`,
        );
      if (!answered.has(status)) {
        context.logger.debug({ key: record.key, status }, 'sap-ordrsp: status not answered, skipped');
        return skipped(`status ${status} is not answered to SAP`);
      }
      const documents = await context.toSystem(record.value, {
        documentId: ordrspDocnum(record.idempotencyKey),
      });
      // The mapping writes nothing for it (e.g. the credit memo mapping for an order that is not a CR): skipped.
      if (documents.length === 0) return NOTHING_TO_WRITE;
      await write(record.idempotencyKey, documents, async ({ name, writtenAt }) => {
        context.logger.info({ file: name, key: record.key, status }, 'sap-ordrsp: file written');
        if (config.awaitStatusMs > 0) await awaitStatus(context, dir, name, writtenAt, config.awaitStatusMs);
      });
    },
    async stop() {},
  };
}
